"""One search over programmes, phases, municipalities and documents.

On PostgreSQL this is full-text search (stemmed, ranked, the visitor's own
query syntax via websearch_to_tsquery) in the active language's text search
configuration. On SQLite, used for local work, every word must occur
somewhere in the row's texts; the matching happens in Python because SQLite's
LIKE folds case for ASCII letters only, so "ål" would not find "Ål".

Texts are read in the active language with Nynorsk as the fallback, just as
the pages show them. Each kind costs one query, whatever is found.
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Expression, F, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import NotRegistered, translator

from documents.models import Document, DocumentVersion
from programme.models import Municipality, Phase, Programme
from programme.richtext import RichTextField, plain_text

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
RESULTS_PER_KIND = 20
SNIPPET_LENGTH = 220
TEXT_SEARCH_CONFIGS = {"nn": "norwegian", "nb": "norwegian", "en": "english"}


class QueryRejected(ValueError):
    """A query the search refuses, with a message for the visitor."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


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


def current_version_text():
    """The extracted text of a document's newest published version."""
    versions = DocumentVersion.objects.published().filter(document=OuterRef("pk")).newest_first()
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
    ),
]


def localised(model, field, language):
    """The field in `language`, falling back to Nynorsk when that is empty."""
    try:
        translated = field in translator.get_options_for_model(model).fields
    except NotRegistered:
        translated = False
    if not translated:
        return Coalesce(F(field), Value(""), output_field=TextField())
    own = NullIf(F(f"{field}_{language}"), Value(""))
    fallback = F(f"{field}_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}")
    return Coalesce(own, fallback, Value(""), output_field=TextField())


def annotated(source, language):
    """The source's rows with its searchable texts as `search_title`, `search_text_N`."""
    texts = {"search_title": localised(source.model, source.title_field, language)}
    for index, field in enumerate(source.text_fields):
        # Rich texts are HTML: their names say so, for texts_of().
        kind = "rich" if isinstance(source.model._meta.get_field(field), RichTextField) else "text"
        texts[f"search_{kind}_{index}"] = localised(source.model, field, language)
    if source.file_text is not None:
        texts["search_text_file"] = source.file_text()
    return source.queryset().annotate(**texts), list(texts)


@dataclass
class SearchResult:
    kind: str
    title: str
    url: str
    snippet: str
    rank: float


def texts_of(row, names):
    """The row's texts; of rich texts their words, not their markup."""
    return [
        plain_text(getattr(row, name)) if name.startswith("search_rich") else getattr(row, name)
        for name in names
    ]


def snippet_for(texts, terms):
    """A short excerpt around the first word found, else the start of the first text."""
    body = " ".join(" ".join(text.split()) for text in texts if text)
    lowered = body.casefold()
    positions = [lowered.find(term) for term in terms if term in lowered]
    start = max(min(positions) - SNIPPET_LENGTH // 3, 0) if positions else 0
    if start:
        start = body.find(" ", start) + 1 or start
    excerpt = body[start : start + SNIPPET_LENGTH]
    if start + SNIPPET_LENGTH < len(body):
        excerpt = excerpt.rsplit(" ", 1)[0] + " …"
    return ("… " if start else "") + excerpt


def result_for(source, row, names, terms, rank):
    return SearchResult(
        kind=source.kind,
        # str() is the title in the active language; a phase's names its number too.
        title=str(row),
        url=row.get_absolute_url(),
        snippet=snippet_for(texts_of(row, names[1:]), terms),
        rank=rank,
    )


def search_postgresql(query, language):
    config = TEXT_SEARCH_CONFIGS.get(language, "norwegian")
    search_query = SearchQuery(query, search_type="websearch", config=config)
    terms = search_terms(query)
    results = []
    for source in SOURCES:
        rows, names = annotated(source, language)
        vector = SearchVector(F(names[0]), weight="A", config=config)
        for name in names[1:]:
            vector += SearchVector(
                F(name), weight="C" if name == "search_text_file" else "B", config=config
            )
        rows = (
            rows.annotate(search_vector=vector, rank=SearchRank(vector, search_query))
            # The title also matches on parts of words ("Hemse" finds Hemsedal).
            .filter(Q(search_vector=search_query) | Q(search_title__icontains=query))
            .order_by("-rank")[:RESULTS_PER_KIND]
        )
        results += [result_for(source, row, names, terms, row.rank) for row in rows]
    return results


def search_simple(query, language):
    terms = search_terms(query)
    if not terms:
        return []
    results = []
    for source in SOURCES:
        rows, names = annotated(source, language)
        found = []
        for row in rows:
            title, *texts = (text.casefold() for text in texts_of(row, names))
            haystack = " ".join([title, *texts])
            if all(term in haystack for term in terms):
                rank = sum(3 * title.count(term) + haystack.count(term) for term in terms)
                found.append(result_for(source, row, names, terms, float(rank)))
        found.sort(key=lambda result: -result.rank)
        results += found[:RESULTS_PER_KIND]
    return results


def search(query, language):
    """Search everything public for `query`, best matches first."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if connection.vendor == "postgresql":
        results = search_postgresql(query, language)
    else:
        results = search_simple(query, language)
    return sorted(results, key=lambda result: -result.rank)


def highlight(text, terms):
    """Escape the text and mark the search words in it; nothing else becomes HTML."""
    if not terms:
        return escape(text)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    pieces, position = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))
