"""One search over programmes, phases, municipalities and documents.

The search reads the index in `SearchEntry` (kept current by search_index.py):
per object and language, the title and texts as that language's page shows
them, with Nynorsk as the fallback. The index never decides what is public:
every search keeps only entries whose object is in its source's published
queryset, so a draft is never found even if it has an entry.

On PostgreSQL this is full-text search over the stored vectors (GIN index;
stemmed, ranked, the visitor's own query syntax via websearch_to_tsquery) in
the active language's text search configuration, under a statement timeout
(SEARCH_TIMEOUT_MS). On SQLite, used for local work, every word must occur
somewhere in the entry's title or text; the matching happens in Python
because SQLite's LIKE folds case for ASCII letters only, so "ål" would not
find "Ål".

Each kind costs one query, whatever is found (on PostgreSQL, plus setting
the timeout).
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import OperationalError, connection, transaction
from django.db.models import Expression, F, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from documents.models import Document, DocumentVersion
from programme.models import Municipality, Phase, Programme

from .models import SearchEntry

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
RESULTS_PER_KIND = 20
SNIPPET_LENGTH = 220
TEXT_SEARCH_CONFIGS = {"nn": "norwegian", "nb": "norwegian", "en": "english"}
WHITESPACE = re.compile(r"\s")
# PostgreSQL's code for a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"


class QueryRejected(ValueError):
    """A query the search refuses, with a message for the visitor."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class SearchTimedOut(Exception):
    """The database gave up on the search (SEARCH_TIMEOUT_MS)."""

    message = _("The search took too long. Try fewer or more specific words.")


def clean_query(raw):
    """Return the query tidied up, or raise QueryRejected with a message."""
    if "\x00" in raw:
        raise QueryRejected(_("The search contained characters that cannot be searched for."))
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryRejected(
            _("The search is too long. Use at most %(limit)d characters.")
            % {"limit": MAX_QUERY_LENGTH}
        )
    # Control characters (tabs, escapes) carry no meaning in a search.
    text = "".join(" " if unicodedata.category(char) == "Cc" else char for char in raw)
    return " ".join(text.split())


def search_terms(query):
    """The words of a query, for highlighting and the SQLite fallback."""
    words = re.findall(r"\w+", query)
    return list(dict.fromkeys(word.casefold() for word in words))[:MAX_TERMS]


@dataclass(frozen=True)
class Source:
    """One kind of thing to search: where its rows come from and which texts count."""

    kind: str
    model: type
    title_field: str
    text_fields: tuple
    # Published rows only, with what each result needs to build its address.
    queryset: Callable[[], QuerySet]
    # The extracted text of its file, weighed below the title and texts.
    file_text: Callable[[], Expression] | None = None
    # Other models whose rows feed the entry: (model, the field naming the object).
    fed_by: tuple = ()

    @property
    def label(self):
        return self.model._meta.label_lower


def current_version_text():
    """The extracted text of a document's newest version marked published.

    Whether the document itself is public is decided when searching, by
    Document.objects.published(); its entry holds its text either way.
    """
    versions = (
        DocumentVersion.objects.marked_published().filter(document=OuterRef("pk")).newest_first()
    )
    return Coalesce(Subquery(versions.values("text")[:1]), Value(""), output_field=TextField())


SOURCES = [
    Source(
        _("Programme"),
        Programme,
        "title",
        ("summary", "goal", "body", "scheme"),
        queryset=lambda: Programme.objects.published(),
    ),
    Source(
        _("Phase"),
        Phase,
        "title",
        ("summary", "body", "outcome"),
        queryset=lambda: Phase.objects.published().select_related("programme"),
    ),
    Source(
        _("Municipality"),
        Municipality,
        "name",
        ("description", "former_name"),
        queryset=lambda: Municipality.objects.published(),
    ),
    Source(
        _("Document"),
        Document,
        "title",
        ("description",),
        queryset=lambda: Document.objects.published(),
        file_text=current_version_text,
        fed_by=((DocumentVersion, "document_id"),),
    ),
]


def entries(source, language):
    return SearchEntry.objects.filter(source=source.label, language=language)


def visible_entries(source, language):
    """The source's entries in `language` whose object is published now."""
    return entries(source, language).filter(
        object_id__in=Subquery(source.queryset().order_by().values("pk"))
    )


@dataclass
class SearchResult:
    kind: str
    title: str
    url: str
    snippet: str
    rank: float


def terms_pattern(terms):
    return re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)


def snippet_for(text, terms):
    """A short excerpt around the first word found, else the start of the text.

    Only the part around the word is tidied up: a document's text may be
    500,000 characters long.
    """
    found = terms_pattern(terms).search(text) if terms else None
    start = max(found.start() - SNIPPET_LENGTH // 3, 0) if found else 0
    if start:
        # Begin at a word, unless that would skip the word found.
        space = WHITESPACE.search(text, start)
        if space and space.end() <= found.start():
            start = space.end()
    window = text[start : start + 2 * SNIPPET_LENGTH]
    tidied = " ".join(window.split())
    excerpt = tidied[:SNIPPET_LENGTH]
    if len(tidied) > SNIPPET_LENGTH or start + len(window) < len(text):
        excerpt = excerpt.rsplit(" ", 1)[0] + " …"
    return ("… " if start else "") + excerpt


def result_for(source, row, terms, rank):
    return SearchResult(
        kind=source.kind,
        # str() is the title in the active language; a phase's names its number too.
        title=str(row),
        url=row.get_absolute_url(),
        snippet=snippet_for(row.search_text or "", terms),
        rank=rank,
    )


def best_rows(source, query, language):
    """The source's published rows best matching `query`, ranked, with their entry's text."""
    config = TEXT_SEARCH_CONFIGS.get(language, "norwegian")
    search_query = SearchQuery(query, search_type="websearch", config=config)
    rank = SearchRank(F("vector"), search_query)
    # Through the GIN index: a vector compared row by row would be read whole.
    found = entries(source, language).filter(vector=search_query).values("pk")
    best = (
        visible_entries(source, language)
        # The title also matches on parts of words ("Hemse" finds Hemsedal).
        .filter(Q(pk__in=found) | Q(title__icontains=query))
        .annotate(rank=rank)
        .order_by("-rank")
        .values("object_id")[:RESULTS_PER_KIND]
    )
    entry = entries(source, language).filter(object_id=OuterRef("pk"))
    return (
        source.queryset()
        .filter(pk__in=best)
        .annotate(
            rank=Subquery(entry.annotate(rank=rank).values("rank")),
            search_text=Subquery(entry.values("text")),
        )
        .order_by("-rank")
    )


def search_postgresql(query, language):
    terms = search_terms(query)
    return [
        result_for(source, row, terms, row.rank)
        for source in SOURCES
        for row in best_rows(source, query, language)
    ]


def search_simple(query, language):
    terms = search_terms(query)
    if not terms:
        return []
    results = []
    for source in SOURCES:
        entry = entries(source, language).filter(object_id=OuterRef("pk"))
        rows = source.queryset().annotate(
            search_title=Subquery(entry.values("title")),
            search_text=Subquery(entry.values("text")),
        )
        found = []
        for row in rows:
            title = (row.search_title or "").casefold()
            haystack = f"{title} {(row.search_text or '').casefold()}"
            if all(term in haystack for term in terms):
                rank = sum(3 * title.count(term) + haystack.count(term) for term in terms)
                found.append(result_for(source, row, terms, float(rank)))
        found.sort(key=lambda result: -result.rank)
        results += found[:RESULTS_PER_KIND]
    return results


def search(query, language):
    """Search everything public for `query`, best matches first.

    Raises SearchTimedOut when PostgreSQL gives up on it.
    """
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if connection.vendor == "postgresql":
        results = search_postgresql_within_timeout(query, language)
    else:
        results = search_simple(query, language)
    return sorted(results, key=lambda result: -result.rank)


def search_postgresql_within_timeout(query, language):
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [settings.SEARCH_TIMEOUT_MS])
            results = search_postgresql(query, language)
            # The search only reads; rolling its transaction (or savepoint)
            # back also ends the timeout, so no other query inherits it.
            transaction.set_rollback(True)
        return results
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == QUERY_CANCELED:
            raise SearchTimedOut from error
        raise


def highlight(text, terms):
    """Escape the text and mark the search words in it; nothing else becomes HTML."""
    if not terms:
        return escape(text)
    pieces, position = [], 0
    for match in terms_pattern(terms).finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))
