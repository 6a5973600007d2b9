"""What responses tell browsers and shared caches (a CDN, a caching proxy) about keeping them.

Every public page carries an ETag, a hash of its body (Django's
ConditionalGetMiddleware), so every server gives the same page the same ETag
and a client that has it gets a 304 without the body.

Pages the page cache keeps (hallingdal/cache.py) may also be kept by a shared
cache for DJANGO_SHARED_CACHE_SECONDS: `shared_cache_control()` says so. An
edit then takes up to that long to show through the shared cache, which is
the trade-off the setting makes; it is off (0) by default.

Everything personal stays `private`: responses to a logged-in user, responses
that set a cookie, and errors (`PrivateResponsesMiddleware`). The admin and
its previews say `private` themselves (never_cache), as do staff downloads.
"""

from django.conf import settings
from django.utils.cache import cc_delim_re, patch_cache_control

# What a shared cache may serve while the site is down or failing.
STALE_IF_ERROR_SECONDS = 60 * 60 * 24
# What only a shared cache reads; a private response carries none of it.
SHARED_ONLY = {"public", "s-maxage", "stale-while-revalidate", "stale-if-error"}


def cache_control_directives(response):
    return {
        part.split("=")[0].strip().lower(): part
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
        if part.strip()
    }


def shared_cache_control(response, seconds_to_next_change=None):
    """Let shared caches keep a page the page cache keeps, when DJANGO_SHARED_CACHE_SECONDS is set.

    `seconds_to_next_change`: when a scheduled change is due (hallingdal/cache.py);
    a shared cache must not keep the page past it.
    """
    seconds = settings.SHARED_CACHE_SECONDS
    if seconds <= 0:
        return
    if seconds_to_next_change is not None:
        seconds = max(0, min(seconds, int(seconds_to_next_change)))
    directives = cache_control_directives(response)
    # The browser's max-age stays what it is (none means: ask again each time).
    max_age = {} if "max-age" in directives else {"max_age": 0}
    patch_cache_control(
        response,
        public=True,
        s_maxage=seconds,
        stale_while_revalidate=seconds,
        stale_if_error=STALE_IF_ERROR_SECONDS,
        **max_age,
    )


def is_personal(request, response):
    user = getattr(request, "user", None)
    return (
        bool(user and user.is_authenticated)
        or bool(response.cookies)
        or response.status_code >= 400
    )


class PrivateResponsesMiddleware:
    """Mark personal responses and errors private, so no shared cache keeps them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_personal(request, response):
            kept = [
                part
                for name, part in cache_control_directives(response).items()
                if name not in SHARED_ONLY
            ]
            response["Cache-Control"] = ", ".join(kept)
            patch_cache_control(response, private=True)
        return response
