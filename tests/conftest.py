import os

import pytest
from django.core.management import call_command

from tests.engines import NginxServer, PostgresServer, RedisServer, require_engine


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Keep uploaded files of each test in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def hallingdal(db):
    """The real Hallingdal content, as a fresh install has it."""
    call_command("load_hallingdal", stdout=open("/dev/null", "w"))
    from programme.models import Programme

    return Programme.objects.get(slug="framtidstru-og-vekst-i-hallingdal")


@pytest.fixture
def english():
    """Run with English active, for tests that match message texts."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_page_cache(monkeypatch):
    """Each test starts with an empty cache and reads the generation anew.

    The local-memory cache and the worker's copy of the generation live as
    long as the process; a test's database does not. A worker reads the
    generation from the database once a second; so that query counts do not
    depend on how fast a test runs, tests read it only when they ask to (by
    moving the clock past CHECK_SECONDS, as tests of the cache do).
    """
    from django.core.cache import cache

    from hallingdal import cache as page_cache

    cache.clear()
    page_cache.generation.reset()
    monkeypatch.setattr(page_cache, "CHECK_SECONDS", 24 * 60 * 60)
    yield
    page_cache.generation.reset()


@pytest.fixture
def clock(monkeypatch):
    """Move the time the site sees (querysets, the cache, scheduling), without sleeping."""
    import datetime

    from django.utils import timezone

    from hallingdal import cache as page_cache

    class Clock:
        now = timezone.now()

        def move(self, **delta):
            self.now += datetime.timedelta(**delta)
            # The worker reads the database again, as it would once a second.
            page_cache.generation.checked_at = float("-inf")

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture(scope="session")
def redis_url():
    """The run's Redis (TEST_REDIS_URL, as `make test` sets it), else one for this session.

    Shared by every test that asks for it: use keys of your own.
    """
    if os.environ.get("TEST_REDIS_URL"):
        yield os.environ["TEST_REDIS_URL"]
        return
    require_engine(RedisServer)
    with RedisServer() as server:
        yield server.url


@pytest.fixture
def private_redis():
    """A Redis of this test's own, to stop, start, pause, resume, fill and make room in."""
    require_engine(RedisServer)
    with RedisServer() as server:
        yield server


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster of this test's own."""
    require_engine(PostgresServer)
    with PostgresServer() as server:
        yield server


@pytest.fixture
def nginx_server():
    """Start nginx: nginx_server(server_config, http_config="") returns the NginxServer.

    The texts go inside the `server { }` and `http { }` blocks (see NginxServer);
    every nginx started is stopped and removed after the test.
    """
    require_engine(NginxServer)
    servers = []

    def start(server_config, http_config=""):
        server = NginxServer(server_config, http_config)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.close()
