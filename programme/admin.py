from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline

from .models import Grant, Municipality, Phase, Programme
from .validators import picture_help_text, validate_picture


class PhaseInline(TranslationStackedInline):
    """A programme's phases with their facts; each phase's texts are on its own page.

    Ten phases with three long texts in three languages made the programme's
    form some 90 rich-text editors long: slow to load, and a draft of the
    programme could not hold them. On the phase's own page its texts get a
    draft, a preview and a history of their own.
    """

    model = Phase
    extra = 0
    fields = [
        ("number", "status", "is_published"),
        "title",
        ("starts_on", "starts_on_precision"),
        ("ends_on", "ends_on_precision"),
        "texts",
    ]
    readonly_fields = ["texts"]
    show_change_link = True

    @admin.display(description=_("texts"))
    def texts(self, phase):
        """A link to the phase's texts, and which of them visitors read in Nynorsk instead."""
        if phase.pk is None:
            return gettext("Save the programme, then write the phase's texts on its own page.")
        link = format_html(
            '<a href="{}">{}</a>',
            reverse("admin:programme_phase_change", args=[phase.pk]),
            gettext("Write the summary, text and outcome on the phase's page"),
        )
        missing = missing_translations(phase, ["summary", "body", "outcome"])
        return format_html_join(mark_safe("<br>"), "{}", [(link,), *((line,) for line in missing)])


# The languages visitors may find a text missing in, and read it in Nynorsk instead.
MISSING_IN = {
    "nb": _("Missing in Bokmål: %(fields)s."),
    "en": _("Missing in English: %(fields)s."),
}


def missing_translations(obj, field_names):
    """A line for each language in which texts written in Nynorsk are missing."""
    lines = []
    for code, words in MISSING_IN.items():
        fields = [
            str(obj._meta.get_field(name).verbose_name)
            for name in field_names
            if getattr(obj, f"{name}_nn") and not getattr(obj, f"{name}_{code}")
        ]
        if fields:
            lines.append(str(words) % {"fields": ", ".join(fields)})
    return lines


# Links typed without a scheme ("www.kmd.no") are taken as https.
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}


class PictureFormField(forms.ImageField):
    """An image upload whose header is checked before Django's own image check.

    Django's check opens the file too, and answers a decompression bomb only
    with "not a valid image"; ours says what is wrong and what to do.
    """

    def to_python(self, data):
        if data not in self.empty_values:
            validate_picture(data)
        return super().to_python(data)


# The help text names the limit from the settings, in the editor's language.
PICTURES = {
    models.ImageField: {
        "form_class": PictureFormField,
        "help_text": lazy(picture_help_text, str)(),
    }
}


class PhaseChoiceMixin:
    """A phase field whose choices name the phase's programme too, in one query."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "phase":
            kwargs["queryset"] = Phase.objects.select_related("programme")
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "phase":
            field.label_from_instance = Phase.title_with_programme.fget
        return field


@admin.register(Programme)
class ProgrammeAdmin(TabbedTranslationAdmin):
    formfield_overrides = PICTURES
    list_display = ["title", "run_by", "total_budget", "phase_count", "is_published", "updated_at"]
    list_filter = ["is_published"]
    search_fields = ["title", "summary", "scheme"]
    prepopulated_fields = {"slug": ["title"]}
    # A search box rather than the two-list filter, which puts every
    # municipality in the database into the page (200 with the bulk data).
    autocomplete_fields = ["municipalities"]
    readonly_fields = ["grant_summary", "created_at", "updated_at"]
    # Phases stay inline: a programme has a handful. Its grants grow with
    # every award, so the form sums them up and links to their own list.
    inlines = [PhaseInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "position"]}),
        (_("Publishing"), {"fields": ["is_published", "publish_at", "unpublish_at"]}),
        (
            _("The project"),
            {"fields": ["run_by", "goal", "body", "total_budget", "planned_end_year"]},
        ),
        (_("National scheme"), {"fields": ["scheme", "scheme_owner", "scheme_description"]}),
        (_("Municipalities"), {"fields": ["municipalities"]}),
        (_("Grants"), {"fields": ["grant_summary"]}),
        (_("Picture"), {"fields": ["image", "image_description"]}),
        (_("History"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(phase_total=Count("phases"))

    @admin.display(description=_("phases"), ordering="phase_total")
    def phase_count(self, programme):
        return programme.phase_total

    @admin.display(description=_("grants"))
    def grant_summary(self, programme):
        """How many grants and how much, with links to list them and to add one: one query."""
        if programme.pk is None:
            return gettext("Add grants once the programme is saved.")
        totals = programme.grants.aggregate(count=Count("pk"), total=Sum("amount"))
        if totals["count"]:
            summary = ngettext(
                "%(count)s grant, NOK %(total)s in all.",
                "%(count)s grants, NOK %(total)s in all.",
                totals["count"],
            ) % {
                "count": totals["count"],
                "total": number_format(totals["total"], 0, force_grouping=True),
            }
        else:
            summary = gettext("No grants yet.")
        return format_html(
            '{} <a href="{}">{}</a> · <a href="{}">{}</a>',
            summary,
            grant_list_url(programme),
            gettext("See and edit the grants"),
            grant_add_url(programme),
            gettext("Add a grant"),
        )


def grant_list_url(programme):
    """The grant list filtered to the programme, by GrantAdmin's programme filter."""
    query = urlencode({"programme__id__exact": programme.pk})
    return f"{reverse('admin:programme_grant_changelist')}?{query}"


def grant_add_url(programme):
    """The add form with the programme chosen (the admin takes initial values from the query)."""
    return f"{reverse('admin:programme_grant_add')}?{urlencode({'programme': programme.pk})}"


@admin.register(Phase)
class PhaseAdmin(TabbedTranslationAdmin):
    list_display = ["__str__", "programme", "status", "starts_on", "ends_on", "is_published"]
    list_filter = ["status", "is_published", "programme"]
    list_select_related = ["programme"]
    search_fields = ["title", "summary", "programme__title"]
    autocomplete_fields = ["programme"]
    readonly_fields = ["updated_at"]

    def get_queryset(self, request):
        # The autocomplete of grants' and documents' phases names each one's programme.
        return super().get_queryset(request).select_related("programme")

    def autocomplete_label(self, phase):
        return phase.title_with_programme


@admin.register(Municipality)
class MunicipalityAdmin(TabbedTranslationAdmin):
    formfield_overrides = {**HTTPS_LINKS, **PICTURES}
    list_display = ["name", "number", "former_name", "organisation_number", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["name", "number", "former_name", "organisation_number"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["updated_at"]


@admin.register(Grant)
class GrantAdmin(PhaseChoiceMixin, TabbedTranslationAdmin):
    formfield_overrides = HTTPS_LINKS
    list_display = ["funder", "amount", "programme", "phase", "awarded_on", "is_published"]
    list_filter = ["is_published", "programme", "funder"]
    list_select_related = ["programme", "phase"]
    search_fields = ["funder", "description", "programme__title"]
    autocomplete_fields = ["programme", "phase"]
    readonly_fields = ["updated_at"]
