"""The site's admin: Django's own, with publishing, preview, history and locking."""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db import models
from django.utils.translation import gettext_lazy as _

from .admin_document_usage import with_document_usage
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


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete results named as their admin names them (`autocomplete_label`), else str()."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


class SiteAdminSite(admin.AdminSite):
    """Django's admin site, composing the site's admin features into each registered ModelAdmin.

    The content apps keep registering with `@admin.register`; history,
    document usage, preview, publishing and locking are composed in here
    (each only where it applies), so they need to know nothing about them.
    The front page adds the overview of what needs an editor.
    """

    # Editors see the council's name in the header and the browser's tab,
    # not Django's ("Django-administrasjon").
    site_header = _("Hallingdal Regional Council")
    site_title = _("Hallingdal Regional Council")

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = with_labelled_datetimes(admin_class or admin.ModelAdmin)
        admin_class = with_history(admin_class, model_or_iterable)
        admin_class = with_document_usage(admin_class, model_or_iterable)
        admin_class = with_preview(admin_class, model_or_iterable)
        admin_class = with_locking(with_publishing(admin_class, model_or_iterable))
        super().register(model_or_iterable, admin_class, **options)

    def index(self, request, extra_context=None):
        extra_context = {"overview": overview(request, self), **(extra_context or {})}
        return super().index(request, extra_context)

    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)
