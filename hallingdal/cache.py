"""Whole public pages from the cache for anonymous visitors, never stale.

Every cached page is stored under the current *generation*, a token that
changes whenever content changes (`pages_changed()`). A new generation makes
every page stored under the old one unreachable at once, so there is nothing
to find and delete, and a page is never served from before the last change.

The generation has two homes:

- The database holds the truth: `PageGeneration.number` goes up by one in the
  same transaction as every change, whichever process makes it (a gunicorn
  worker, a management command, a shell, another server).
- A fast copy is read on every request. With Redis (REDIS_URL) it is a key
  there, shared by every worker on every server, so a change shows at once
  everywhere. With the local-memory cache it is kept in the worker itself;
  a change made in the worker shows at once, one made elsewhere within
  `CHECK_SECONDS`, when the worker next reads the number from the
  database.

Each process compares its fast copy with the database every second, so a
change whose copy could not be written (Redis down or full at the time) is
made good as soon as Redis answers again.

Scheduled changes: the database also holds when what visitors see next
changes by itself (a publish_at or unpublish_at passing, a draft due to go
live; hallingdal/publishing.py), and tokens carry it. No page is kept past
that moment, and once it has come no page is served from the cache until
the change is counted (ScheduledChangesMiddleware publishes due drafts and
starts a new generation). When no usable generation can be
had (Redis down, or full so that it cannot store one), pages are served
uncached: slower, never stale. The Redis backend itself fails open
(hallingdal/cache_backends.py), so a broken cache never breaks a page.

What changes content: any save or deletion of a row of the content apps
(programme, documents), through the admin, a service, a management command
or the shell. Django's post_save, post_delete and m2m_changed signals reach
all of them, including models added later, so nobody has to remember to
invalidate; `connect_content_signals()` (called by the site app's ready())
connects them. Writes that send no signals (QuerySet.update(), bulk_create(),
raw SQL) call `pages_changed()` themselves; counting a download is such a
write and rightly leaves the cache alone, since no page shows the count.

What is cached: GET responses with status 200 (and permanent redirects of
addresses without a query string) to visitors carrying no session, CSRF or
messages cookie, unless the response streams (downloads), sets a cookie,
says `Cache-Control: private/no-cache/no-store` (the admin, /healthz),
embeds a CSRF token or a CSP nonce, varies on something the cache
key does not cover, or is heavier than the cache allows one entry to be. The
key covers scheme, host, path, the language the request resolves to, and
only the query parameters public pages read (`QUERY_PARAMETERS`): addresses
that differ in anything else (`?utm_source=...`) share one entry, so unique
query strings cannot fill the cache. A view that reads another parameter
still works; its pages are just not cached (and a warning says so).

The pages kept here are the ones a shared cache in front may keep too, when
DJANGO_SHARED_CACHE_SECONDS allows it (hallingdal/http_cache.py).
"""

import datetime
import hashlib
import itertools
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import QueryDict
from django.utils import timezone
from django.utils.cache import cc_delim_re, set_response_etag
from django.utils.translation import get_language_from_request

from .http_cache import shared_cache_control
from .models import PageGeneration

logger = logging.getLogger(__name__)

# The apps whose rows public pages show.
CONTENT_APPS = ("programme", "documents")
# The only query parameters public pages read: page numbers, search words and
# the sitemap's own page number.
QUERY_PARAMETERS = ("page", "q", "p")
GENERATION_KEY = "page-cache:generation"
# Entries never go stale (a change makes them unreachable); the timeout only
# returns memory from pages nobody asks for.
PAGE_TIMEOUT = 60 * 60 * 24
# How often a worker reads the generation from the database: what a change
# made elsewhere takes to show without Redis, or when Redis missed it.
CHECK_SECONDS = 1
# A page may vary on these: the key covers the language, and requests with
# cookies that matter bypass the cache.
HARMLESS_VARY = {"cookie", "accept-language"}
UNCACHEABLE_CACHE_CONTROL = {"private", "no-cache", "no-store"}
GENERATION_ROW = 1

_tokens = itertools.count()


def bypass_cookies():
    return {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages"}


def uses_local_memory():
    return isinstance(caches["default"], LocMemCache)


# --- The generation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """What the database holds: the number of changes, and when the next scheduled one is."""

    number: int
    next_change_at: datetime.datetime | None


def stored_generation():
    row = (
        PageGeneration.objects.filter(pk=GENERATION_ROW)
        .values_list("number", "next_change_at")
        .first()
    )
    return Stored(*row) if row else Stored(0, None)


def count_change():
    """Count a change in the current transaction and note the next scheduled one."""
    from .publishing import next_scheduled_change

    if not PageGeneration.objects.filter(pk=GENERATION_ROW).update(number=F("number") + 1):
        try:
            with transaction.atomic():
                PageGeneration.objects.create(pk=GENERATION_ROW, number=1)
        except IntegrityError:
            # Another process made the row a moment ago.
            PageGeneration.objects.filter(pk=GENERATION_ROW).update(number=F("number") + 1)
    PageGeneration.objects.filter(pk=GENERATION_ROW).update(next_change_at=next_scheduled_change())
    return stored_generation()


def new_token(stored):
    """A generation token: the stored number, the next scheduled change (a Unix time, 0 for
    none), and a part never used before in this process."""
    next_change = int(stored.next_change_at.timestamp()) if stored.next_change_at else 0
    return f"{stored.number}.{next_change}.{time.time_ns()}.{next(_tokens)}"


def number_of(token):
    return int(str(token).split(".", 1)[0])


def seconds_to_next_change(token):
    """Seconds until the token's next scheduled change: None if none, 0 or less if due."""
    next_change = int(str(token).split(".")[1])
    if not next_change:
        return None
    return next_change - timezone.now().timestamp()


class Generation:
    """This process's copy of the generation (see the module docstring)."""

    def __init__(self):
        self.reset()

    def reset(self):
        """Forget the copy; the next request reads the database (tests use this)."""
        self.stored = None
        self.local_token = None
        self.checked_at = float("-inf")

    def refresh(self):
        """Read the database again if the copy is older than CHECK_SECONDS."""
        now = time.monotonic()
        if self.stored is None or now - self.checked_at >= CHECK_SECONDS:
            self.checked_at = now
            try:
                self.stored = stored_generation()
            except DatabaseError:
                # No database, no page either; the view will say so.
                pass
        return self.stored

    def is_due(self):
        """Has the next scheduled change come (as far as this process knows)?"""
        stored = self.refresh()
        return bool(stored and stored.next_change_at and stored.next_change_at <= timezone.now())

    def current(self):
        """The token pages are stored under now, or None to serve without the cache."""
        stored = self.refresh()
        if stored is None or self.is_due():
            return None
        if uses_local_memory():
            if self.local_token is None or number_of(self.local_token) != stored.number:
                self.local_token = new_token(stored)
            return self.local_token
        if getattr(cache, "is_resting", bool)():
            # The cache failed a moment ago and is being left alone.
            return None
        token = cache.get(GENERATION_KEY)
        if token is None:
            cache.add(GENERATION_KEY, new_token(stored), timeout=None)
            # Whoever added it first wins; None if the cache cannot store it.
            return cache.get(GENERATION_KEY)
        if number_of(token) < stored.number:
            # A change whose copy was lost while the cache was down or full.
            token = self.replace(stored)
        return token

    def replace(self, stored):
        """Start a new generation for `stored`; None if the cache cannot keep it."""
        self.stored = stored
        self.checked_at = time.monotonic()
        token = new_token(stored)
        if uses_local_memory():
            self.local_token = token
            return token
        if cache.set(GENERATION_KEY, token, timeout=None) is False:
            # A full Redis refuses writes but still serves the old generation's
            # pages; without its key, every process serves uncached instead.
            cache.delete(GENERATION_KEY)
            return None
        return token


generation = Generation()


def current_generation():
    return generation.current()


def pages_changed():
    """Make every cached page unreachable; call after changing content.

    The change is counted in the database in the current transaction, and the
    fast copy changes at once and again when the transaction commits: a page
    rendered in between may have read the rows from before the commit, and
    the second change makes what it stored unreachable too.
    """
    stored = count_change()
    generation.replace(stored)
    transaction.on_commit(lambda: generation.replace(stored))


# --- The cache key --------------------------------------------------------------------------


class ReadTrackingQueryDict(QueryDict):
    """request.GET that remembers which parameters the view read ("*": all of them)."""

    def __init__(self, *args, **kwargs):
        self.names_read = set()
        super().__init__(*args, **kwargs)
        # Filling the dict reads it; only what the view reads counts.
        self.names_read = set()

    def _read(self, name):
        self.names_read.add(name)

    def __getitem__(self, key):
        self._read(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._read(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._read(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._read(key)
        return super().getlist(key, default)

    def __iter__(self):
        self._read("*")
        return super().__iter__()

    def __len__(self):
        self._read("*")
        return super().__len__()

    def keys(self):
        self._read("*")
        return super().keys()

    def items(self):
        self._read("*")
        return super().items()

    def lists(self):
        self._read("*")
        return super().lists()

    def values(self):
        self._read("*")
        return super().values()

    def dict(self):
        self._read("*")
        return super().dict()

    def urlencode(self, safe=None):
        self._read("*")
        return super().urlencode(safe)

    def copy(self):
        self._read("*")
        return super().copy()


def page_query_string(query_dict):
    """The parameters of QUERY_PARAMETERS in a fixed order, as a query string."""
    pairs = [
        (name, value) for name in QUERY_PARAMETERS for value in QueryDict.getlist(query_dict, name)
    ]
    return urlencode(pairs)


def page_key(request):
    language = get_language_from_request(request, check_path=True)
    query = page_query_string(request.GET)
    address = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
    digest = hashlib.sha256(f"{language} {address}".encode()).hexdigest()
    return f"page-cache:page:{digest}"


def is_bypassed(request):
    return request.method not in ("GET", "HEAD") or any(
        name in request.COOKIES for name in bypass_cookies()
    )


def is_cacheable(request, response):
    if request.method != "GET" or response.streaming:
        return False
    # A permanent redirect (an old address, a missing slash) is a page like
    # any other, but its Location repeats the query string, which the key
    # covers only in part: only redirects of addresses without one are kept.
    is_plain_redirect = response.status_code == 301 and not request.META.get("QUERY_STRING")
    if response.status_code != 200 and not is_plain_redirect:
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
    if not vary <= HARMLESS_VARY:
        return False
    unknown = getattr(request.GET, "names_read", set()) - set(QUERY_PARAMETERS)
    if unknown:
        logger.warning(
            "Not caching %s: the view read the query parameters %s, which the cache key "
            "does not cover (add them to QUERY_PARAMETERS in hallingdal/cache.py)",
            request.path,
            ", ".join(sorted(unknown)),
        )
        return False
    return True


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
        token = current_generation()
        if token is None:
            return self.get_response(request)
        key = page_key(request)
        response = cache.get(key, version=token)
        if response is not None:
            response["X-Page-Cache"] = "hit"
            shared_cache_control(response, seconds_to_next_change(token))
            return response
        request.GET = ReadTrackingQueryDict(
            request.META.get("QUERY_STRING", ""), encoding=request.encoding
        )
        response = self.get_response(request)
        if is_cacheable(request, response):
            # Hash the body once, into the entry: a hit then carries its ETag, and
            # ConditionalGetMiddleware above keeps it instead of hashing every hit.
            set_response_etag(response)
        if (
            is_cacheable(request, response)
            and cache.set(key, response, PAGE_TIMEOUT, version=token) is not False
        ):
            response["X-Page-Cache"] = "miss"
            # After storing: the setting is read on every response, not kept in the entry.
            shared_cache_control(response, seconds_to_next_change(token))
        return response


# --- What changes content -------------------------------------------------------------------


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
