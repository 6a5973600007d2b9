"""The history of content saved and deleted in the admin, and the admin's History page for it.

Every save through a change or add form of a publishable model is one
revision (django-reversion) with who and Action.SAVED; every deletion is
recorded first, as the object was, with Action.DELETED (an inline row
deleted with its form too), so it can be recovered. The History page lists
the object's versions from that history instead of the admin's own log, with
a form to compare any two of them and a link to restore each (see
admin_compare.py, which also adds the pages that recover deleted objects).
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
from .admin_compare import NOW, VersionsAdminMixin
from .models import Action

# The History page shows the newest versions only, so it stays quick to load and to read.
HISTORY_ROWS = 50


class HistoryAdminMixin(VersionsAdminMixin):
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
        shown = versions[:HISTORY_ROWS]
        # Each row with the version before it (the one more read is the last row's).
        rows = [
            {
                "version": version,
                "previous": versions[index + 1] if index + 1 < len(versions) else None,
            }
            for index, version in enumerate(shown)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "rows": rows,
            "versions": shown,
            "more": len(versions) > HISTORY_ROWS,
            "now": NOW,
            "compare_url": self.versions_url("history_compare", obj.pk),
            "can_restore": self.has_change_permission(request, obj),
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
    attributes = {"__module__": admin_class.__module__}
    if admin_class.change_list_template:
        # A change list of its own keeps it; it can link to the deleted ones itself.
        attributes["change_list_template"] = admin_class.change_list_template
    return type(admin_class.__name__, (HistoryAdminMixin, admin_class), attributes)
