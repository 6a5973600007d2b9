"""A phase's status as visitors read it: no present-tense "in progress" after its planned end.

The council's page says phase 2 was awarded its frame in June 2015, in a
project to be finished in 2017, and nothing later: the site says that
much, when the status was last confirmed if anyone has, and no more.
"""

import datetime
import json
import re

import pytest
from django.utils import translation

from tests.factories import make_phase, make_programme

pytestmark = pytest.mark.django_db

# (the status shown, the note under it, the word the status must not be alone).
STALE = {
    "nn": ("Planlagt avslutta 2017", "Sist kjende status: I gang, utan oppgitt dato.", "I gang"),
    "nb": ("Planlagt avsluttet 2017", "Sist kjente status: Pågår, uten oppgitt dato.", "Pågår"),
    "en": (
        "Planned to end 2017",
        "Last known status: In progress, with no date given.",
        "In progress",
    ),
}


def pages_showing(phase, language):
    """The home, programme and phase pages, where the phase's status is shown."""
    with translation.override(language):
        return {
            "home": f"/{language}/",
            "programme": phase.programme.get_absolute_url(),
            "phase": phase.get_absolute_url(),
        }


def statuses(page):
    return re.findall(r'<span class="status status--([a-z]+)">([^<]*)</span>', page)


@pytest.mark.parametrize("language", ["nn", "nb", "en"])
def test_the_stale_phase_says_what_is_known_wherever_its_status_shows(client, hallingdal, language):
    phase = hallingdal.phases.get(number=2)
    shown, note, present_tense = STALE[language]
    pages = {
        name: client.get(url).content.decode()
        for name, url in pages_showing(phase, language).items()
    }
    for name, page in pages.items():
        assert ("overdue", shown) in statuses(page), name
        assert ("active", present_tense) not in statuses(page), name
        assert note in page, name
    # The timeline's description, which screen readers read for the drawing.
    description = re.search(r"<desc [^>]*>(.*?)</desc>", pages["programme"], re.DOTALL)[1]
    assert shown in description
    assert f": {present_tense}," not in description


def test_the_stale_phase_says_no_more_than_the_sources(client, hallingdal):
    phase = hallingdal.phases.get(number=2)
    # The sources give no dates for phase 2 and no end to it: only the project's year.
    assert phase.starts_on is None and phase.ends_on is None
    assert phase.status_checked_on is None
    with translation.override("en"):
        page = client.get(phase.get_absolute_url()).content.decode()
    assert "Dates not published" in page
    assert "Completed" not in re.sub(r"Phase 1.*?</li>", "", page, flags=re.DOTALL)
    # Search engines are told nothing of a status either.
    for data in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page):
        assert "status" not in json.loads(data)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nn", "Sist kjende status: I gang, stadfesta 3. mars 2016."),
        ("nb", "Sist kjente status: Pågår, bekreftet 3. mars 2016."),
        ("en", "Last known status: In progress, checked March 3, 2016."),
    ],
)
def test_the_stale_phase_gives_the_date_its_status_was_confirmed(
    client, hallingdal, language, expected
):
    phase = hallingdal.phases.get(number=2)
    phase.status_checked_on = datetime.date(2016, 3, 3)
    phase.save()
    with translation.override(language):
        page = client.get(phase.get_absolute_url()).content.decode()
    assert expected in page


def test_a_phase_within_its_planned_time_is_in_progress(client, db):
    programme = make_programme(planned_end_year=datetime.date.today().year + 2)
    phase = make_phase(programme, status="active")
    with translation.override("nn"):
        page = client.get(phase.get_absolute_url()).content.decode()
    assert ("active", "I gang") in statuses(page)
    assert "Sist kjende status" not in page
