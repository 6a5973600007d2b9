"""The site's own objects as editors' link targets: picking them, and checking the links.

The editor's "Link to a page on this site" (static/js/link_picker.js) asks
`link_targets` for the objects whose Nynorsk title (or name) holds every
word typed, or for the one object an existing link points to, and stores
the one picked as `internal:<kind>/<id>` (programme/richtext.py). The
change form lists the links that visitors cannot follow with
`broken_link_notes`. Each kind costs one query, however many objects there are.
"""

from functools import reduce
from operator import or_

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Exists, OuterRef, Q
from django.http import JsonResponse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from documents.models import Document
from programme.models import Municipality, Phase, Programme
from programme.richtext import INTERNAL_LINK, INTERNAL_SCHEME, plain_text

from .richtext import broken_links_in, published_targets, rich_texts

MAX_RESULTS = 20
MAX_QUERY_LENGTH = 100
NOT_PUBLISHED = _("“%(words)s” links to %(kind)s “%(target)s”, which is not published.")
DELETED = _("“%(words)s” links to %(kind)s number %(id)s, which has been deleted.")


def phase_label(phase):
    return gettext("Phase %(number)s: %(title)s (%(programme)s)") % {
        "number": phase.number,
        "title": phase.title_nn,
        "programme": phase.programme.title_nn,
    }


# For each kind: its model, the fields searched, the order listed, its label.
KINDS = {
    "programme": (Programme, ["title_nn"], ["title_nn"], lambda obj: obj.title_nn),
    "phase": (Phase, ["title_nn"], ["programme__title_nn", "number"], phase_label),
    "municipality": (Municipality, ["name"], ["name"], lambda obj: obj.name),
    "document": (Document, ["title_nn"], ["title_nn"], lambda obj: obj.title_nn),
}


def targets(kind, condition, limit):
    """Objects of one kind that match, each with `visible_now`: whether visitors can see it."""
    model, _fields, ordering, _label = KINDS[kind]
    published, _address_of = published_targets()[kind]
    queryset = model.objects.filter(condition).order_by(*ordering)
    if kind == "phase":
        queryset = queryset.select_related("programme")
    live = published.filter(pk=OuterRef("pk")).order_by().values("pk")
    return list(queryset.annotate(visible_now=Exists(live))[:limit])


def as_json(kind, obj):
    model, _fields, _ordering, label = KINDS[kind]
    return {
        "href": f"{INTERNAL_SCHEME}:{kind}/{obj.pk}",
        "kind": kind,
        "id": obj.pk,
        "label": label(obj),
        "kind_label": capfirst(model._meta.verbose_name),
        "is_published": obj.visible_now,
    }


def words_condition(fields, words):
    """Every word in one of the fields, ignoring case."""
    condition = Q()
    for word in words:
        condition &= reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields))
    return condition


def search_targets(query):
    """Up to MAX_RESULTS matches across the kinds, and whether there are more.

    Titles that start with the query come first, then kind by kind.
    """
    words = query.split()
    found = [
        as_json(kind, obj)
        for kind, (_model, fields, _ordering, _label) in KINDS.items()
        for obj in targets(kind, words_condition(fields, words), MAX_RESULTS + 1)
    ]
    lowered = query.lower()
    found.sort(key=lambda target: not target["label"].lower().startswith(lowered))
    return found[:MAX_RESULTS], len(found) > MAX_RESULTS


def broken_link_notes(objects):
    """For a change form: where each link visitors cannot follow is, and what it points to.

    `objects` are the object being changed (named by field and language
    only) and those of its inlines (named by themselves as well).
    """
    texts, places = {}, {}
    for index, obj in enumerate(objects):
        for field, language, text in rich_texts(obj):
            name = capfirst(getattr(field, "translated_field", field).verbose_name)
            place = name
            if language:
                place = gettext("%(field)s, tab %(language)s") % {
                    "field": name,
                    "language": language.upper(),
                }
            if index:
                place = f"{obj} – {place}"
            texts[index, field.name], places[index, field.name] = text, place
    broken = broken_links_in(texts)
    wanted = {}
    for found in broken.values():
        for kind, pk, _words in found:
            wanted.setdefault(kind, set()).add(pk)
    existing = {
        (kind, obj.pk): as_json(kind, obj)
        for kind, pks in wanted.items()
        for obj in targets(kind, Q(pk__in=pks), len(pks))
    }
    notes = []
    for key, found in broken.items():
        for kind, pk, words in found:
            target = existing.get((kind, pk))
            values = {
                "words": plain_text(words),
                "kind": KINDS[kind][0]._meta.verbose_name,
                "id": pk,
                "target": target and target["label"],
            }
            message = NOT_PUBLISHED if target else DELETED
            notes.append({"place": places[key], "message": message % values})
    return notes


def error(message):
    response = JsonResponse({"error": message}, status=400)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@staff_member_required
def link_targets(request):
    """?q=words: the objects that match; ?href=internal:<kind>/<id>: that one, if it exists."""
    if "href" in request.GET:
        match = INTERNAL_LINK.match(request.GET["href"])
        if not match:
            return error(gettext("Give a link to the site's own pages: internal:<kind>/<id>."))
        kind, pk = match[1], int(match[2])
        found, more = [as_json(kind, obj) for obj in targets(kind, Q(pk=pk), 1)], False
    else:
        query = request.GET.get("q", "").strip()
        if len(query) > MAX_QUERY_LENGTH:
            return error(
                gettext("Search with at most %(count)s characters.") % {"count": MAX_QUERY_LENGTH}
            )
        found, more = search_targets(query)
    response = JsonResponse({"results": found, "more": more})
    # Unpublished titles are for staff only, and change as they edit.
    response["Cache-Control"] = "private, no-store"
    return response
