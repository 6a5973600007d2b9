"""Tags for base.html and every page: money and shares, and the language switcher."""

import functools

from django import template
from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import translation

from hallingdal import formatters, richtext
from hallingdal.cache import page_query_string
from programme.richtext import plain_text

register = template.Library()


register.filter(formatters.nok)
register.filter(formatters.percent)
register.filter(formatters.share_of)


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
    each language; a test holds the two equal on every public page. Of the
    query string only what pages read is kept (a search, a page number), so
    the links do not depend on tracking tags or junk in the address.
    """
    request = context["request"]
    current = translation.get_language()
    path = request.path_info
    query = page_query_string(request.GET)
    suffix = f"?{query}" if query else ""
    prefix = f"/{current}/"
    on_a_page = getattr(request, "resolver_match", None) is not None and path.startswith(prefix)
    links = []
    for code, name in language_names().items():
        if on_a_page:
            url = f"{get_script_prefix()}{code}/{path[len(prefix) :]}{suffix}"
        else:
            # The address could not be resolved (a 404, say): offer that language's home.
            with translation.override(code):
                url = reverse("home")
        links.append({"code": code, "name": name, "url": url, "is_current": code == current})
    return links


@register.filter
def without_language_prefix(path):
    """ "/nn/funding/" -> "/funding/": the address where the browser's language decides."""
    for code, _name in settings.LANGUAGES:
        if path.startswith(f"/{code}/"):
            return path[len(code) + 1 :]
    return path


@register.filter
def rich_text(text, top_heading=2):
    """An editor's text as HTML; `top_heading` is the level its own headings start at."""
    return richtext.render(text, top_heading=int(top_heading))


register.filter("plain", plain_text)
