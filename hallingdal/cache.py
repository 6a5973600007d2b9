"""Whole public pages from the cache for anonymous visitors, never stale.

Every cached page is stored under the current *generation*, a number that
changes whenever content changes (`pages_changed()`). A new generation makes
every page stored under the old one unreachable at once, so there is nothing
to find and delete, and a page is never served from before the last change.

Where the generation lives decides who sees a change at once:

- With a shared cache (Redis, when REDIS_URL is set) the generation is a key in
  it, seen by every worker on every server.
- With the local-memory cache each gunicorn worker has its own memory, so a
  generation kept there would leave the other workers serving old pages. The
  generation is then the modification time of an empty file in the system's
  temporary folder, which every worker on the machine shares. The file is
  named after MEDIA_ROOT: one per installation of the site, and one per test,
  since each test has its own MEDIA_ROOT. (Several servers, or management
  commands run where the workers' temporary folder is private, need Redis.)

What changes content: any save or deletion of a row of the content apps
(programme, documents), through the admin, a service, a management command
or the shell. Django's post_save, post_delete and m2m_changed signals reach
all of them, including models added later, so nobody has to remember to
invalidate; the receiver only changes the generation. Writes that send no
signals (QuerySet.update(), bulk_create(), raw SQL) call `pages_changed()`
themselves; counting a download is such a write and rightly leaves the
cache alone, since no page shows the count.
What is cached: GET responses with status 200 to visitors carrying no
session, CSRF or messages cookie, unless the response streams (downloads),
sets a cookie, says `Cache-Control: private/no-cache/no-store` (the admin,
/healthz), embeds a CSRF token or a CSP nonce, or varies on something the
cache key does not cover. The key covers scheme, host, full path with query
string, and the language the request resolves to. New views are covered
without doing anything; a view opts out with `never_cache`.
"""

import hashlib
import os
import tempfile
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import MiddlewareNotUsed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.cache import cc_delim_re
from django.utils.translation import get_language_from_request

# The apps whose rows public pages show.
CONTENT_APPS = ("programme", "documents")
GENERATION_KEY = "page-cache:generation"
# Entries never go stale (a change makes them unreachable); the timeout only
# returns memory from pages nobody asks for.
PAGE_TIMEOUT = 60 * 60 * 24
# A page may vary on these: the key covers the language, and requests with
# cookies that matter bypass the cache.
HARMLESS_VARY = {"cookie", "accept-language"}
UNCACHEABLE_CACHE_CONTROL = {"private", "no-cache", "no-store"}


def bypass_cookies():
    return {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages"}


def generation_file():
    site = hashlib.sha256(str(settings.MEDIA_ROOT).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "hallingdal-page-cache" / site


def uses_local_memory():
    return isinstance(caches["default"], LocMemCache)


def current_generation():
    """The generation pages are stored under now."""
    if uses_local_memory():
        try:
            return os.stat(generation_file()).st_mtime_ns
        except FileNotFoundError:
            return new_generation()
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Evicted or never set: start a new one, never one used before.
        generation = time.time_ns()
        if not cache.add(GENERATION_KEY, generation, timeout=None):
            generation = cache.get(GENERATION_KEY, generation)
    return generation


def pages_changed():
    """Make every cached page unreachable; call after changing content.

    It takes effect at once and again when the transaction commits: a page
    rendered in between may have read the rows from before the commit, and
    the second change of generation makes such a page unreachable too.
    """
    new_generation()
    transaction.on_commit(new_generation)


def new_generation():
    """Start a generation never used before: the time in nanoseconds."""
    if not uses_local_memory():
        generation = time.time_ns()
        cache.set(GENERATION_KEY, generation, timeout=None)
        return generation
    path = generation_file()
    try:
        previous = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        previous = 0
        path.parent.mkdir(exist_ok=True)
        path.touch()
    generation = max(time.time_ns(), previous + 1)
    # A file system with coarse timestamps may round down to the old value.
    while True:
        os.utime(path, ns=(generation, generation))
        stored = os.stat(path).st_mtime_ns
        if stored > previous:
            return stored
        generation += 1_000_000_000


def page_key(request):
    language = get_language_from_request(request, check_path=True)
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(f"{language} {address}".encode()).hexdigest()
    return f"page-cache:page:{digest}"


def is_bypassed(request):
    return request.method not in ("GET", "HEAD") or any(
        name in request.COOKIES for name in bypass_cookies()
    )


def is_cacheable(request, response):
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    if response.cookies or request.META.get("CSRF_COOKIE_USED"):
        return False
    # A nonce in a cached page would not match the next response's header.
    if isinstance(getattr(request, "_csp_nonce", None), str):
        return False
    cache_control = {
        directive.split("=")[0].strip().lower()
        for directive in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if cache_control & UNCACHEABLE_CACHE_CONTROL:
        return False
    vary = {field.strip().lower() for field in cc_delim_re.split(response.get("Vary", ""))}
    vary.discard("")
    return vary <= HARMLESS_VARY


class PageCacheMiddleware:
    """Serve anonymous visitors whole pages from the cache (see the module docstring).

    Sits right after WhiteNoise: a hit skips sessions, URL resolving and the
    view, while the security headers, CSP and the request id are still added
    to every response by the middleware above it.
    """

    def __init__(self, get_response):
        if not settings.PAGE_CACHE:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        if is_bypassed(request):
            return self.get_response(request)
        generation = current_generation()
        key = page_key(request)
        response = cache.get(key, version=generation)
        if response is not None:
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if is_cacheable(request, response):
            cache.set(key, response, PAGE_TIMEOUT, version=generation)
            response["X-Page-Cache"] = "miss"
        return response


def content_changed(sender, **kwargs):
    pages_changed()


def connect_content_signals():
    """Start a new generation on every save or deletion of a content app's row."""
    for app_label in CONTENT_APPS:
        for model in apps.get_app_config(app_label).get_models(include_auto_created=True):
            # Connected per model: a receiver for every sender would stop
            # Django's fast deletes of sessions and log rows.
            uid = f"page-cache:{model._meta.label}"
            post_save.connect(content_changed, sender=model, dispatch_uid=uid)
            post_delete.connect(content_changed, sender=model, dispatch_uid=uid)
            m2m_changed.connect(content_changed, sender=model, dispatch_uid=uid)
