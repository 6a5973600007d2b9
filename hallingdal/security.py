"""Small middleware for what Django and django-csp do not cover themselves."""

import base64
import hashlib
import re

from django.core.exceptions import BadRequest
from django.http import HttpResponseNotAllowed

# The public site only shows things; only the admin takes writes.
SAFE_METHODS = ("GET", "HEAD")
ADMIN_PREFIX = "/admin/"

# Features the site never uses, switched off for it and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


def contains_nul(request):
    """NUL in the address or a cookie, raw or percent-encoded.

    PostgreSQL refuses NUL in text, so such a value would reach the database
    only to fail there with a 500. Nothing legitimate ever sends one.
    """
    raw_query = request.META.get("QUERY_STRING", "")
    return (
        "\x00" in request.path
        or "\x00" in raw_query
        or "%00" in raw_query
        or "\x00" in request.META.get("HTTP_COOKIE", "")
        or any("\x00" in value for value in request.COOKIES.values())
    )


def reject_hostile_requests(get_response):
    def middleware(request):
        if contains_nul(request):
            raise BadRequest("NUL character in the request")
        if request.method not in SAFE_METHODS and not request.path_info.startswith(ADMIN_PREFIX):
            return HttpResponseNotAllowed(SAFE_METHODS)
        return get_response(request)

    return middleware


def permissions_policy(get_response):
    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


IMPORT_MAP = re.compile(rb'<script type="importmap"[^>]*>(.*?)</script>', re.DOTALL)


def import_map_hashes(get_response):
    """Let the admin's import maps run under a policy that allows no inline script.

    The rich-text editor's modules are files under /static/, but browsers
    need their import map inline. Each map's exact text is allowed by its
    SHA-256 hash in this response's policy, so nothing else inline can run.
    Sits below django-csp's middleware, which builds the header from it.
    """

    def middleware(request):
        response = get_response(request)
        if (
            request.path_info.startswith(ADMIN_PREFIX)
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
        ):
            hashes = [
                f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'"
                for body in IMPORT_MAP.findall(response.content)
            ]
            if hashes:
                update = dict(getattr(response, "_csp_update", None) or {})
                update["script-src"] = [*update.get("script-src", []), *hashes]
                response._csp_update = update
        return response

    return middleware
