"""Debian's nginx as the shared cache in front of two gunicorn servers, configured as
docs/deploy.md says: the configuration is read from the guide itself.

The site runs in production mode with DJANGO_SHARED_CACHE_SECONDS small, on
the run's database engine (a SQLite file, or a database of its own on the
run's PostgreSQL). Each test uses pages of its own, so that what one test
puts in nginx's cache does not decide another's.
"""

import re
import time
from contextlib import ExitStack

import pytest

from tests.deploy_guide import documented_environment
from tests.engines import NginxServer, require_engine
from tests.servers import (
    AppServer,
    browser,
    create_editor,
    documented_nginx_config,
    fetch,
    log_in,
    manage,
    prepare_site,
    production_env,
    site_database,
)

SHARED_SECONDS = 2
EDITOR, PASSWORD = "shared-cache-editor", "a long and unguessable passphrase 7"


def shared_cache_environment():
    """The `shared-cache-seconds` block of docs/deploy.md; SHARED_SECONDS for 60, to wait less."""
    return documented_environment(
        "shared-cache-seconds", DJANGO_SHARED_CACHE_SECONDS=str(SHARED_SECONDS)
    )


class Site:
    def __init__(self, env, app_servers, nginx):
        self.env, self.app_servers, self.nginx = env, app_servers, nginx

    def get(self, path, **headers):
        return fetch(self.nginx.url + path, **headers)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_engine(NginxServer)
    tmp_path = tmp_path_factory.mktemp("shared-cache")
    with ExitStack() as stack:
        env = production_env(
            tmp_path,
            DATABASE_URL=stack.enter_context(site_database(tmp_path)),
            DJANGO_HTTPS="false",
            DJANGO_PROXY_COUNT="1",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            **shared_cache_environment(),
            WEB_CONCURRENCY="2",
        )
        prepare_site(env)
        create_editor(env, EDITOR, PASSWORD)
        app_servers = [
            stack.enter_context(AppServer(env, tmp_path / f"app-{number}.log")) for number in (1, 2)
        ]
        http_config, server_config = documented_nginx_config(
            [f"127.0.0.1:{server.port}" for server in app_servers]
        )
        nginx = stack.enter_context(NginxServer(server_config, http_config))
        yield Site(env, app_servers, nginx)


def cache_status(headers):
    return headers["X-Cache-Status"]


def poll(check, seconds, interval=0.1):
    """Call check() until it returns something true, for at most `seconds`; return that."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


def test_a_repeated_anonymous_page_comes_from_nginx(site):
    status, headers, first = site.get("/en/funding/")
    assert status == 200
    assert cache_status(headers) == "MISS"
    assert f"s-maxage={SHARED_SECONDS}" in headers["Cache-Control"]
    assert "Set-Cookie" not in headers
    status, headers, again = site.get("/en/funding/")
    assert (status, cache_status(headers)) == (200, "HIT")
    assert again == first
    # The cache key has the whole address: another query string is another page.
    assert cache_status(site.get("/en/funding/?page=1")[1]) == "MISS"


def test_an_edit_shows_through_nginx_within_the_shared_seconds(site):
    site.get("/en/")
    assert cache_status(site.get("/en/")[1]) == "HIT"
    changed = manage(
        site.env,
        "shell",
        "-c",
        "from programme.models import Programme; p = Programme.objects.get(); "
        "p.title_en = 'Renamed behind the shared cache'; p.save()",
    )
    assert changed.returncode == 0, changed.stderr
    saved_at = time.monotonic()
    shown = poll(lambda: b"Renamed behind the shared cache" in site.get("/en/")[2], 10)
    waited = time.monotonic() - saved_at
    assert shown, "the edit never showed through nginx"
    # s-maxage, then one request served stale while nginx fetches the new page,
    # plus the second in which a worker reads the database's generation.
    assert waited < SHARED_SECONDS + 2, f"took {waited:.1f} s"


def log_in_through_nginx(site):
    """An editor's browser, logged in to the admin through nginx."""
    editor = browser()
    with editor.open(site.nginx.url + "/admin/login/") as response:
        assert "private" in response.headers["Cache-Control"]
    log_in(editor, site.nginx.url, EDITOR, PASSWORD)
    return editor


def test_a_logged_in_editor_never_gets_a_cached_page(site):
    site.get("/nn/municipalities/")
    assert cache_status(site.get("/nn/municipalities/")[1]) == "HIT"
    browser = log_in_through_nginx(site)
    for _ in range(3):
        with browser.open(site.nginx.url + "/nn/municipalities/") as response:
            assert response.headers["X-Cache-Status"] == "BYPASS"
            assert "private" in response.headers["Cache-Control"]
            assert "s-maxage" not in response.headers["Cache-Control"]
    # Nor did the editor's pages go into the cache for visitors.
    status, headers, _ = site.get("/nn/municipalities/")
    assert cache_status(headers) in ("HIT", "EXPIRED", "STALE", "UPDATING", "REVALIDATED")
    assert "private" not in headers["Cache-Control"]


def test_a_page_nginx_has_answers_if_none_match_with_304(site):
    status, headers, _ = site.get("/nb/documents/")
    etag = headers["ETag"]
    assert status == 200 and etag
    status, headers, body = site.get("/nb/documents/", **{"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert headers["ETag"] == etag
    assert site.get("/nb/documents/", **{"If-None-Match": '"something-else"'})[0] == 200


def test_with_both_app_servers_stopped_nginx_serves_the_last_pages(site):
    pages = {}
    for path in ("/nb/", "/nb/funding/"):
        site.get(path)
        status, headers, body = site.get(path)
        assert cache_status(headers) == "HIT"
        pages[path] = body
    for server in site.app_servers:
        server.stop()
    try:
        for path, body in pages.items():
            # Fresh for SHARED_SECONDS still; then nginx tries the app, fails, and
            # serves what it has.
            answer = poll(
                lambda path=path: (got := site.get(path))[1]["X-Cache-Status"] == "STALE" and got,
                SHARED_SECONDS + 5,
            )
            assert answer, f"{path} was never served stale"
            status, _, stale_body = answer
            assert (status, stale_body) == (200, body)
        # A page nginx never had cannot be made up.
        assert site.get("/nb/municipalities/")[0] == 502
    finally:
        for server in site.app_servers:
            server.start()
        # nginx rests an upstream that failed for its fail_timeout (10 s) before
        # trying it again: leave the site answering, for the tests after this one.
        assert poll(lambda: site.get("/nn/privacy/")[0] == 200, 15)


def test_every_download_goes_through_to_the_app(site):
    """A document file says no-cache: nginx never answers it alone; each is checked, counted."""
    home = site.get("/nn/")[2]
    download = re.search(rb'href="(/nn/documents/[\w-]+/download/)"', home).group(1).decode()
    for _ in range(2):
        status, headers, body = site.get(download)
        assert status == 200 and body
        assert "no-cache" in headers["Cache-Control"]
        assert cache_status(headers) != "HIT"
