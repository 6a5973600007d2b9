"""Template helpers for money, shares and the language switcher."""

import functools
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.formats import number_format

register = template.Library()


@register.filter
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


@register.filter
def percent(share, decimals=1):
    """Format a 0-1 share as a percentage in the active language."""
    if share is None:
        return ""
    # number_format cuts off extra decimals; round half up first, as people do.
    value = (Decimal(share) * 100).quantize(Decimal(1).scaleb(-int(decimals)), ROUND_HALF_UP)
    figure = number_format(value, int(decimals), use_l10n=True)
    if translation.get_language() == "en":
        return f"{figure}%"
    return f"{figure}\u00a0%"


@functools.cache
def language_names():
    """Each language's name in that language (the catalogues never change while the site runs)."""
    names = {}
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            names[code] = translation.gettext(name)
    return names


@register.simple_tag(takes_context=True)
def language_links(context):
    """The current page in each language, for the switcher and hreflang links.

    Page addresses are the same in every language apart from the prefix
    (i18n_patterns, untranslated paths), so swapping the prefix gives what
    django.urls.translate_url() would, without resolving the address again for
    each language; a test holds the two equal on every public page.
    """
    request = context["request"]
    current = translation.get_language()
    path = request.get_full_path_info()
    prefix = f"/{current}/"
    on_a_page = getattr(request, "resolver_match", None) is not None and path.startswith(prefix)
    links = []
    for code, name in language_names().items():
        if on_a_page:
            url = f"{get_script_prefix()}{code}/{path[len(prefix) :]}"
        else:
            # The address could not be resolved (a 404, say): offer that language's home.
            with translation.override(code):
                url = reverse("programme:home")
        links.append({"code": code, "name": name, "url": url, "is_current": code == current})
    return links


@register.filter
def share_of(part, whole):
    """Return part / whole as a Decimal share, or None when the whole is unknown."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


@register.filter
def without_language_prefix(path):
    """ "/nn/funding/" -> "/funding/": the address where the browser's language decides."""
    for code, _name in settings.LANGUAGES:
        if path.startswith(f"/{code}/"):
            return path[len(code) + 1 :]
    return path
