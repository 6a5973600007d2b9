"""Meta data for search engines and link previews: Open Graph and JSON-LD."""

import re

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.safestring import mark_safe

from hallingdal import structured_data

register = template.Library()

OPEN_GRAPH_LOCALES = {"nn": "nn_NO", "nb": "nb_NO", "en": "en_GB"}


class CaptureNode(template.Node):
    def __init__(self, nodelist, variable):
        self.nodelist = nodelist
        self.variable = variable

    def render(self, context):
        # The content is rendered (and so escaped) already; tidy the whitespace only.
        text = re.sub(r"\s+", " ", self.nodelist.render(context)).strip()
        context[self.variable] = mark_safe(text)
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}...{% endcapture %}: render once, use as often as needed.

    Lets base.html show the title and description blocks in <title>, the meta
    description and the Open Graph tags, although a block renders only once.
    """
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}...{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag
def open_graph_locales():
    """The current language's Open Graph locale first, then the others."""
    current = translation.get_language()
    codes = [code for code, _name in settings.LANGUAGES]
    return {
        "current": OPEN_GRAPH_LOCALES.get(current, "nn_NO"),
        "alternates": [OPEN_GRAPH_LOCALES[code] for code in codes if code != current],
    }


@register.simple_tag(takes_context=True)
def absolute_url(context, path):
    request = context.get("request")
    return request.build_absolute_uri(path) if request else path


@register.simple_tag(takes_context=True)
def council_json_ld(context):
    if context.get("request") is None:
        return ""
    return structured_data.json_ld_script(structured_data.council(context["request"]))


@register.simple_tag(takes_context=True)
def programme_json_ld(context, programme):
    if context.get("request") is None:
        return ""
    return structured_data.json_ld_script(structured_data.project(programme, context["request"]))
