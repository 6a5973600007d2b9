"""/healthz for load balancers and monitoring: does the database answer, and the cache?

200 while the database answers: the site works, with or without its cache.
A cache that is down, hanging or full only slows pages down, so it makes the
status "degraded" (and says what is wrong) but never takes a server out of
the load balancer. 503 when the database does not answer.
"""

import logging

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .cache_backends import CacheUnavailable

logger = logging.getLogger(__name__)


def database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database does not answer")
        return "down"
    return "up"


def cache_state():
    """ "up" or what is wrong with a shared cache ("down", "slow", "full"); "local" without one."""
    ping = getattr(cache, "ping", None)
    if ping is None:
        return "local"
    try:
        ping()
    except CacheUnavailable as unavailable:
        logger.warning("Health check: the cache is %s", unavailable)
        return str(unavailable)
    return "up"


@never_cache
def healthz(request):
    database, shared_cache = database_state(), cache_state()
    if database != "up":
        status, code = "unavailable", 503
    elif shared_cache not in ("up", "local"):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return JsonResponse(
        {"status": status, "database": database, "cache": shared_cache}, status=code
    )
