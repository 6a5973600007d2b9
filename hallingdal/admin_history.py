"""The history of content saved and deleted in the admin, and the admin's History page for it.

Every save through a change or add form of a publishable model is one
revision (django-reversion) with who and Action.SAVED; every deletion is
recorded first, as the object was, with Action.DELETED (an inline row
deleted with its form too), so it can be recovered. The History page lists
the object's versions from that history instead of the admin's own log.
"""

import functools

import reversion
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.base import ModelBase
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from . import publishing
from .models import Action

# The History page shows the newest versions only, so it stays quick to load and to read.
HISTORY_ROWS = 50


class HistoryAdminMixin:
    """Records the admin's saves and deletions in the history, and shows it on the History page."""

    def save_related(self, request, form, formsets, change):
        # After the many-to-many fields and inlines are saved, so the version holds them.
        super().save_related(request, form, formsets, change)
        # The publishing buttons say when a save published or unpublished it.
        action = getattr(request, "history_action", Action.SAVED)
        with publishing.revision(user=request.user, action=action):
            reversion.add_to_revision(form.instance)
            for formset in formsets:
                changed = formset.new_objects + [obj for obj, _fields in formset.changed_objects]
                for obj in changed:
                    if publishing.is_publishable(type(obj)):
                        reversion.add_to_revision(obj)

    def save_formset(self, request, form, formset, change):
        # An inline row deleted with the form is content deleted too: record it first.
        if publishing.is_publishable(formset.model):
            for row in formset.deleted_forms:
                if row.instance.pk is not None:
                    publishing.record(row.instance, user=request.user, action=Action.DELETED)
        super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        # The admin's own deletion (or the model admin's, such as a document's) runs as `delete`.
        publishing.object_delete(
            obj=obj, user=request.user, delete=functools.partial(super().delete_model, request, obj)
        )

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                one = queryset.model._base_manager.filter(pk=obj.pk)
                delete = functools.partial(super().delete_queryset, request, one)
                publishing.object_delete(obj=obj, user=request.user, delete=delete)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        # One row more than is shown tells whether there are more.
        versions = list(publishing.history(obj)[: HISTORY_ROWS + 1])
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "versions": versions[:HISTORY_ROWS],
            "more": len(versions) > HISTORY_ROWS,
            "shown": HISTORY_ROWS,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/history_versions.html", context)


def with_history(admin_class, model_or_iterable):
    """Return `admin_class` with the history mixin, if it is for publishable models."""
    models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
    if issubclass(admin_class, HistoryAdminMixin) or not all(
        publishing.is_publishable(model) for model in models
    ):
        return admin_class
    return type(
        admin_class.__name__,
        (HistoryAdminMixin, admin_class),
        {"__module__": admin_class.__module__},
    )
