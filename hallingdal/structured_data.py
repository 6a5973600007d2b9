"""JSON-LD (schema.org) for search engines: the council, its programmes and their grants.

Only facts the site holds are described; nothing (address, phone) is filled in
for completeness. Everything is built from rows a page has already loaded.
"""

import json
from decimal import Decimal

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

COUNCIL_NAME = "Regionrådet for Hallingdal"

# The same escapes as Django's json_script: nothing in the data can close the
# <script> element or start an HTML comment or entity.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_number(amount):
    """A Decimal as a JSON number: whole kroner as integers, øre as decimals."""
    if amount == amount.to_integral_value():
        return int(amount)
    return float(amount)


class StructuredDataEncoder(json.JSONEncoder):
    def default(self, value):
        if isinstance(value, Decimal):
            return json_number(value)
        return str(value)  # lazy translations


def json_ld_script(data):
    """Render data as a safely escaped <script type="application/ld+json"> element."""
    text = json.dumps(data, cls=StructuredDataEncoder, ensure_ascii=False, indent=None)
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(JSON_SCRIPT_ESCAPES)),
    )


def council_id(request):
    return request.build_absolute_uri("/") + "#council"


def council(request):
    return {
        "@context": "https://schema.org",
        "@type": "GovernmentOrganization",
        "@id": council_id(request),
        "name": COUNCIL_NAME,
        "url": request.build_absolute_uri(reverse("home")),
    }


def monetary_grant(grant, *, project_id):
    data = {
        "@type": "MonetaryGrant",
        "name": str(grant),
        "funder": {"@type": "Organization", "name": str(grant.funder)},
        "amount": {"@type": "MonetaryAmount", "currency": "NOK", "value": grant.amount},
        "fundedItem": {"@id": project_id},
    }
    if grant.description:
        data["description"] = str(grant.description)
    if grant.source_url:
        data["url"] = grant.source_url
    return data


def project(programme, request):
    """The programme as a schema.org Project (needs `with_public_relations()`)."""
    url = request.build_absolute_uri(programme.get_absolute_url())
    project_id = f"{url}#project"
    grants = list(programme.grants.all())
    funders = list(dict.fromkeys(str(grant.funder) for grant in grants))
    data = {
        "@context": "https://schema.org",
        "@type": "Project",
        "@id": project_id,
        "name": str(programme.title),
        "description": str(programme.summary),
        "url": url,
        "parentOrganization": {
            "@type": "GovernmentOrganization",
            "@id": council_id(request),
            "name": COUNCIL_NAME,
        },
        "areaServed": [
            {
                "@type": "AdministrativeArea",
                "name": municipality.name,
                "identifier": municipality.number,
                "url": request.build_absolute_uri(municipality.get_absolute_url()),
            }
            for municipality in programme.municipalities.all()
        ],
        "funder": [{"@type": "Organization", "name": funder} for funder in funders],
        "funding": [monetary_grant(grant, project_id=project_id) for grant in grants],
    }
    return data
