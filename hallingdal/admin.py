"""The site's admin: Django's own, with optimistic locking on every change form and history."""

from django.contrib import admin
from django.contrib.admin import widgets
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db import models
from django.utils.translation import gettext_lazy as _

from .admin_document_usage import with_document_usage
from .admin_history import with_history
from .admin_locking import with_locking


class LabelledSplitDateTime(widgets.AdminSplitDateTime):
    """Django's date and time boxes, each with a name of its own for screen readers.

    The field's label names only the first box; the time box needs one too.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs)
        date, time = self.widgets
        date.attrs["aria-label"] = _("Date (dd.mm.yyyy)")
        time.attrs["aria-label"] = _("Time (hh:mm)")


def with_labelled_datetimes(admin_class):
    overrides = {**admin_class.formfield_overrides}
    overrides[models.DateTimeField] = {
        **overrides.get(models.DateTimeField, {}),
        "widget": LabelledSplitDateTime,
    }
    return type(admin_class.__name__, (admin_class,), {"formfield_overrides": overrides})


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete results named as their admin names them (`autocomplete_label`), else str()."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


class SiteAdminSite(admin.AdminSite):
    """Django's admin site, whose registered ModelAdmins refuse to undo others' saves.

    The content apps keep registering with `@admin.register`; locking is
    composed in here, so they need to know nothing about it.
    """

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = with_labelled_datetimes(admin_class or admin.ModelAdmin)
        admin_class = with_document_usage(admin_class, model_or_iterable)
        admin_class = with_locking(with_history(admin_class, model_or_iterable))
        super().register(model_or_iterable, admin_class, **options)

    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)
