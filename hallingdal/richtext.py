"""Show editors' rich texts: cleaned again, internal links resolved, headings in place.

Texts link to the site's own objects as `internal:<kind>/<id>`
(programme/richtext.py). Showing a text turns each such link into the
object's current address in the visitor's language; a link to a document
goes to its stable download address. A link to an object that is not
published (or no longer exists) is shown as its words, without a link.
Each kind of object a text links to costs one query.
"""

import re
from collections import defaultdict

from django.utils.safestring import mark_safe

from documents.models import Document
from programme.models import Municipality, Phase, Programme
from programme.richtext import INTERNAL_SCHEME, RichTextField, clean_html

INTERNAL_ANCHOR = re.compile(
    rf'<a href="{INTERNAL_SCHEME}:(?P<kind>[a-z]+)/(?P<id>[0-9]+)"(?P<rest>[^>]*)>'
    r"(?P<words>.*?)</a>",
    re.DOTALL,
)
HEADING_TAG = re.compile(r"<(/?)h([23])>")


def published_targets():
    """For each kind: the published objects' queryset and how to get their address."""
    return {
        "programme": (Programme.objects.published(), Programme.get_absolute_url),
        "phase": (Phase.objects.published().select_related("programme"), Phase.get_absolute_url),
        "municipality": (Municipality.objects.published(), Municipality.get_absolute_url),
        "document": (Document.objects.published(), Document.get_download_url),
    }


def internal_links(text):
    """{kind: {id, ...}} of the internal links in a cleaned text."""
    found = defaultdict(set)
    for match in INTERNAL_ANCHOR.finditer(text):
        found[match["kind"]].add(int(match["id"]))
    return found


def resolve(links):
    """{(kind, id): address} of the linked objects that are published now."""
    targets = published_targets()
    addresses = {}
    for kind, ids in links.items():
        if kind not in targets:
            continue
        queryset, address_of = targets[kind]
        for obj in queryset.filter(pk__in=ids):
            addresses[kind, obj.pk] = address_of(obj)
    return addresses


def broken_links(text):
    """The internal links of a text whose object is not published: [(kind, id), ...]."""
    found = broken_links_in({None: text})[None]
    return sorted({(kind, pk) for kind, pk, _words in found})


def broken_links_in(texts):
    """{key: [(kind, id, words), ...]}: the links in each text that visitors cannot follow.

    One query per kind of object linked, however many texts there are.
    """
    anchors = {
        key: [
            (match["kind"], int(match["id"]), match["words"])
            for match in INTERNAL_ANCHOR.finditer(clean_html(text))
        ]
        for key, text in texts.items()
    }
    links = defaultdict(set)
    for found in anchors.values():
        for kind, pk, _words in found:
            links[kind].add(pk)
    addresses = resolve(links)
    return {
        key: [(kind, pk, words) for kind, pk, words in found if (kind, pk) not in addresses]
        for key, found in anchors.items()
    }


def rich_texts(obj):
    """(field, language code, text) for each of the object's rich texts, language by language.

    The language is None for a field that is not translated. A translated
    field's own column, which stands for the active language, is left out.
    """
    fields = obj._meta.fields
    translated = {field.translated_field.name for field in fields if hasattr(field, "language")}
    for field in fields:
        if isinstance(field, RichTextField) and field.name not in translated:
            yield field, getattr(field, "language", None), field.value_from_object(obj) or ""


def shift_headings(text, top):
    """Make the text's h2 the given level (and its h3 the next), so the outline holds."""
    offset = top - 2
    if not offset:
        return text
    return HEADING_TAG.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + offset, 6)}>", text)


def render(text, *, top_heading=2):
    """The text as safe HTML for a page whose sections under it start at `top_heading`."""
    cleaned = clean_html(text)
    if not cleaned:
        return ""
    links = internal_links(cleaned)
    if links:
        addresses = resolve(links)

        def link_or_words(match):
            address = addresses.get((match["kind"], int(match["id"])))
            if address is None:
                return match["words"]
            return f'<a href="{address}"{match["rest"]}>{match["words"]}</a>'

        cleaned = INTERNAL_ANCHOR.sub(link_or_words, cleaned)
    return mark_safe(shift_headings(cleaned, top_heading))
