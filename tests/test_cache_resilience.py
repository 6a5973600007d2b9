"""The cache helps when it can and never hurts: Redis down, hanging or full.

Against a real Redis server that the tests stop, pause and fill, every page
still answers (uncached), /healthz says what is wrong, saving in the admin
works, no page is ever stale, and the cache is used again once Redis is back.
"""

import json

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client

from hallingdal import cache as page_cache
from hallingdal.cache_backends import FailOpenRedisCache
from tests.test_cache import admin_change

CACHE_HEADER = "X-Page-Cache"


@pytest.fixture
def redis_cache(private_redis, settings):
    """The site's cache pointed at a Redis of the test's own, as REDIS_URL does."""
    settings.CACHES = {
        "default": {
            "BACKEND": "hallingdal.cache_backends.FailOpenRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {
                "socket_timeout": 0.2,
                "socket_connect_timeout": 0.2,
                "RETRY_AFTER": 0.5,
            },
        }
    }
    page_cache.generation.reset()
    backend = caches["default"]
    assert isinstance(backend, FailOpenRedisCache)
    yield backend
    page_cache.generation.reset()


def state(response):
    return response.headers.get(CACHE_HEADER)


def rest_over(backend, monkeypatch):
    """Move the clock past the backend's resting time, as waiting would."""
    later = page_cache.time.monotonic() + backend.retry_after + 0.01
    monkeypatch.setattr("hallingdal.cache_backends.time.monotonic", lambda: later)


def health(client):
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


def test_pages_come_from_redis_when_it_answers(client, hallingdal, redis_cache):
    assert state(client.get("/nn/")) == "miss"
    assert state(client.get("/nn/")) == "hit"
    assert health(client) == (200, {"status": "ok", "database": "up", "cache": "up"})


def test_redis_down_pages_answer_uncached_and_health_says_so(
    client, hallingdal, redis_cache, private_redis, monkeypatch
):
    client.get("/nn/")
    private_redis.stop()
    for path in ("/nn/", "/en/funding/", "/nb/documents/", "/nn/search/?q=fase"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert state(response) is None, path
    assert health(client) == (200, {"status": "degraded", "database": "up", "cache": "down"})

    private_redis.start()
    rest_over(redis_cache, monkeypatch)
    client.get("/nn/")
    assert state(client.get("/nn/")) == "hit", "the cache is used again once Redis is back"


def test_a_hanging_redis_cannot_hang_the_site(client, hallingdal, redis_cache, private_redis):
    client.get("/nn/")
    private_redis.pause()
    try:
        for _ in range(5):
            response = client.get("/nn/")
            assert response.status_code == 200
        status, body = health(client)
        assert status == 200 and body["cache"] in ("slow", "down")
    finally:
        private_redis.resume()


def test_a_full_redis_serves_pages_uncached_and_never_stale(
    client, hallingdal, redis_cache, private_redis, monkeypatch
):
    client.get("/en/")
    assert state(client.get("/en/")) == "hit"
    private_redis.fill()
    try:
        hallingdal.title_en = "A title changed while the cache was full"
        hallingdal.save()
        # A full Redis still answers reads: past the backend's resting time it
        # would serve the old page, were the generation not taken away.
        rest_over(redis_cache, monkeypatch)
        for _ in range(2):
            response = client.get("/en/")
            assert response.status_code == 200
            assert "A title changed while the cache was full" in response.content.decode()
            assert state(response) is None
        assert health(client)[1]["cache"] == "full"
    finally:
        private_redis.make_room()


def test_saving_in_the_admin_works_while_redis_is_down(hallingdal, redis_cache, private_redis):
    editor = User.objects.create_superuser("redis-down", "editor@example.invalid", None)
    staff = Client()
    staff.force_login(editor)
    visitor = Client()
    municipality = hallingdal.municipalities.order_by("number").first()
    visitor.get(municipality.get_absolute_url())
    private_redis.stop()

    admin_change(staff, municipality, {"description_en": "Saved while the cache was down."})

    page = visitor.get("/en" + municipality.get_absolute_url()[3:]).content.decode()
    assert "Saved while the cache was down." in page


def test_a_change_made_where_redis_was_out_of_reach_shows_within_seconds(
    client, hallingdal, redis_cache, private_redis, settings, monkeypatch
):
    client.get("/en/")
    assert state(client.get("/en/")) == "hit"
    # A management command on a host that cannot reach Redis saves a change:
    # it is counted in the database, but the generation in Redis stays as it was.
    reachable = settings.CACHES
    known = page_cache.generation.stored
    settings.CACHES = {
        "default": {**reachable["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }
    hallingdal.title_en = "Changed where Redis was out of reach"
    hallingdal.save()
    settings.CACHES = reachable
    # This process stands for the web server, which knows nothing of the save.
    page_cache.generation.stored = known
    page_cache.generation.checked_at = page_cache.time.monotonic()
    assert state(client.get("/en/")) == "hit", "until the next check against the database"
    later = page_cache.time.monotonic() + page_cache.CHECK_SECONDS
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: later)
    assert "Changed where Redis was out of reach" in client.get("/en/").content.decode()


def test_a_change_from_a_separate_process_reaches_every_worker(tmp_path):
    """Two gunicorn servers, each one worker with its own memory, share one
    database; a command run with another temporary folder (as under systemd's
    PrivateTmp) changes a text; both servers show it within a second or two."""
    import time
    from contextlib import ExitStack

    from tests.servers import AppServer, fetch, manage, prepare_site, production_env

    env = production_env(
        tmp_path,
        DJANGO_HTTPS="false",
        DJANGO_PROXY_COUNT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        WEB_CONCURRENCY="1",
    )
    prepare_site(env)
    with ExitStack() as servers:
        pages = [
            servers.enter_context(AppServer(env, tmp_path / f"server-{number}.log")).url("/en/")
            for number in (1, 2)
        ]
        for page in pages:
            fetch(page)
            assert fetch(page)[1]["X-Page-Cache"] == "hit"

        private_tmp = tmp_path / "private-tmp"
        private_tmp.mkdir()
        changed = manage(
            {**env, "TMPDIR": str(private_tmp)},
            "shell",
            "-c",
            "from programme.models import Programme; p = Programme.objects.get(); "
            "p.title_en = 'Renamed from a shell'; p.save()",
        )
        assert changed.returncode == 0, changed.stderr
        fresh = set()
        deadline = time.monotonic() + 10
        while len(fresh) < len(pages) and time.monotonic() < deadline:
            fresh |= {page for page in pages if b"Renamed from a shell" in fetch(page)[2]}
            time.sleep(0.1)
        assert fresh == set(pages)
