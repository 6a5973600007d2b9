"""Money and shares in the visitor's language, for templates and code alike.

Plain functions: the template filters in `templatetags/site_tags.py` are thin
wrappers over them.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import translation
from django.utils.formats import number_format


def nok(amount):
    """Format an amount in kroner: "kr 2 680 000" in Norwegian, "NOK 2,680,000" in English."""
    if amount in (None, ""):
        return ""
    amount = Decimal(amount)
    decimals = 0 if amount == amount.to_integral_value() else 2
    figure = number_format(amount, decimals, use_l10n=True, force_grouping=True)
    if translation.get_language() == "en":
        return f"NOK\u00a0{figure}"
    return f"kr\u00a0{figure}"


def percent(share, decimals=1):
    """Format a 0-1 share as a percentage in the active language."""
    if share is None or share == "":
        return ""
    # number_format cuts off extra decimals; round half up first, as people do.
    value = (Decimal(share) * 100).quantize(Decimal(1).scaleb(-int(decimals)), ROUND_HALF_UP)
    figure = number_format(value, int(decimals), use_l10n=True)
    if translation.get_language() == "en":
        return f"{figure}%"
    return f"{figure}\u00a0%"


def share_of(part, whole):
    """Return part / whole as a Decimal share, or None when the whole is unknown."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)
