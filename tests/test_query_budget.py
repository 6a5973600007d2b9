"""Every public page costs a fixed, small number of queries, however much content there is.

The test walks the URLconf, so a new public page is measured without anyone
adding it here; a page whose address needs parameters fails until it gets a
sample below. Each page is measured with the Hallingdal content alone, then
again (and on pages of the generated objects) after adding the large data
set from generate_bulk_data: 50 programmes, 500 phases, 2,000 grants, 1,000
documents and 200 municipalities.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from documents.models import Document
from programme.models import Municipality, Programme

MAX_QUERIES = 8
# However much content there is, an HTML page stays readable on a slow line
# (lists are paginated). Data files (sitemap, open data) are complete on purpose.
MAX_HTML_BYTES = 200 * 1024

# Routes that are not public pages, or are measured elsewhere.
NOT_PAGES = {
    "healthz": "a probe that runs its own query, never cached",
    "image_rendition": "serves a resized picture file; needs an uploaded image",
    "favicon": "a redirect to the static icon, no queries",
    "link_targets": "the editor's list of pages, staff only; measured in test_link_picker.py",
}


def public_routes(patterns=None, namespace=""):
    """(name, parameter names) of every named route outside the admin."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from public_routes(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}{entry.name}"
            if name not in NOT_PAGES:
                yield name, sorted(entry.pattern.converters)


def samples(programme, municipality, document):
    """The addresses to measure for each route, for the given objects."""
    phase = programme.phases.filter(is_published=True).order_by("number").last()
    version = document.versions.order_by("-id").first()
    by_route = {
        "programme:programme_detail": [{"slug": programme.slug}],
        "programme:phase_detail": [{"slug": programme.slug, "number": phase.number}],
        "programme:municipality_detail": [{"slug": municipality.slug}],
        "documents:document_detail": [{"slug": document.slug}],
        "documents:document_download": [{"slug": document.slug}],
        "documents:version_download": [{"slug": document.slug, "version_id": version.pk}],
    }
    query_strings = {
        # Words found in both the real and the generated content.
        "search": ["?q=fase", "?q=Hallingdal+program"],
        "programme:programme_list": ["", "?page=1"],
        "programme:funding": ["", "?page=1"],
        "documents:document_list": ["", "?page=1"],
    }
    addresses = {}
    for name, parameters in public_routes():
        kwargs_list = by_route.get(name, [{}]) if parameters else [{}]
        for kwargs in kwargs_list:
            if sorted(kwargs) != parameters:
                pytest.fail(f"Add a sample for the route {name!r} (parameters {parameters}).")
            path = reverse(name, kwargs=kwargs)
            for query in query_strings.get(name, [""]):
                addresses[f"{name} {query}".strip()] = path + query
    return addresses


def measure(client, addresses, sizes=None):
    """Queries per address; with `sizes`, also record each HTML page's bytes there."""
    counts = {}
    for label, address in addresses.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(address)
            # Streaming responses run their queries while they are read.
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200, f"{label}: {address} gave {response.status_code}"
        counts[label] = len(queries)
        if sizes is not None and response["Content-Type"].startswith("text/html"):
            sizes[label] = len(body)
    return counts


@pytest.fixture
def uncached_client(settings, client):
    settings.PAGE_CACHE = False
    # This test counts queries; how fast the search answers is the bench's
    # business, and a busy test machine must not turn a search into a 503.
    settings.SEARCH_TIMEOUT_MS = 60_000
    return client


def hallingdal_objects(hallingdal):
    return (
        hallingdal,
        Municipality.objects.get(slug="gol"),
        Document.objects.get(programme=hallingdal, kind="project_plan"),
    )


def generated_objects():
    # The last published programme has the 1 MB document among its documents.
    programme = Programme.objects.published().filter(slug__startswith="bulk-").last()
    return (
        programme,
        programme.municipalities.first(),
        Document.objects.published().filter(programme=programme).last(),
    )


@pytest.mark.django_db
def test_every_public_page_has_a_fixed_query_count_and_bounded_size_whatever_the_content(
    uncached_client, hallingdal
):
    with translation.override("nn"):
        addresses = samples(*hallingdal_objects(hallingdal))
        small = measure(uncached_client, addresses)

        call_command("generate_bulk_data", stdout=open("/dev/null", "w"))
        sizes = {}
        large = measure(uncached_client, addresses, sizes)
        generated = measure(uncached_client, samples(*generated_objects()), sizes)

    over_budget = {label: count for label, count in small.items() if count > MAX_QUERIES}
    assert not over_budget, f"More than {MAX_QUERIES} queries: {over_budget}"
    grew = {
        label: (small[label], large[label], generated[label])
        for label in small
        if not small[label] == large[label] == generated[label]
    }
    assert not grew, f"Query counts (Hallingdal alone, with bulk data, bulk objects): {grew}"
    too_big = {label: size for label, size in sizes.items() if size > MAX_HTML_BYTES}
    assert not too_big, (
        f"HTML pages over {MAX_HTML_BYTES:,} bytes with the large data set: {too_big}"
    )
    # The walk found the pages the issue names, so it is not measuring nothing.
    for name in ["home", "programme:funding", "documents:document_detail"]:
        assert name in small


def test_the_route_walk_sees_every_public_page():
    names = {name for name, _parameters in public_routes()}
    assert {
        "home",
        "programme:programme_list",
        "programme:programme_detail",
        "programme:phase_detail",
        "programme:municipality_list",
        "programme:municipality_detail",
        "programme:funding",
        "documents:document_list",
        "documents:document_detail",
    } <= names
    assert not any(name.startswith("admin:") for name in names)
