"""Cache backends that keep the site up when the cache is not.

`FailOpenRedisCache` is Django's Redis cache that treats a Redis that is down,
hanging (short socket timeouts) or full like an empty cache: reads miss,
writes are dropped, and a warning is logged. After a failure it leaves Redis
alone for a few seconds, so a hanging Redis costs one timeout per process
every few seconds rather than one per request, and it is used again by
itself once Redis answers. Every user of the cache (the page cache, picture
sizes) gets this without handling errors itself. `/healthz` asks Redis
directly (`ping()`), so it can say what is wrong.

`BoundedLocMemCache` is Django's local-memory cache with a limit on bytes as
well as entries: each worker's page cache stays within a known size however
many different pages are asked for, and no single entry may take more than
its share.
"""

import logging
import pickle
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Seconds to leave Redis alone after it failed; OPTIONS["RETRY_AFTER"] changes it.
DEFAULT_RETRY_AFTER = 5


class CacheUnavailable(Exception):
    """Raised by `ping()` with a short reason: "down", "full" or "slow"."""


def failure_kind(error):
    text = str(error)
    if "OOM" in text or "maxmemory" in text:
        return "full"
    if isinstance(error, TimeoutError) or "Timeout" in type(error).__name__:
        return "slow"
    return "down"


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after = options.pop("RETRY_AFTER", DEFAULT_RETRY_AFTER)
        super().__init__(server, {**params, "OPTIONS": options})
        self._resting_until = 0.0
        self.last_failure = None

    def is_resting(self):
        """True for a few seconds after Redis failed: calls return at once, unanswered."""
        return time.monotonic() < self._resting_until

    def _guarded(self, operation, default, *args, **kwargs):
        if self.is_resting():
            return default
        try:
            result = operation(*args, **kwargs)
        except (RedisError, OSError) as error:
            kind = failure_kind(error)
            if self.last_failure != kind:
                logger.warning(
                    "The cache does not answer (%s: %s); serving without it for now", kind, error
                )
            self.last_failure = kind
            if kind != "full":
                # A full Redis answers at once (and still serves reads and
                # deletes); one that is down or hanging is left alone a while.
                self._resting_until = time.monotonic() + self.retry_after
            return default
        if self.last_failure is not None:
            logger.info("The cache answers again")
            self.last_failure = None
        return result

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._guarded(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Store the value; unlike Django's backends, return whether that worked."""
        return self._guarded(self._set_and_confirm, False, key, value, timeout, version)

    def _set_and_confirm(self, key, value, timeout, version):
        super().set(key, value, timeout, version)
        return True

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._guarded(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(super().has_key, False, key, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guarded(super().delete_many, None, keys, version)

    def clear(self):
        return self._guarded(super().clear, False)

    def ping(self):
        """Check Redis now, past the resting period; raise CacheUnavailable if it fails.

        A write is tried too, since a full Redis still answers reads.
        """
        try:
            client = self._cache.get_client(write=True)
            client.ping()
            client.set(self.make_key("health-check"), b"1", ex=10)
        except (RedisError, OSError) as error:
            raise CacheUnavailable(failure_kind(error)) from error
        self._resting_until = 0.0
        self.last_failure = None


class BoundedLocMemCache(LocMemCache):
    """LocMemCache with OPTIONS MAX_BYTES (all entries) and MAX_ENTRY_BYTES (one entry).

    Entries are kept pickled (as Django's LocMemCache does), so their size is
    known exactly; the least recently used go first when the total is reached.
    """

    def __init__(self, name, params):
        options = dict(params.get("OPTIONS", {}))
        self.max_bytes = options.pop("MAX_BYTES", 64 * 1024 * 1024)
        self.max_entry_bytes = options.pop("MAX_ENTRY_BYTES", 1024 * 1024)
        super().__init__(name, {**params, "OPTIONS": options})
        # Shared by every instance of this cache name, as LocMemCache's storage is.
        self._sizes = _sizes.setdefault(name, {})

    @property
    def total_bytes(self):
        with self._lock:
            return sum(self._sizes.get(key, 0) for key in self._cache)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        size = len(pickle.dumps(value, self.pickle_protocol))
        if size > self.max_entry_bytes:
            return False
        added = super().add(key, value, timeout, version)
        if added:
            self._account(self.make_and_validate_key(key, version=version), size)
        return added

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        """Store the value unless it is too heavy; return whether it was stored."""
        size = len(pickle.dumps(value, self.pickle_protocol))
        if size > self.max_entry_bytes:
            self.delete(key, version)
            return False
        super().set(key, value, timeout, version)
        self._account(self.make_and_validate_key(key, version=version), size)
        return True

    def _account(self, internal_key, size):
        with self._lock:
            self._sizes[internal_key] = size
            # Sizes of entries the parent class culled or expired do not count.
            total = 0
            for key in list(self._sizes):
                if key in self._cache:
                    total += self._sizes[key]
                else:
                    del self._sizes[key]
            # LocMemCache keeps the most recently used first and culls from the end.
            while total > self.max_bytes and self._cache:
                oldest = next(reversed(self._cache))
                total -= self._sizes.pop(oldest, 0)
                self._delete(oldest)


# Entry sizes per cache name, beside LocMemCache's own per-name storage.
_sizes = {}
