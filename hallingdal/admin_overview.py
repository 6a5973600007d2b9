"""What needs an editor's attention, for the admin's front page.

Each section shows its newest few rows (SHOWN) and says how many there are
in all. Every section costs a fixed number of queries whatever the amount of
content: one, with the total counted by a window over the same query, or,
for rows of several models, one UNION and one count. Rows of models the
editor may not change are left out, and names are in the editor's language
(Nynorsk where a translation is missing, as visitors see them).

Document files are the exception: whether each file is in the storage, and
whole, is I/O per file (an HTTP request each with object storage), too slow
for every view of the index with a thousand documents. The check runs at
most every FILES_SECONDS for the whole installation, in the shared cache,
and the section says when it was made. Editors see a file they replace
listed for a few minutes more; `manage.py check_files` gives the answer now.
"""

import logging
from dataclasses import dataclass, field

from django.apps import apps
from django.core.cache import cache
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.settings import DEFAULT_LANGUAGE
from modeltranslation.translator import translator
from reversion.models import Version

from documents.file_checks import MISSING, file_problems, file_storage
from documents.models import Document, DocumentVersion
from programme.models import Grant, Municipality, Phase, Programme
from programme.richtext import RichTextField, clean_html, plain_text

from .link_picker import DELETED, NOT_PUBLISHED
from .models import Action, Draft
from .publishing import publishable_models
from .richtext import INTERNAL_ANCHOR, published_targets

logger = logging.getLogger(__name__)

SHOWN = 10
FILES_SECONDS = 5 * 60
FILES_CACHE_KEY = "admin-overview:document-files"
# The languages a translation may be missing in: all but the one visitors fall back to.
OTHER_LANGUAGES = ("nb", "en")
# "Text in English": settings.LANGUAGES names each language in itself, for the
# language switcher, which reads wrongly inside a Nynorsk sentence.
MISSING_IN = {
    "nb": _("%(field)s in Bokmål"),
    "en": _("%(field)s in English"),
}
# The models whose texts are translated, in the order the overview lists them.
TRANSLATED_MODELS = (Programme, Phase, Municipality, Grant, Document, DocumentVersion)
# The kinds of object a rich text can link to (programme/richtext.py).
LINKED_MODELS = {
    "programme": Programme,
    "phase": Phase,
    "municipality": Municipality,
    "document": Document,
}


@dataclass
class Item:
    """One row of a section: a link that makes sense alone, and what is known about it."""

    text: str
    url: str = ""
    details: str = ""
    # Several links of one object (its missing translations): (text, url, hidden context).
    links: list = field(default_factory=list)


@dataclass
class Section:
    key: str
    title: str
    empty: str
    items: list
    total: int
    note: str = ""

    @property
    def more(self):
        return self.total - len(self.items)


@dataclass
class Group:
    title: str
    sections: list


# --- Who may see what ----------------------------------------------------------------------------


def changeable_models(request, site):
    """The registered models whose rows the editor may change."""
    return {
        model
        for model, model_admin in site._registry.items()
        if model_admin.has_change_permission(request)
    }


def content_type_condition(models, prefix="content_type__"):
    """Rows whose content type is one of `models`, by a join rather than a query for the ids."""
    condition = Q(pk__in=[])
    for model in models:
        condition |= Q(
            **{
                f"{prefix}app_label": model._meta.app_label,
                f"{prefix}model": model._meta.model_name,
            }
        )
    return condition


def change_url(model_label, pk, fragment=""):
    app_label, model_name = model_label.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    return f"{url}#{fragment}" if fragment else url


def who(user):
    if user is None:
        return gettext("Unknown")
    return user.get_full_name() or user.get_username()


def when(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


# --- Rows of several models in one query ---------------------------------------------------------


def in_language(name, language):
    """A translated field as visitors of `language` see it: Nynorsk where it is empty."""
    if language == DEFAULT_LANGUAGE:
        return F(f"{name}_{DEFAULT_LANGUAGE}")
    return Coalesce(NullIf(F(f"{name}_{language}"), Value("")), F(f"{name}_{DEFAULT_LANGUAGE}"))


def identity(model, language):
    """The columns that name a row, alike for every model so that their rows can be UNIONed."""
    blank = Value("", output_field=CharField())
    name, number, parent = blank, Value(None, output_field=IntegerField()), blank
    if model is Programme or model is Document:
        name = in_language("title", language)
    elif model is Phase:
        name = in_language("title", language)
        number = F("number")
        parent = in_language("programme__title", language)
    elif model is Municipality:
        name = F("name")
    elif model is Grant:
        name = in_language("funder", language)
        parent = in_language("programme__title", language)
    elif model is DocumentVersion:
        name = F("original_filename")
        parent = in_language("document__title", language)
    updated = "uploaded_at" if model is DocumentVersion else "updated_at"
    return {
        "row_kind": Value(model._meta.label_lower, output_field=CharField()),
        "row_id": F("pk"),
        "row_name": name,
        "row_number": number,
        "row_parent": parent,
        "row_updated": F(updated),
    }


def label_of(row):
    """What an editor calls the row: "Phase 2: Title (Programme)", say."""
    name = row["row_name"]
    if row["row_number"] is not None:
        name = gettext("Phase %(number)s: %(title)s") % {"number": row["row_number"], "title": name}
    return f"{name} ({row['row_parent']})" if row["row_parent"] else name


def rows_of(model):
    """All rows of the model, in a plain QuerySet rather than modeltranslation's.

    Its values() of expressions alone would select every field as well, and
    the rows of a UNION must have exactly the same columns.
    """
    return QuerySet(model)


def union(querysets, *, order_by):
    """The first SHOWN rows of several models' querysets (alike columns), and how many in all."""
    if not querysets:
        return [], 0
    first, *others = [queryset.order_by() for queryset in querysets]
    combined = first.union(*others, all=True)
    return list(combined.order_by(*order_by)[:SHOWN]), combined.count()


def windowed(queryset):
    """The first SHOWN rows, each carrying the total as `total`: one query for both."""
    rows = list(queryset.annotate(total=Window(Count("pk")))[:SHOWN])
    return rows, rows[0].total if rows else 0


# --- Drafts and scheduled changes ----------------------------------------------------------------


def drafts_section(models):
    drafts, total = windowed(
        Draft.objects.filter(content_type_condition(models))
        .select_related("content_type", "version", "updated_by")
        .order_by("-updated_at", "-pk")
    )
    items = []
    for draft in drafts:
        model = draft.content_type.model_class()
        values = {"when": when(draft.updated_at), "who": who(draft.updated_by)}
        details = gettext("Last saved %(when)s by %(who)s.") % values
        if draft.go_live_at:
            details += " " + gettext("Goes live %(when)s.") % {"when": when(draft.go_live_at)}
        items.append(
            Item(
                text=f"{draft.version.object_repr} ({model._meta.verbose_name})",
                url=change_url(model._meta.label_lower, draft.object_id),
                details=details,
            )
        )
    return Section(
        key="drafts",
        title=_("Drafts of published pages"),
        empty=_("No page has unpublished changes."),
        items=items,
        total=total,
    )


def scheduled_section(models, language):
    now = timezone.now()
    moment = Value(None, output_field=DateTimeField())
    querysets = [
        rows_of(model)
        .filter(Q(is_published=True, publish_at__gt=now) | Q(unpublish_at__gt=now))
        .values(
            **identity(model, language),
            publishes=Case(
                When(is_published=True, publish_at__gt=now, then=F("publish_at")), default=moment
            ),
            unpublishes=Case(When(unpublish_at__gt=now, then=F("unpublish_at")), default=moment),
        )
        for model in publishable_models()
        if model in models
    ]
    rows, total = union(querysets, order_by=["-row_updated", "row_kind", "row_id"])
    items = []
    for row in rows:
        details = []
        if row["publishes"]:
            moment = {"when": when(row["publishes"])}
            details.append(gettext("To be published %(when)s.") % moment)
        if row["unpublishes"]:
            moment = {"when": when(row["unpublishes"])}
            details.append(gettext("To be unpublished %(when)s.") % moment)
        items.append(
            Item(
                text=label_of(row),
                url=change_url(row["row_kind"], row["row_id"], "id_publish_at"),
                details=" ".join(details),
            )
        )
    return Section(
        key="scheduled",
        title=_("Scheduled publication"),
        empty=_("Nothing is scheduled to be published or unpublished."),
        items=items,
        total=total,
    )


# --- Recent changes ------------------------------------------------------------------------------


def recent_changes_section(models):
    versions = list(
        Version.objects.filter(content_type_condition(models))
        .select_related("content_type", "revision__user", "revision__history_entry")
        .order_by("-revision__date_created", "-pk")[:SHOWN]
    )
    items = []
    for version in versions:
        revision = version.revision
        entry = getattr(revision, "history_entry", None)
        model = version.content_type.model_class()
        values = {
            "action": entry.get_action_display() if entry else gettext("Saved"),
            "who": who(revision.user),
            "when": when(revision.date_created),
        }
        deleted = entry is not None and entry.action == Action.DELETED
        items.append(
            Item(
                text=f"{version.object_repr} ({model._meta.verbose_name})",
                # A deleted object has no change form; the History pages can recover it.
                url="" if deleted else change_url(model._meta.label_lower, version.object_id),
                details=gettext("%(action)s by %(who)s, %(when)s.") % values,
            )
        )
    return Section(
        key="changes",
        title="",
        empty=_("Nothing has been changed yet."),
        items=items,
        total=len(items),
    )


# --- Texts missing in a language -----------------------------------------------------------------


def translated_fields(model):
    return sorted(translator.get_options_for_model(model).fields)


def is_empty(column):
    return Q(**{column: ""}) | Q(**{f"{column}__isnull": True})


def translation_gaps(model):
    """The (field, language) pairs a translation may be missing in, in the order of the mask."""
    return [(name, code) for name in translated_fields(model) for code in OTHER_LANGUAGES]


def missing_translations(model):
    """A bit mask of translation_gaps(): the texts visitors see in Nynorsk instead.

    One flat sum of CASEs: nested expressions of this size overflow SQLite's parser.
    """
    parts = [
        Case(
            When(
                Q(**{f"{name}_{DEFAULT_LANGUAGE}__gt": ""}) & is_empty(f"{name}_{code}"),
                then=Value(1 << bit),
            ),
            default=Value(0),
        )
        for bit, (name, code) in enumerate(translation_gaps(model))
    ]
    return Func(*parts, template="(%(expressions)s)", arg_joiner=" + ", output_field=IntegerField())


def missing_translations_section(models, language):
    querysets = [
        rows_of(model)
        .annotate(missing=missing_translations(model))
        .filter(missing__gt=0)
        .values(**identity(model, language), rank=Value(rank), gaps=F("missing"))
        for rank, model in enumerate(TRANSLATED_MODELS)
        if model in models
    ]
    rows, total = union(querysets, order_by=["rank", "row_id"])
    items = []
    for row in rows:
        model = apps.get_model(row["row_kind"])
        label = label_of(row)
        links = []
        gaps = translation_gaps(model)
        for bit, (name, code) in enumerate(gaps):
            if not row["gaps"] & (1 << bit):
                continue
            column = f"{name}_{code}"
            words = str(MISSING_IN[code]) % {
                "field": capfirst(model._meta.get_field(name).verbose_name)
            }
            links.append((words, change_url(row["row_kind"], row["row_id"], f"id_{column}"), label))
        items.append(Item(text=label, links=links))
    return Section(
        key="translations",
        title=_("Texts missing in Bokmål or English"),
        empty=_("Every text is in all three languages."),
        items=items,
        total=total,
        note=_("Visitors who read Bokmål or English see these texts in Nynorsk."),
    )


# --- Content that needs an editor ----------------------------------------------------------------


def overdue_phases_section(models, language):
    if Phase not in models:
        return None
    phases, total = windowed(
        Phase.objects.overdue().select_related("programme").order_by("ends_on", "programme_id")
    )
    items = []
    for phase in phases:
        planned = {"end": phase.planned_end_display}
        details = gettext("Planned to end %(end)s.") % planned
        if phase.status_checked_on:
            details += " " + gettext("Status last confirmed %(date)s.") % {
                "date": date_format(phase.status_checked_on, "DATE_FORMAT")
            }
        else:
            details += " " + gettext("The status has never been confirmed.")
        items.append(
            Item(
                text=f"{phase} ({phase.programme})",
                url=change_url("programme.phase", phase.pk, "id_status"),
                details=details,
            )
        )
    return Section(
        key="phases",
        title=_("Phases in progress after their planned end"),
        empty=_("No phase is in progress after its planned end."),
        items=items,
        total=total,
        note=_(
            "Visitors see when the phase was planned to end instead of “In progress”. Set the "
            "status, or the date it was confirmed."
        ),
    )


def pictures_section(models):
    if Programme not in models:
        return None
    programmes, total = windowed(
        Programme.objects.exclude(image="")
        .filter(is_empty(f"image_description_{DEFAULT_LANGUAGE}"))
        .order_by("position", "pk")
    )
    items = [
        Item(
            text=str(programme),
            url=change_url(
                "programme.programme", programme.pk, f"id_image_description_{DEFAULT_LANGUAGE}"
            ),
        )
        for programme in programmes
    ]
    return Section(
        key="pictures",
        title=_("Pictures without a description"),
        empty=_("Every picture has a description."),
        items=items,
        total=total,
        note=_("People who cannot see a picture are told only what its description says."),
    )


def undated_grants_section(models):
    if Grant not in models:
        return None
    grants, total = windowed(
        Grant.objects.filter(awarded_on__isnull=True)
        .select_related("programme")
        .order_by("programme_id", "pk")
    )
    items = [
        Item(
            text=f"{grant} ({grant.programme})",
            url=change_url("programme.grant", grant.pk, "id_awarded_on"),
        )
        for grant in grants
    ]
    return Section(
        key="grants",
        title=_("Grants without a date"),
        empty=_("Every grant has the date it was awarded."),
        items=items,
        total=total,
    )


def file_problem_rows():
    """The first SHOWN document versions whose file is missing or of the wrong size, how many
    there are, and when they were checked; None if the storage could not be read.

    Kept in the cache for FILES_SECONDS (see the module's docstring).
    """
    found = cache.get(FILES_CACHE_KEY)
    if found is not None:
        return found
    columns = ["pk", "file", "size", "document_id", "original_filename"]
    titles = [f"document__title_{code}" for code in (DEFAULT_LANGUAGE, *OTHER_LANGUAGES)]
    versions = list(
        DocumentVersion.objects.order_by("-uploaded_at", "-pk").values(*columns, *titles)
    )
    try:
        problems = file_problems(
            {version["file"]: version["size"] for version in versions}, file_storage()
        )
    except OSError:
        # The index still opens; the next view tries again.
        logger.exception("Could not check the document files for the admin's overview")
        return None
    rows = [
        {**version, "problem": problems[version["file"]]}
        for version in versions
        if version["file"] in problems
    ]
    found = {"checked_at": timezone.now(), "rows": rows[:SHOWN], "total": len(rows)}
    cache.set(FILES_CACHE_KEY, found, FILES_SECONDS)
    return found


def files_section(models, language):
    if Document not in models:
        return None
    found = file_problem_rows()
    if found is None:
        return Section(
            key="files",
            title=_("Documents whose file is missing or damaged"),
            empty=_("The files could not be checked just now. Try again in a while."),
            items=[],
            total=0,
        )
    items = []
    for row in found["rows"]:
        title = row.get(f"document__title_{language}") or row[f"document__title_{DEFAULT_LANGUAGE}"]
        values = {"file": row["original_filename"]}
        if row["problem"] == MISSING:
            details = gettext("The file %(file)s is missing.") % values
        else:
            details = (
                gettext("The file %(file)s is not the size it had when it was uploaded.") % values
            )
        items.append(
            Item(
                text=title,
                url=change_url("documents.document", row["document_id"]),
                details=details,
            )
        )
    return Section(
        key="files",
        title=_("Documents whose file is missing or damaged"),
        empty=_("Every document's files are in place."),
        items=items,
        total=found["total"],
        note=gettext("Checked %(when)s.") % {"when": when(found["checked_at"])},
    )


def rich_columns(model):
    """The rich-text columns of a model, each language's own (title_nn, not title)."""
    originals = {f.translated_field.name for f in model._meta.fields if hasattr(f, "language")}
    return [
        f for f in model._meta.fields if isinstance(f, RichTextField) and f.name not in originals
    ]


def texts_with_links(models, language):
    """(row, field, links) for each text that links to our own pages: one UNION query.

    Only rows with "internal:" in a text are read; the links are parsed here.
    """
    columns = {kind: rich_columns(model) for kind, model in LINKED_MODELS.items()}
    width = max(len(fields) for fields in columns.values())
    blank = Value("", output_field=CharField())
    querysets = []
    for kind, model in LINKED_MODELS.items():
        if model not in models:
            continue
        fields = columns[kind]
        has_link = Q(pk__in=[])
        for f in fields:
            has_link |= Q(**{f"{f.name}__contains": "internal:"})
        texts = {f"text_{index}": F(f.name) for index, f in enumerate(fields)}
        texts.update({f"text_{index}": blank for index in range(len(fields), width)})
        querysets.append(
            rows_of(model).filter(has_link).values(**identity(model, language), **texts)
        )
    if not querysets:
        return []
    first, *others = [queryset.order_by() for queryset in querysets]
    found = []
    for row in first.union(*others, all=True).order_by("row_kind", "row_id"):
        model = apps.get_model(row["row_kind"])
        kind = model._meta.model_name
        for index, f in enumerate(columns[kind]):
            anchors = [
                (match["kind"], int(match["id"]), match["words"])
                for match in INTERNAL_ANCHOR.finditer(clean_html(row[f"text_{index}"]))
            ]
            if anchors:
                found.append((row, f, anchors))
    return found


def linked_objects(wanted, language):
    """{(kind, id): (label, visible now)} of the linked objects that exist: one UNION query."""
    targets = published_targets()
    querysets = []
    for kind, ids in wanted.items():
        model = LINKED_MODELS.get(kind)
        if model is None or not ids:
            continue
        published, _address_of = targets[kind]
        live = published.filter(pk=OuterRef("pk")).order_by().values("pk")
        querysets.append(
            rows_of(model)
            .filter(pk__in=ids)
            .values(**identity(model, language), target_kind=Value(kind), visible=Exists(live))
        )
    if not querysets:
        return {}
    first, *others = [queryset.order_by() for queryset in querysets]
    return {
        (row["target_kind"], row["row_id"]): (label_of(row), row["visible"])
        for row in first.union(*others, all=True)
    }


def broken_links_section(models, language):
    texts = texts_with_links(models, language)
    wanted = {}
    for _row, _field, anchors in texts:
        for kind, pk, _words in anchors:
            wanted.setdefault(kind, set()).add(pk)
    existing = linked_objects(wanted, language)
    items = []
    for row, rich_field, anchors in texts:
        for kind, pk, words in anchors:
            label, visible = existing.get((kind, pk), (None, False))
            if visible:
                continue
            values = {
                "words": plain_text(words),
                "kind": LINKED_MODELS[kind]._meta.verbose_name if kind in LINKED_MODELS else kind,
                "id": pk,
                "target": label,
            }
            place = gettext("%(field)s, tab %(language)s") % {
                "field": capfirst(rich_field.translated_field.verbose_name),
                "language": rich_field.language.upper(),
            }
            items.append(
                Item(
                    text=f"{label_of(row)}: {place}",
                    url=change_url(row["row_kind"], row["row_id"], f"id_{rich_field.name}"),
                    details=(NOT_PUBLISHED if label else DELETED) % values,
                )
            )
    return Section(
        key="links",
        title=_("Links that visitors cannot follow"),
        empty=_("Every link in the texts leads to a published page."),
        items=items[:SHOWN],
        total=len(items),
    )


# --- The whole overview --------------------------------------------------------------------------


def overview(request, site):
    """The groups of sections for the admin's index page, for this editor."""
    models = changeable_models(request, site)
    language = get_language()
    needs_editor = [
        missing_translations_section(models, language),
        overdue_phases_section(models, language),
        files_section(models, language),
        pictures_section(models),
        undated_grants_section(models),
        broken_links_section(models, language),
    ]
    return [
        Group(
            _("Drafts and scheduled changes"),
            [drafts_section(models), scheduled_section(models, language)],
        ),
        Group(_("Recent changes"), [recent_changes_section(models)]),
        Group(_("Content that needs an editor"), [s for s in needs_editor if s is not None]),
    ]
