"""The site's admin: Django's own, with publishing, preview, history and locking."""

from django.contrib import admin
from django.db import models

from .admin_history import with_history
from .admin_locking import with_locking
from .admin_overview import overview
from .admin_preview import with_preview
from .admin_publishing import with_publishing
from .admin_widgets import LabelledSplitDateTime


def with_labelled_datetimes(admin_class):
    overrides = {**admin_class.formfield_overrides}
    overrides[models.DateTimeField] = {
        **overrides.get(models.DateTimeField, {}),
        "widget": LabelledSplitDateTime,
    }
    return type(admin_class.__name__, (admin_class,), {"formfield_overrides": overrides})


class SiteAdminSite(admin.AdminSite):
    """Django's admin site, whose registered ModelAdmins refuse to undo others' saves.

    The content apps keep registering with `@admin.register`; locking is
    composed in here, so they need to know nothing about it.
    """

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = with_labelled_datetimes(admin_class or admin.ModelAdmin)
        admin_class = with_history(admin_class, model_or_iterable)
        admin_class = with_preview(admin_class, model_or_iterable)
        admin_class = with_locking(with_publishing(admin_class, model_or_iterable))
        super().register(model_or_iterable, admin_class, **options)

    def index(self, request, extra_context=None):
        extra_context = {"overview": overview(request, self), **(extra_context or {})}
        return super().index(request, extra_context)
