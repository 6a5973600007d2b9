"""Dates that are only known to a month or a year ("June 2015", "2017").

A value is stored as an ordinary date plus its precision. Start dates are
normalised to the first day of their period and end dates to the last, so that
ordering and "ends after it starts" comparisons stay correct.
"""

import calendar
import datetime

from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


def period_start(value, precision):
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value


def period_end(value, precision):
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        last_day = calendar.monthrange(value.year, value.month)[1]
        return value.replace(day=last_day)
    return value


def format_approximate_date(value, precision):
    """Format a date only as precisely as it is known, in the active language."""
    if not isinstance(value, datetime.date):
        return ""
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")
