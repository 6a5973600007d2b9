"""The phase timeline and the funding chart: inline, accessible SVG drawn on the server."""

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from programme.charts import CHART_PLOT_WIDTH, FUNDER_COLOUR_COUNT, funding_chart_layout
from programme.models import Programme
from tests.factories import make_grant, make_phase, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def without_page_cache(settings):
    """These tests change content between requests without the admin."""
    settings.PAGE_CACHE = False


SVG_NS = "{http://www.w3.org/2000/svg}"


def svgs_in(html):
    """Every inline SVG in the page, parsed (so it must be well-formed XML)."""
    return [ET.fromstring(match) for match in re.findall(r"<svg\b.*?</svg>", html, re.S)]


def chart(html, css_class):
    found = [svg for svg in svgs_in(html) if css_class in svg.get("class", "")]
    assert len(found) == 1, f"expected one {css_class} chart"
    return found[0]


def text_of(svg):
    return " ".join(" ".join(node.itertext()) for node in svg.iter(f"{SVG_NS}text"))


def assert_accessible(svg, html):
    """role=img, named by its <title> and described by its <desc>, both by id."""
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG_NS}title").get("id") == title_id
    assert svg.find(f"{SVG_NS}desc").get("id") == desc_id
    assert svg.find(f"{SVG_NS}title").text.strip()
    assert html.count(f'id="{title_id}"') == 1


def relative_luminance(hex_colour):
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_with_white(hex_colour):
    return 1.05 / (relative_luminance(hex_colour) + 0.05)


def stylesheet_colours():
    """The custom properties of site.css, resolved: {"--colour-brand": "#0b4f6c", ...}."""
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    declared = dict(re.findall(r"(--[\w-]+):\s*([^;]+);", css))
    resolved = {}
    for name, value in declared.items():
        while value.startswith("var("):
            value = declared[value[4:-1]]
        resolved[name] = value
    return resolved, css


def test_chart_colours_exist_once_and_meet_text_contrast_on_white():
    colours, css = stylesheet_colours()
    status_rule = r"\.timeline-stop--\w+ \{ --stop-colour: var\((--[\w-]+)\); \}"
    status_colours = re.findall(status_rule, css)
    funder_colours = [f"--chart-funder-{n}" for n in range(1, FUNDER_COLOUR_COUNT + 1)]
    assert len(status_colours) == 4
    # Status colours are used for text too, so all colours need 4.5:1.
    for name in [*funder_colours, *status_colours]:
        assert contrast_with_white(colours[name]) >= 4.5, name
    # The layout and the templates name colours by class; no colour is written twice.
    charts = "".join(
        (settings.BASE_DIR / path).read_text()
        for path in (
            "programme/charts.py",
            "templates/includes/_timeline.svg",
            "templates/includes/_funding_chart.html",
        )
    )
    assert not re.search(r"#[0-9a-fA-F]{6}\b", charts)


@pytest.mark.parametrize("path", ["/nn/", "/nb/", "/en/"])
def test_home_page_has_both_charts_inline_without_script(client, hallingdal, path):
    html = client.get(path).content.decode()

    timeline = chart(html, "chart--timeline")
    funding = chart(html, "chart--funding")
    assert_accessible(timeline, html)
    assert_accessible(funding, html)
    assert "<script" not in html.replace('<script type="application/ld+json">', "")
    # The chart points to the table that holds the same figures.
    assert 'href="#home-grants"' in html
    assert 'id="home-grants"' in html


def test_timeline_draws_phases_without_dates_by_order_and_invents_none(client, hallingdal):
    html = client.get("/en/").content.decode()
    timeline = chart(html, "chart--timeline")
    labels = text_of(timeline)

    assert labels.index("Phase 1") < labels.index("Phase 2")
    # Phase 2 is still "in progress" in the sources, of a project planned to
    # end in 2017: the timeline says what is known, not a present-tense claim.
    assert "Completed" in labels and "Planned to end 2017" in labels
    assert "In progress" not in labels
    # The seed publishes no phase dates: no year appears but the planned end.
    assert re.findall(r"\b(?:19|20)\d\d\b", labels) == ["2017"]
    assert "Dates not published" in labels
    assert "not to a time scale" in timeline.find(f"{SVG_NS}desc").text


def test_timeline_shows_dates_only_as_precisely_as_known(client):
    programme = make_programme(slug="dated")
    make_phase(
        programme,
        number=1,
        status="completed",
        starts_on=datetime.date(2014, 3, 1),
        starts_on_precision="year",
        ends_on=datetime.date(2015, 6, 1),
        ends_on_precision="month",
    )
    make_phase(programme, number=2, status="planned")
    with translation.override("en"):
        html = client.get(programme.get_absolute_url()).content.decode()
    labels = text_of(chart(html, "chart--timeline"))

    assert "2014 to June 2015" in labels
    assert "March" not in labels
    assert "Planned" in labels


def test_funding_chart_bars_are_proportional_to_the_total_budget(hallingdal):
    programme = Programme.objects.published().with_public_relations().get(pk=hallingdal.pk)
    layout = funding_chart_layout(programme)

    awarded, unrecorded = layout.bars
    assert awarded.width == pytest.approx(CHART_PLOT_WIDTH * 2_680_000 / 6_600_000, abs=0.01)
    assert unrecorded.is_unrecorded
    assert awarded.width + unrecorded.width == pytest.approx(CHART_PLOT_WIDTH, abs=0.02)
    assert awarded.x + awarded.width == pytest.approx(unrecorded.x, abs=0.01)


def test_funding_chart_shares_add_up_after_rounding(client, hallingdal):
    with translation.override("en"):
        html = client.get("/en/funding/").content.decode()
    labels = text_of(chart(html, "chart--funding"))

    assert "NOK\u00a02,680,000 (40.6%)" in labels
    assert "NOK\u00a03,920,000 (59.4%)" in labels
    assert "Total budget: NOK\u00a06,600,000" in labels


def test_funding_chart_sums_grants_per_funder(client):
    programme = make_programme(slug="two-funders", total_budget=Decimal("1000000"))
    make_grant(programme, funder_nn="Fylket", amount=Decimal("100000"))
    make_grant(programme, funder_nn="Fylket", amount=Decimal("150000"))
    make_grant(programme, funder_nn="Staten", amount=Decimal("500000"))
    programme = Programme.objects.with_public_relations().get(pk=programme.pk)

    layout = funding_chart_layout(programme)

    assert [(bar.label, bar.amount) for bar in layout.bars] == [
        ("Fylket", Decimal("250000")),
        ("Staten", Decimal("500000")),
        (layout.bars[2].label, Decimal("250000")),
    ]
    assert layout.bars[0].colour_number != layout.bars[1].colour_number


def test_funding_chart_without_a_total_budget_says_so(client):
    programme = make_programme(slug="no-frame", total_budget=None)
    make_grant(programme, amount=Decimal("300000"))
    with translation.override("en"):
        html = client.get(programme.get_absolute_url()).content.decode()
    funding = chart(html, "chart--funding")

    assert "Total budget not published" in text_of(funding)
    assert "not recorded" not in text_of(funding)


def test_no_funding_chart_when_no_grants_are_published(client):
    programme = make_programme(slug="unfunded")
    make_grant(programme, is_published=False)
    html = client.get(programme.get_absolute_url()).content.decode()

    assert "chart--funding" not in html


def test_long_funder_names_are_shortened_in_the_chart_only(client):
    long_name = "Et svært langt namn på ein tilskotsgjevar som ikkje får plass i figuren"
    programme = make_programme(slug="long-name")
    make_grant(programme, funder_nn=long_name)
    html = client.get(programme.get_absolute_url()).content.decode()

    assert "…" in text_of(chart(html, "chart--funding"))
    assert f'<th scope="row">{long_name}</th>' in html


def test_funding_page_charts_cost_no_extra_queries(client):
    def queries_for_funding_page():
        with CaptureQueriesContext(connection) as context:
            assert client.get("/nn/funding/").status_code == 200
        return len(context.captured_queries)

    programme = make_programme()
    make_grant(programme)
    make_phase(programme)
    few = queries_for_funding_page()
    for _ in range(3):
        programme = make_programme()
        make_grant(programme)
        make_grant(programme, funder_nn="Staten")
    assert queries_for_funding_page() == few


def test_long_funder_names_wrap_instead_of_running_off_the_chart():
    from programme.charts import LEGEND_LINE_LENGTH, legend_lines

    lines = legend_lines("Kommunal- og moderniseringsdepartementet (KMD)")
    assert lines == ["Kommunal- og", "moderniseringsdepartementet (KMD)"]
    very_long = legend_lines("Ein svært lang namn på ein tilskotsgjevar " * 4)
    assert len(very_long) == 2 and very_long[-1].endswith("…")
    assert all(len(line) <= LEGEND_LINE_LENGTH for line in very_long)
