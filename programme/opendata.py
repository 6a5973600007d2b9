"""The funding table as open data: one row per published grant, as CSV or JSON.

The columns are documented on the open data page (templates/programme/open_data.html);
a test keeps the two in step. Texts are in the language of the address the file
is fetched from (/nn/, /nb/ or /en/), with Nynorsk where a translation is missing.
"""

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F

from .dates import DatePrecision
from .models import Grant

FIELDS = [
    "programme",
    "programme_url",
    "phase",
    "funder",
    "amount_nok",
    "awarded",
    "share_of_total_budget",
    "source_url",
]

LICENCE = {
    "name": "Norsk lisens for offentlige data (NLOD) 2.0",
    "url": "https://data.norge.no/nlod/no/2.0",
    "url_en": "https://data.norge.no/nlod/en/2.0",
}

SHARE_PLACES = Decimal("0.0001")

# A spreadsheet runs a cell that starts with one of these as a formula, so a
# grant's text could run on the machine of whoever opens the file. OWASP's
# advice for CSV injection: such a cell gets a leading single quote, which
# makes it text, and every text cell is in double quotes, so that a separator
# inside it (a semicolon, for Norwegian Excel) cannot start a new cell.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def awarded_text(grant):
    """The award date as precisely as it is known: "2015", "2015-06" or "2015-06-12"."""
    if grant.awarded_on is None:
        return ""
    if grant.awarded_on_precision == DatePrecision.YEAR:
        return f"{grant.awarded_on:%Y}"
    if grant.awarded_on_precision == DatePrecision.MONTH:
        return f"{grant.awarded_on:%Y-%m}"
    return grant.awarded_on.isoformat()


def published_grants():
    return (
        Grant.objects.published()
        .select_related("programme", "phase")
        # Grants with no published date last, on every database.
        .order_by("programme__position", "programme_id", F("awarded_on").asc(nulls_last=True), "id")
    )


def grant_rows(request):
    """One dict per published grant; numbers stay Decimal, unknown values None."""
    rows = []
    for grant in published_grants():
        programme = grant.programme
        share = None
        if programme.total_budget:
            share = (grant.amount / programme.total_budget).quantize(
                SHARE_PLACES, rounding=ROUND_HALF_UP
            )
        rows.append(
            {
                "programme": str(programme.title),
                "programme_url": request.build_absolute_uri(programme.get_absolute_url()),
                "phase": grant.phase.number if grant.phase else None,
                "funder": str(grant.funder),
                "amount_nok": grant.amount,
                "awarded": awarded_text(grant) or None,
                "share_of_total_budget": share,
                "source_url": grant.source_url or None,
            }
        )
    return rows


def plain_number(value):
    """2680000.00 -> 2680000, 1234.50 -> 1234.50, for the CSV writer to write bare.

    The writer uses str(), which for amounts and shares (two and four decimals)
    gives a point, no grouping and no exponent, in any locale.
    """
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value


def text_cell(text):
    """Text that a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value):
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, str):
        return text_cell(value)
    return value


def grants_csv(rows):
    """CSV text (RFC 4180, comma separated); the caller adds the byte order mark.

    Numbers are bare and every text is quoted, also an empty one.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=FIELDS, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_cell(value) for key, value in row.items()})
    return buffer.getvalue()


def json_value(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def grants_json(rows, *, documentation_url):
    data = {
        "licence": LICENCE,
        "documentation": documentation_url,
        "fields": FIELDS,
        "grants": [{key: json_value(value) for key, value in row.items()} for row in rows],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)
