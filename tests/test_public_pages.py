"""Every public page, in all three languages, with the real Hallingdal content."""

import datetime
import re

import pytest
from django.test.utils import override_script_prefix
from django.urls import reverse, translate_url
from django.utils import timezone, translation

from programme.models import Programme
from tests.factories import make_document, make_grant, make_phase, make_programme

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
LANGUAGES = ["nn", "nb", "en"]
PROGRAMME_SLUG = "framtidstru-og-vekst-i-hallingdal"
PLAN_SLUG = "prosjektplan-framtidstru-og-vekst-i-hallingdal"

# What a visitor must be able to read on the home page, per language.
HOME_FACTS = {
    "nn": [
        "Framtidstru og vekst i Hallingdal",
        "Utviklingsprogrammet for byregionar",
        f"kr{NBSP}2{NBSP}680{NBSP}000",
        f"kr{NBSP}6{NBSP}600{NBSP}000",
        "juni 2015",
        "Fullført",
        "I gang",
        "Nesbyen",
        "Prosjektplan for Framtidstru og vekst i Hallingdal",
        "2017",
    ],
    "nb": [
        "Utviklingsprogrammet for byregioner",
        f"kr{NBSP}2{NBSP}680{NBSP}000",
        "juni 2015",
        "Fullført",
        "Pågår",
        "arbeidsplasser",
    ],
    "en": [
        "The Regional Towns Development Programme",
        f"NOK{NBSP}2,680,000",
        f"NOK{NBSP}6,600,000",
        "June 2015",
        "Completed",
        "In progress",
        "Project plan for Framtidstru og vekst i Hallingdal",
    ],
}


def url(name, language, **kwargs):
    with translation.override(language):
        return reverse(name, kwargs=kwargs)


def public_urls(language):
    return {
        "home": url("home", language),
        "programme_list": url("programme:programme_list", language),
        "programme_detail": url("programme:programme_detail", language, slug=PROGRAMME_SLUG),
        "phase_1": url("programme:phase_detail", language, slug=PROGRAMME_SLUG, number=1),
        "phase_2": url("programme:phase_detail", language, slug=PROGRAMME_SLUG, number=2),
        "municipality_list": url("programme:municipality_list", language),
        "municipality_detail": url("programme:municipality_detail", language, slug="nesbyen"),
        "funding": url("programme:funding", language),
        "document_list": url("documents:document_list", language),
        "document_detail": url("documents:document_detail", language, slug=PLAN_SLUG),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_renders_in_its_language(client, hallingdal, language):
    for name, page_url in public_urls(language).items():
        assert page_url.startswith(f"/{language}/")
        response = client.get(page_url)
        assert response.status_code == 200, name
        assert f'<html lang="{language}">' in response.content.decode(), name


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_page_shows_the_programme_at_a_glance(client, hallingdal, language):
    response = client.get(f"/{language}/")
    page = response.content.decode()
    for fact in HOME_FACTS[language]:
        assert fact in page, fact
    for municipality in ["Flå", "Nesbyen", "Gol", "Hemsedal", "Ål", "Hol"]:
        assert municipality in page
    assert url("documents:document_download", language, slug=PLAN_SLUG) in page


def test_home_page_says_what_is_not_known_instead_of_guessing(client, hallingdal):
    response = client.get("/en/")
    # 6.6 million less the 2.68 million from KMD: shown as not recorded, not invented.
    assert f"NOK{NBSP}3,920,000" in response.content.decode()
    assert "does not guess" in response.content.decode()


def test_phase_pages_show_their_own_facts(client, hallingdal):
    phase_1 = client.get(public_urls("nn")["phase_1"]).content.decode()
    assert "For egen maskin" in phase_1
    assert "Fullført" in phase_1
    phase_2 = client.get(public_urls("en")["phase_2"]).content.decode()
    assert "Strategies and measures for growth" in phase_2
    assert f"NOK{NBSP}2,680,000" in phase_2
    assert "June 2015" in phase_2


def test_funding_page_shows_grants_totals_and_share(client, hallingdal):
    page = client.get(public_urls("nn")["funding"]).content.decode()
    assert "Kommunal- og moderniseringsdepartementet (KMD)" in page
    assert f"40,6{NBSP}%" in page
    page = client.get(public_urls("en")["funding"]).content.decode()
    assert "40.6%" in page
    assert "Ministry of Local Government and Modernisation (KMD)" in page


def test_municipality_pages_list_all_six_with_numbers(client, hallingdal):
    page = client.get(public_urls("nn")["municipality_list"]).content.decode()
    for number in ["3320", "3322", "3324", "3326", "3328", "3330"]:
        assert number in page
    nesbyen = client.get(public_urls("en")["municipality_detail"]).content.decode()
    assert "Nes (until 2020)" in nesbyen
    assert "Framtidstru og vekst i Hallingdal" in nesbyen


def test_document_pages_offer_the_project_plan(client, hallingdal):
    page = client.get(public_urls("nb")["document_list"]).content.decode()
    assert "Prosjektplan for Framtidstru og vekst i Hallingdal" in page
    response = client.get(url("documents:document_download", "nn", slug=PLAN_SLUG))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_root_sends_visitors_to_their_browser_language(client, hallingdal):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")["Location"] == "/en/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="nb-NO,nb;q=0.9")["Location"] == "/nb/"
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="nn-NO")["Location"] == "/nn/"


def test_root_falls_back_to_nynorsk(client, hallingdal):
    assert client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE,fr;q=0.5")["Location"] == "/nn/"
    assert client.get("/")["Location"] == "/nn/"


def test_language_switcher_keeps_the_current_page(client, hallingdal):
    page = client.get(public_urls("nn")["phase_2"]).content.decode()
    assert f'href="{public_urls("en")["phase_2"]}"' in page
    assert f'href="{public_urls("nb")["phase_2"]}"' in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_links_match_djangos_translate_url_on_every_page(client, hallingdal, language):
    # The switcher swaps the language prefix instead of resolving the address
    # again; that is only right while it agrees with Django's own function.
    pages = [*public_urls(language).values(), url("search", language) + "?q=fase"]
    for page_url in pages:
        page = client.get(page_url).content.decode()
        switcher = page.split('class="language-switcher"', 1)[1].split("</nav>", 1)[0]
        links = dict(re.findall(r'<a href="([^"]+)" hreflang="([a-z]+)"', switcher))
        assert sorted(links.values()) == sorted(LANGUAGES), page_url
        for href, code in links.items():
            assert href == translate_url(page_url, code).replace("&", "&amp;"), (page_url, code)


def test_language_links_carry_only_the_query_parameters_pages_read(client, hallingdal):
    page = client.get("/nn/search/?utm_source=avis&q=fase&fbclid=x").content.decode()
    switcher = page.split('class="language-switcher"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/en/search/?q=fase" hreflang="en"' in switcher
    assert "utm_source" not in page and "fbclid" not in page


def test_language_links_keep_the_address_prefix_of_a_site_served_below_the_root(client, hallingdal):
    # The test client leaves the script prefix to the test; WSGIHandler sets it in production.
    with override_script_prefix("/regionraadet/"):
        page = client.get("/en/funding/", SCRIPT_NAME="/regionraadet").content.decode()
    assert '<a href="/regionraadet/nn/funding/" hreflang="nn"' in page


def test_language_links_on_an_unknown_address_lead_to_each_home(client, db):
    page = client.get("/en/no-such-page/").content.decode()
    for code in LANGUAGES:
        assert f'<a href="/{code}/" hreflang="{code}"' in page


def test_untranslated_fields_fall_back_to_nynorsk(client, db):
    programme = make_programme(title_nn="Berre på nynorsk", title_en="", summary_nn="Kort")
    page = client.get(url("programme:programme_detail", "en", slug=programme.slug))
    assert "Berre på nynorsk" in page.content.decode()


def test_a_text_shows_its_markup_but_never_a_script(client, db):
    programme = make_programme(
        body_nn="<p>Fyrste <strong>avsnitt</strong></p><script>alert(1)</script><p>Andre</p>"
    )
    page = client.get(programme.get_absolute_url()).content.decode()
    assert "alert(1)" not in page
    assert "<p>Fyrste <strong>avsnitt</strong></p><p>Andre</p>" in page


class TestOnlyPublishedContentIsVisible:
    def test_draft_programme_is_404_and_not_listed(self, client, db):
        draft = make_programme(is_published=False, title_nn="Hemmeleg utkast")
        assert client.get(draft.get_absolute_url()).status_code == 404
        assert "Hemmeleg utkast" not in client.get("/nn/programmes/").content.decode()
        assert "Hemmeleg utkast" not in client.get("/nn/").content.decode()
        assert "Hemmeleg utkast" not in client.get("/nn/funding/").content.decode()

    def test_hidden_phase_is_404_and_not_listed(self, client, db):
        programme = make_programme()
        hidden = make_phase(programme, is_published=False, title_nn="Løynd fase")
        assert client.get(hidden.get_absolute_url()).status_code == 404
        assert "Løynd fase" not in client.get(programme.get_absolute_url()).content.decode()

    def test_hidden_grant_is_not_counted(self, client, db):
        programme = make_programme()
        make_grant(programme, amount=123456, is_published=False)
        page = client.get("/nn/funding/").content.decode()
        assert f"123{NBSP}456" not in page

    def test_unpublished_document_is_404_everywhere(self, client, db):
        document = make_document(make_programme(), is_published=False, title_nn="Intern notat")
        assert client.get(document.get_absolute_url()).status_code == 404
        assert client.get(document.get_download_url()).status_code == 404
        assert "Intern notat" not in client.get("/nn/documents/").content.decode()


def test_not_found_page_is_in_the_site_look_and_language(client, db):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert 'class="site-header"' in page


def test_server_error_page_renders_without_a_request():
    from django.template.loader import render_to_string

    with translation.override("nb"):
        page = render_to_string("500.html")
    assert 'lang="nb"' in page
    assert 'class="site-header"' in page


def test_empty_site_has_a_friendly_home_page(client, db):
    response = client.get("/nn/")
    assert response.status_code == 200
    assert Programme.objects.count() == 0


def test_bad_request_page_is_in_the_site_look(client, db):
    response = client.get("/nn/programmes/", {"q": "a\x00b"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert "Ugyldig førespurnad" in page


def test_favicon_is_served_for_every_page_and_the_admin(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")
    assert 'rel="icon"' in client.get("/nn/").content.decode()


def test_a_phase_in_progress_after_its_planned_end_says_what_is_known(client, hallingdal):
    # The sources say phase 2 is in progress, in a project planned to end in 2017.
    with translation.override("en"):
        phase = hallingdal.phases.get(number=2)
        page = client.get(phase.get_absolute_url()).content.decode()
    assert "Planned to end 2017" in page
    assert "Last known status: In progress, with no date given." in page
    assert '<span class="status status--active">' not in page

    phase.status_checked_on = datetime.date(2016, 3, 3)
    phase.save()
    with translation.override("nn"):
        page = client.get(phase.get_absolute_url()).content.decode()
    assert "Planlagt avslutta 2017" in page
    assert "Sist kjende status: I gang, stadfesta 3. mars 2016." in page


def test_changing_a_status_records_when_it_was_checked(hallingdal):
    phase = hallingdal.phases.get(number=2)
    assert phase.status_checked_on is None
    phase.title_nn = "Anna tittel"
    phase.save()
    assert phase.status_checked_on is None
    phase.status = "completed"
    phase.save()
    assert phase.status_checked_on == timezone.localdate()
    assert phase.status_label == "Fullført"
