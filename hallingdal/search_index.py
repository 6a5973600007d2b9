"""Keep the search index (SearchEntry) current.

Every object of a search source (search.SOURCES) has one entry per language
with its title and texts as that language's page shows them (Nynorsk where
a translation is empty) and, on PostgreSQL, their weighted search vector.
Drafts have entries too: which objects are public is decided when searching,
by each source's published queryset, never here.

What changes entries: any save or deletion of a source's row, or of a row
that feeds one (a document's versions: which one is current, and its text),
through the admin, a service, a management command or the shell. Django's
post_save and post_delete signals reach all of them (connected in apps.py,
beside the page cache's). Writes that send no signals (bulk_create(),
QuerySet.update() of a text, raw SQL, loaddata's raw saves) are followed by
`rebuild_search_index()`, which `manage.py update_search_index` runs.

Entries are written in the saving transaction, in a savepoint, so a save
that is rolled back leaves its old entries as they were. Indexing never fails
a save: if writing fails, the error is logged, the object's entries are
removed rather than left stale, and the search misses it until it is saved
again or the index is rebuilt; pages are not affected.
"""

import logging

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.signals import post_delete, post_save
from modeltranslation.translator import NotRegistered, translator

from programme.richtext import RichTextField, plain_text

from .cache import pages_changed
from .models import SearchEntry
from .search import SOURCES, TEXT_SEARCH_CONFIGS

logger = logging.getLogger(__name__)

# Objects written per statement by a rebuild; a document may carry 500,000
# characters of text, three times over.
REBUILD_BATCH = 20


def is_translated(model, field):
    try:
        return field in translator.get_options_for_model(model).fields
    except NotRegistered:
        return False


def text_in(row, field, language):
    """The field's words in `language`, falling back to Nynorsk when that is empty.

    Of a rich text only its words count, not its markup.
    """
    if not is_translated(type(row), field):
        text = getattr(row, field) or ""
    else:
        own = getattr(row, f"{field}_{language}")
        default = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
        text = own or getattr(row, f"{field}_{default}") or ""
    if isinstance(type(row)._meta.get_field(field), RichTextField):
        return plain_text(text)
    return text


def weighted_vector(title, text, file_text, language):
    """Title A, texts B, the file's text C, in the language's configuration (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    config = TEXT_SEARCH_CONFIGS.get(language, "norwegian")
    return (
        SearchVector(Value(title), weight="A", config=config)
        + SearchVector(Value(text), weight="B", config=config)
        + SearchVector(Value(file_text), weight="C", config=config)
    )


def entries_for(source, row):
    file_text = getattr(row, "search_file_text", "") or ""
    for language, _name in settings.LANGUAGES:
        title = text_in(row, source.title_field, language)
        texts = [text_in(row, field, language) for field in source.text_fields]
        text = "\n".join(part for part in texts if part)
        yield SearchEntry(
            source=source.label,
            object_id=row.pk,
            language=language,
            title=title,
            # What snippets are cut from: the texts, then the file's.
            text="\n".join(part for part in (text, file_text) if part),
            vector=weighted_vector(title, text, file_text, language),
        )


def indexed_rows(source):
    """Every row of the source, published or not, with its file's text if it has one."""
    rows = source.model._base_manager.all()
    if source.file_text is not None:
        rows = rows.annotate(search_file_text=source.file_text())
    return rows


def write_entries(source, object_ids):
    rows = list(indexed_rows(source).filter(pk__in=object_ids))
    # An upsert, so a save during a rebuild cannot collide with it.
    SearchEntry.objects.bulk_create(
        [entry for row in rows for entry in entries_for(source, row)],
        update_conflicts=True,
        unique_fields=["source", "object_id", "language"],
        update_fields=["title", "text", "vector"],
    )
    gone = set(object_ids) - {row.pk for row in rows}
    if gone:
        SearchEntry.objects.filter(source=source.label, object_id__in=gone).delete()


def update_entries(source, object_ids):
    """Write the entries of these objects from their rows; return the ids that failed.

    Never raises: a failure is logged and the failed objects lose their
    entries (see the module docstring).
    """
    object_ids = list(object_ids)
    try:
        with transaction.atomic():
            write_entries(source, object_ids)
        return []
    except Exception:
        if len(object_ids) > 1:
            # Find the one that fails; the others still get their entries.
            return [failed for pk in object_ids for failed in update_entries(source, [pk])]
        logger.exception("Could not index %s %s for search", source.label, object_ids[0])
        remove_entries(source, object_ids)
        return object_ids


def remove_entries(source, object_ids):
    try:
        with transaction.atomic():
            SearchEntry.objects.filter(source=source.label, object_id__in=object_ids).delete()
    except Exception:
        logger.exception("Could not remove %s %s from the search index", source.label, object_ids)


def rebuild_search_index():
    """Write every entry afresh and remove the ones nothing needs; return (entries, failures).

    Safe to run at any time and as often as wanted. Works in batches, each
    in its own transaction, so the site keeps searching (and saving) meanwhile.
    Search pages may change, so the page cache starts a new generation.
    """
    failures = []
    for source in SOURCES:
        object_ids = list(source.model._base_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(object_ids), REBUILD_BATCH):
            batch = object_ids[start : start + REBUILD_BATCH]
            failures += [(source.label, pk) for pk in update_entries(source, batch)]
        SearchEntry.objects.filter(source=source.label).exclude(
            object_id__in=source.model._base_manager.values("pk")
        ).delete()
    languages = [code for code, _name in settings.LANGUAGES]
    # Entries of a source or language the site no longer has.
    SearchEntry.objects.exclude(
        source__in=[source.label for source in SOURCES], language__in=languages
    ).delete()
    pages_changed()
    return SearchEntry.objects.count(), failures


def sources_fed_by(model):
    for source in SOURCES:
        if source.model is model:
            yield source, "pk"
        for feeder, field in source.fed_by:
            if feeder is model:
                yield source, field


def row_saved(sender, instance, raw=False, **kwargs):
    # loaddata's rows arrive in any order; restore rebuilds the index after it.
    if raw:
        return
    for source, field in sources_fed_by(sender):
        update_entries(source, [getattr(instance, field)])


def row_deleted(sender, instance, **kwargs):
    for source, field in sources_fed_by(sender):
        if field == "pk":
            remove_entries(source, [instance.pk])
        else:
            update_entries(source, [getattr(instance, field)])


def connect_search_signals():
    """Update the index on every save or deletion of a row that feeds it."""
    models = {source.model for source in SOURCES}
    models |= {feeder for source in SOURCES for feeder, _field in source.fed_by}
    for model in models:
        uid = f"search-index:{model._meta.label}"
        post_save.connect(row_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(row_deleted, sender=model, dispatch_uid=uid)
