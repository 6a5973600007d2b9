"""Where a document is used: the texts that link to it and the pages that show it.

A rich text links to a document as `href="internal:document/<id>"`
(programme/richtext.py); every text is cleaned on save, so that marker is
stored exactly so. A programme's page shows the documents of the programme,
a phase's page those of the phase, through the document's own foreign keys.

Finding the texts is one query per model with texts (programme, phase,
municipality, document): a substring filter on each text column, ORed. The
database scans those columns, which no index helps with; at the site's size
(hundreds of programmes and phases, a few thousand rows in all) that is a
few milliseconds, and it needs no second copy of the links to keep in step.
Lives in the site package because it reads the programme app's texts too.
"""

import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents.models import Document, DocumentKind
from programme.models import Municipality, Phase, Programme
from programme.richtext import INTERNAL_SCHEME, RichTextField

DOCUMENT_LINK = re.compile(rf'"{INTERNAL_SCHEME}:document/([0-9]+)"')


@dataclass(frozen=True)
class Usage:
    """One place a document is used: an object, which of its fields, in which language."""

    obj: object
    label: str
    field: str
    language: str
    admin_url: str


def link_marker(document_id):
    """The attribute value a cleaned text holds where it links to the document."""
    return f'"{INTERNAL_SCHEME}:document/{document_id}"'


def text_columns(model):
    """(column, field label, language code or None) of the model's rich texts."""
    fields = model._meta.fields
    translated = {field.translated_field.name for field in fields if hasattr(field, "language")}
    for field in fields:
        if isinstance(field, RichTextField) and field.name not in translated:
            original = getattr(field, "translated_field", field)
            label = str(capfirst(original.verbose_name))
            yield field.attname, label, getattr(field, "language", None)


# Named in the editor's language, with the code their tab shows.
LANGUAGE_NAMES = {
    "nn": _("Nynorsk (NN)"),
    "nb": _("Bokmål (NB)"),
    "en": _("English (EN)"),
    None: _("All languages"),
}


def language_name(code):
    return str(LANGUAGE_NAMES.get(code, code))


def admin_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


# The models whose texts may link to a document, how to read them, how to name a row.
TEXT_SOURCES = [
    (Programme, lambda queryset: queryset, str),
    (Phase, lambda queryset: queryset.select_related("programme"), Phase.title_with_programme.fget),
    (Municipality, lambda queryset: queryset, str),
    (Document, lambda queryset: queryset, str),
]


def contains_any(column, ids):
    """The condition for a text column that links to any of the documents."""
    if len(ids) == 1:
        return Q(**{f"{column}__contains": link_marker(next(iter(ids)))})
    # One pattern instead of a LIKE per document, which would make a bulk
    # action's condition as long as its selection.
    alternatives = "|".join(str(pk) for pk in sorted(ids))
    return Q(**{f"{column}__regex": f'"{INTERNAL_SCHEME}:document/({alternatives})"'})


def text_usages(ids):
    """{document id: [Usage, ...]} of the texts that link to the documents: one query a model."""
    found = {pk: [] for pk in ids}
    for model, shape, label in TEXT_SOURCES:
        columns = list(text_columns(model))
        condition = reduce(or_, (contains_any(column, ids) for column, _f, _l in columns))
        queryset = shape(model.objects.filter(condition))
        if model is Document:
            # A document's own text, or one of those asked about, is not a use worth a warning.
            queryset = queryset.exclude(pk__in=ids)
        for obj in queryset.order_by("pk"):
            for column, field_label, language in columns:
                linked = {int(pk) for pk in DOCUMENT_LINK.findall(getattr(obj, column) or "")}
                for pk in sorted(linked & set(ids)):
                    found[pk].append(
                        Usage(obj, label(obj), field_label, language_name(language), admin_url(obj))
                    )
    return found


def page_usages(documents):
    """{document id: [Usage, ...]} of the programme and phase pages that list the documents."""
    found = {}
    for document in documents:
        usages = found.setdefault(document.pk, [])
        if document.programme_id:
            field = (
                gettext("Project plan")
                if document.kind == DocumentKind.PROJECT_PLAN
                else gettext("Documents on its page")
            )
            programme = document.programme
            usages.append(
                Usage(programme, str(programme), field, language_name(None), admin_url(programme))
            )
        if document.phase_id:
            phase = document.phase
            usages.append(
                Usage(
                    phase,
                    phase.title_with_programme,
                    gettext("Documents on its page"),
                    language_name(None),
                    admin_url(phase),
                )
            )
    return found


def usages_of(ids):
    """{document id: [Usage, ...]}: every page and text that shows or links to each document.

    Takes the same number of queries however many documents and texts there are.
    """
    ids = list(ids)
    if not ids:
        return {}
    with_pages = Document.objects.filter(pk__in=ids).select_related("programme", "phase__programme")
    found = page_usages(with_pages)
    for pk, usages in text_usages(set(ids)).items():
        found.setdefault(pk, []).extend(usages)
    return found


def usages_of_document(document):
    return usages_of([document.pk]).get(document.pk, [])
