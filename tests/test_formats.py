"""Money, shares and month-precision dates in each language."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from hallingdal.formatters import nok, percent, share_of
from programme.dates import format_approximate_date

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nn", f"kr{NBSP}2{NBSP}680{NBSP}000"),
        ("nb", f"kr{NBSP}2{NBSP}680{NBSP}000"),
        ("en", f"NOK{NBSP}2,680,000"),
    ],
)
def test_kroner(language, expected):
    with translation.override(language):
        assert nok(Decimal("2680000.00")) == expected


def test_kroner_keep_ore_when_there_are_some():
    with translation.override("nn"):
        assert nok(Decimal("1234.5")) == f"kr{NBSP}1{NBSP}234,50"


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (Decimal("0.40606"), f"40,6{NBSP}%"),
        (Decimal("0.59396"), f"59,4{NBSP}%"),
        (1, f"100,0{NBSP}%"),
    ],
)
def test_percent_rounds_half_up(share, expected):
    with translation.override("nn"):
        assert percent(share) == expected


def test_percent_in_english_and_unknown_share():
    with translation.override("en"):
        assert percent(share_of(Decimal("2680000"), Decimal("6600000"))) == "40.6%"
    assert share_of(1, None) is None
    assert percent(None) == ""


@pytest.mark.parametrize(
    ("language", "precision", "expected"),
    [
        ("nn", "month", "juni 2015"),
        ("nb", "month", "juni 2015"),
        ("en", "month", "June 2015"),
        ("nn", "year", "2015"),
        ("nn", "day", "1. juni 2015"),
    ],
)
def test_dates_are_shown_only_as_precisely_as_known(language, precision, expected):
    with translation.override(language):
        assert format_approximate_date(datetime.date(2015, 6, 1), precision) == expected
