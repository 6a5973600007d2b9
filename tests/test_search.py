"""One search box over programmes, phases, municipalities and documents."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hallingdal import search
from programme.models import Programme
from tests.factories import make_document, make_pdf, make_phase, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def without_page_cache(settings):
    """These tests change content between requests without the admin."""
    settings.PAGE_CACHE = False


def result_titles(response):
    html = response.content.decode()
    section = html.split('class="search-results"', 1)[-1] if "search-results" in html else ""
    return [
        re.sub(r"<.*?>", "", title).strip()
        for title in re.findall(r"<h3><a [^>]*>(.*?)</a></h3>", section)
    ]


def test_header_has_a_search_form_that_works_without_javascript(client, hallingdal):
    html = client.get("/nn/").content.decode()
    form = re.search(r'<form class="site-search"[^>]*>.*?</form>', html, re.S).group()

    assert 'action="/nn/search/"' in form and 'method="get"' in form
    assert '<label class="visually-hidden" for="site-search-query">' in form
    assert 'id="site-search-query"' in form and 'name="q"' in form
    assert '<button type="submit">' in form


def test_finds_programmes_phases_municipalities_and_documents(client, hallingdal):
    titles = result_titles(client.get("/en/search/", {"q": "Hallingdal"}))

    assert "Framtidstru og vekst i Hallingdal" in titles
    assert "Phase 1: Knowledge and analyses" in titles
    assert "Project plan for Framtidstru og vekst i Hallingdal" in titles
    assert "Gol" in titles


def test_results_are_in_the_current_language(client, hallingdal):
    assert "Fase 2: Strategiar og tiltak for vekst" in result_titles(
        client.get("/nn/search/", {"q": "strategiar"})
    )
    assert "Fase 2: Strategier og tiltak for vekst" in result_titles(
        client.get("/nb/search/", {"q": "strategier"})
    )


def test_untranslated_texts_fall_back_to_nynorsk(client):
    programme = make_programme(slug="berre-nynorsk", title_nn="Fjellbygder i vekst")
    make_phase(programme, number=1, title_nn="Kartlegging av stølar")

    titles = result_titles(client.get("/en/search/", {"q": "stølar"}))

    assert titles == ["Phase 1: Kartlegging av stølar"]


def test_norwegian_letters_match_whatever_their_case(client, hallingdal):
    assert "Ål" in result_titles(client.get("/nn/search/", {"q": "ål"}))
    assert "Flå" in result_titles(client.get("/nn/search/", {"q": "FLÅ"}))


def test_part_of_a_name_finds_it(client, hallingdal):
    assert "Hemsedal" in result_titles(client.get("/nn/search/", {"q": "Hemse"}))


def test_drafts_are_never_found(client):
    make_programme(slug="draft", title_nn="Hemmeleg utkast", is_published=False)
    hidden_phase = make_phase(make_programme(), title_nn="Hemmeleg fase", is_published=False)
    make_document(title_nn="Hemmeleg dokument", is_published=False)

    response = client.get("/nn/search/", {"q": "hemmeleg"})

    assert response.status_code == 200
    assert result_titles(response) == []
    assert hidden_phase.title not in response.content.decode()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_matches_other_forms_of_a_word(client, hallingdal):
    # "strategy" and "strategies" share the English stem; a substring search would miss it.
    titles = result_titles(client.get("/en/search/", {"q": "strategy"}))
    assert "Phase 2: Strategies and measures for growth" in titles


def test_empty_query_shows_the_form_and_a_hint(client):
    response = client.get("/en/search/", {"q": "   "})

    assert response.status_code == 200
    assert "Type one or more words" in response.content.decode()


def test_enormous_query_gets_a_message_not_an_error(client):
    response = client.get("/en/search/", {"q": "fjell " * 100})

    assert response.status_code == 400
    assert "The search is too long" in response.content.decode()


def test_nul_bytes_get_a_400_not_an_error(client):
    # The request may be turned away before it reaches the view (PostgreSQL
    # cannot store NUL, so the site refuses it everywhere); either way a 400.
    response = client.get("/en/search/?q=fjell%00dal")

    assert response.status_code == 400
    assert "\x00" not in response.content.decode()


def test_the_search_itself_refuses_nul_bytes_with_a_message(english):
    with pytest.raises(search.QueryRejected) as rejected:
        search.clean_query("fjell\x00dal")
    assert "cannot be searched for" in str(rejected.value.message)


def test_control_characters_are_dropped_and_spaces_tidied():
    assert search.clean_query("  fjell\t\x1bdal \n gol ") == "fjell dal gol"


@pytest.mark.parametrize(
    "query",
    [
        "'; DROP TABLE programme_programme; --",
        "1' OR '1'='1",
        '"unclosed quote',
        "!!! & | ( ) : * <-> -",
        "or or or",
        "%_\\",
        "\u202e\ufeff\t\x1b",
        "<script>alert(1)</script>",
    ],
)
def test_odd_and_hostile_queries_are_just_text(client, hallingdal, query):
    response = client.get("/en/search/", {"q": query})

    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()
    assert Programme.objects.count() == 1


def test_matches_are_marked_and_everything_else_escaped(client):
    make_programme(slug="x", title_nn="Vegbygging", summary_nn="<b>Vegen</b> & <i>bruer</i>")

    html = client.get("/nn/search/", {"q": "vegen"}).content.decode()

    assert "&lt;b&gt;<mark>Vegen</mark>&lt;/b&gt; &amp; &lt;i&gt;bruer&lt;/i&gt;" in html


def test_highlight_escapes_text_and_marks_each_term():
    marked = search.highlight('Gol & "Ål" <b>', ["ål", "gol"])
    assert marked == "<mark>Gol</mark> &amp; &quot;<mark>Ål</mark>&quot; &lt;b&gt;"


def test_search_costs_one_query_per_kind_however_much_is_found(client):
    def statements():
        with CaptureQueriesContext(connection) as context:
            client.get("/nn/search/", {"q": "fjord"})
        return [query["sql"] for query in context.captured_queries]

    make_programme(title_nn="Fjordprogram")
    before = statements()
    for n in range(5):
        programme = make_programme(title_nn=f"Fjord {n}")
        make_phase(programme, title_nn="Fjord")
        make_document(programme, title_nn=f"Fjord {n}")
    assert len(statements()) == len(before)
    # One query per kind; on PostgreSQL the rest set the timeout, in a
    # savepoint here since the test runs in a transaction.
    assert len([sql for sql in before if sql.startswith("SELECT")]) <= 4
    assert len(before) <= (8 if connection.vendor == "postgresql" else 4)


def test_the_text_inside_a_pdf_is_found(client):
    document = make_document(title_nn="Årsmelding", file_bytes=make_pdf(text="Stølsvegen"))
    # The text was read from the uploaded PDF, not typed by anyone.
    assert "Stølsvegen" in document.versions.get().text
    assert result_titles(client.get("/nn/search/", {"q": "stølsvegen"})) == ["Årsmelding"]
    assert result_titles(client.get("/nn/search/", {"q": "årsmelding"})) == ["Årsmelding"]


def test_a_match_in_the_title_ranks_above_one_in_the_text(client):
    make_programme(slug="a", title_nn="Vassverk i dalen", summary_nn="Om vatn og vassverk")
    make_programme(slug="b", title_nn="Fjellvatn", summary_nn="Om stølar")

    assert result_titles(client.get("/nn/search/", {"q": "fjellvatn"})) == ["Fjellvatn"]
    assert result_titles(client.get("/nn/search/", {"q": "vassverk"}))[0] == "Vassverk i dalen"
    make_programme(slug="c", title_nn="Anna", body_nn="Eit nytt vassverk")
    assert result_titles(client.get("/nn/search/", {"q": "vassverk"})) == [
        "Vassverk i dalen",
        "Anna",
    ]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_search_the_database_gives_up_on_gets_a_message_not_an_error(client, settings):
    """Another connection locks the index, so the search waits until its timeout cancels it."""
    settings.SEARCH_TIMEOUT_MS = 200
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE hallingdal_searchentry IN ACCESS EXCLUSIVE MODE")
        messages = {
            "nn": "Søket tok for lang tid. Prøv med færre eller meir presise ord.",
            "nb": "Søket tok for lang tid. Prøv med færre eller mer presise ord.",
            "en": "The search took too long. Try fewer or more specific words.",
        }
        for language, message in messages.items():
            response = client.get(f"/{language}/search/", {"q": "fjord"})
            assert response.status_code == 503
            html = response.content.decode()
            assert message in html
            assert 'id="search-page-query"' in html and 'value="fjord"' in html
    finally:
        other.close()
    # The cancelled search was rolled back alone; this transaction goes on.
    make_programme(title_nn="Fjordprogram")
    assert result_titles(client.get("/nn/search/", {"q": "fjord"})) == ["Fjordprogram"]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_timeout_ends_with_the_search(client, settings):
    settings.SEARCH_TIMEOUT_MS = 1234
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
    assert client.get("/nn/search/", {"q": "fjord"}).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before != "1234ms"
