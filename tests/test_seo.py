"""Findable: sitemap.xml, robots.txt, meta descriptions, Open Graph and JSON-LD."""

import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hallingdal.structured_data import json_ld_script
from tests.factories import make_grant, make_municipality, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def without_page_cache(settings):
    """These tests change content between requests without the admin."""
    settings.PAGE_CACHE = False


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
PUBLIC_PAGES = [
    "/{lang}/",
    "/{lang}/programmes/",
    "/{lang}/programmes/framtidstru-og-vekst-i-hallingdal/",
    "/{lang}/programmes/framtidstru-og-vekst-i-hallingdal/phases/2/",
    "/{lang}/funding/",
    "/{lang}/funding/open-data/",
    "/{lang}/municipalities/",
    "/{lang}/municipalities/gol/",
    "/{lang}/documents/",
    "/{lang}/documents/prosjektplan-framtidstru-og-vekst-i-hallingdal/",
]


def json_ld(html):
    """Every JSON-LD object on the page, parsed."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def meta(html, attribute, name):
    found = re.findall(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', html)
    return found


def test_sitemap_lists_every_public_page_in_three_languages_with_alternates(client, hallingdal):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    urls = root.findall(f"{SITEMAP}url")
    locations = {url.find(f"{SITEMAP}loc").text for url in urls}

    for page in PUBLIC_PAGES:
        for lang in ("nn", "nb", "en"):
            assert "http://testserver" + page.format(lang=lang) in locations
    for url in urls:
        languages = {link.get("hreflang") for link in url.findall(f"{XHTML}link")}
        assert languages == {"nn", "nb", "en", "x-default"}


def test_sitemap_x_default_lets_the_browser_language_decide(client, hallingdal):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    x_default = next(
        link.get("href")
        for link in root.iter(f"{XHTML}link")
        if link.get("hreflang") == "x-default" and link.get("href").endswith("/funding/")
    )
    path = x_default.removeprefix("http://testserver")
    response = client.get(path, headers={"accept-language": "en"})
    assert response.status_code == 302
    assert response["Location"] == "/en/funding/"


def test_sitemap_leaves_out_drafts(client, hallingdal):
    make_programme(slug="secret-draft", is_published=False)
    make_municipality(slug="hidden-place", is_published=False)
    body = client.get("/sitemap.xml").content.decode()

    assert "secret-draft" not in body
    assert "hidden-place" not in body


def test_sitemap_queries_do_not_grow_with_content(client, hallingdal):
    def count():
        with CaptureQueriesContext(connection) as context:
            client.get("/sitemap.xml")
        return len(context.captured_queries)

    before = count()
    for _ in range(5):
        make_programme()
        make_municipality()
    assert count() == before


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


@pytest.mark.parametrize("page", PUBLIC_PAGES)
@pytest.mark.parametrize("lang", ["nn", "en"])
def test_every_page_has_its_own_description_and_open_graph_tags(client, hallingdal, page, lang):
    path = page.format(lang=lang)
    html = client.get(path).content.decode()

    (description,) = meta(html, "name", "description")
    assert len(description) > 40
    assert meta(html, "property", "og:description") == [description]
    (title,) = meta(html, "property", "og:title")
    assert re.search(r"<title>\s*" + re.escape(title), html)
    assert meta(html, "property", "og:url") == ["http://testserver" + path]
    assert meta(html, "property", "og:type") == ["website"]
    locale = {"nn": "nn_NO", "en": "en_GB"}[lang]
    assert meta(html, "property", "og:locale") == [locale]
    assert len(meta(html, "property", "og:locale:alternate")) == 2
    assert locale not in meta(html, "property", "og:locale:alternate")


def test_descriptions_differ_between_pages(client, hallingdal):
    descriptions = {
        meta(client.get(page.format(lang="en")).content.decode(), "name", "description")[0]
        for page in PUBLIC_PAGES
    }
    # The two municipality pages share a pattern but name the municipality.
    assert len(descriptions) >= len(PUBLIC_PAGES) - 1


def test_every_page_describes_the_council(client, hallingdal):
    (council,) = [item for item in json_ld(client.get("/en/municipalities/").content.decode())]

    assert council["@type"] == "GovernmentOrganization"
    assert council["name"] == "Regionrådet for Hallingdal"
    assert "address" not in council and "telephone" not in council


def test_programme_page_describes_the_project_and_its_grants(client, hallingdal):
    html = client.get("/nn/programmes/framtidstru-og-vekst-i-hallingdal/").content.decode()
    council, project = json_ld(html)

    assert project["@type"] == "Project"
    assert project["name"] == "Framtidstru og vekst i Hallingdal"
    assert project["parentOrganization"]["@id"] == council["@id"]
    assert {area["name"] for area in project["areaServed"]} == {
        "Flå",
        "Nesbyen",
        "Gol",
        "Hemsedal",
        "Ål",
        "Hol",
    }
    assert all(area["@type"] == "AdministrativeArea" for area in project["areaServed"])
    (grant,) = project["funding"]
    assert grant["@type"] == "MonetaryGrant"
    assert grant["funder"]["name"] == "Kommunal- og moderniseringsdepartementet (KMD)"
    assert grant["amount"] == {"@type": "MonetaryAmount", "currency": "NOK", "value": 2680000}
    assert grant["fundedItem"]["@id"] == project["@id"]
    assert project["funder"] == [grant["funder"]]


def test_home_and_funding_pages_carry_the_project_too(client, hallingdal):
    for path in ("/nb/", "/nb/funding/"):
        types = [item["@type"] for item in json_ld(client.get(path).content.decode())]
        assert types == ["GovernmentOrganization", "Project"]


def test_json_ld_cannot_break_out_of_its_script_element(client):
    hostile = "</script><script>alert(1)</script> & <!--"
    programme = make_programme(slug="hostile", title_nn=hostile, summary_nn=hostile)
    make_grant(programme, funder_nn=hostile, amount=Decimal("10.50"))

    html = client.get(programme.get_absolute_url()).content.decode()

    assert "<script>alert(1)" not in html
    project = json_ld(html)[1]
    assert project["name"] == hostile
    assert project["funding"][0]["funder"]["name"] == hostile
    assert project["funding"][0]["amount"]["value"] == 10.5


def test_json_ld_script_escapes_markup_characters():
    rendered = str(json_ld_script({"text": "<b>&</b>"}))
    assert rendered == (
        '<script type="application/ld+json">{"text": "\\u003Cb\\u003E\\u0026\\u003C/b\\u003E"}'
        "</script>"
    )
