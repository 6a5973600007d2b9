"""Two production-mode gunicorn servers on one PostgreSQL database and one Redis,
as docs/deploy.md section 6 runs several app servers: they stay in step.

test_cache_resilience.py shows a change made outside the servers reaching
two servers without Redis; here the edit is made through one server's admin
and the other must show it at its very next request.
"""

import re
import threading
from contextlib import ExitStack
from urllib.parse import urlsplit

import psycopg2
import pytest

from tests.deploy_guide import block, documented_environment, variables
from tests.engines import PostgresServer, RedisServer, require_engine
from tests.servers import (
    AppServer,
    browser,
    create_editor,
    fetch,
    log_in,
    post_form,
    prepare_site,
    production_env,
)

pytestmark = pytest.mark.postgres

EDITOR, PASSWORD = "two-servers-editor", "a long and unguessable passphrase 7"
THREADS_PER_SERVER = 20


def redis_environment(redis):
    """The `redis` block of docs/deploy.md, with the test's Redis for its cache.internal:6379."""
    documented = urlsplit(variables(block("redis")).get("REDIS_URL", ""))
    # Only the address: the scheme and the database number stay as the guide has them.
    address = documented._replace(netloc=urlsplit(redis.url).netloc).geturl()
    return documented_environment("redis", REDIS_URL=address)


class Site:
    def __init__(self, postgres, servers):
        self.postgres, self.servers = postgres, servers

    def downloads(self):
        """Every download counted so far, read from the database itself."""
        with psycopg2.connect(self.postgres.url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT sum(download_count) FROM documents_documentversion")
            return cursor.fetchone()[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require_engine(PostgresServer)
    require_engine(RedisServer)
    tmp_path = tmp_path_factory.mktemp("two-servers")
    with ExitStack() as stack:
        postgres = stack.enter_context(PostgresServer())
        redis = stack.enter_context(RedisServer())
        connection = psycopg2.connect(postgres.url.rsplit("/", 1)[0] + "/postgres")
        connection.autocommit = True  # CREATE DATABASE runs outside a transaction
        connection.cursor().execute("CREATE DATABASE hallingdal")
        connection.close()
        env = production_env(
            tmp_path,
            DATABASE_URL=postgres.url,
            **redis_environment(redis),
            DJANGO_HTTPS="false",
            DJANGO_PROXY_COUNT="0",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            WEB_CONCURRENCY="2",
        )
        prepare_site(env)
        create_editor(env, EDITOR, PASSWORD)
        servers = [
            stack.enter_context(AppServer(env, tmp_path / f"app-{number}.log")) for number in (1, 2)
        ]
        yield Site(postgres, servers)


def test_each_server_reports_the_database_and_the_cache(site):
    for server in site.servers:
        status, headers, body = fetch(server.url("/healthz"))
        assert status == 200
        assert body == b'{"status": "ok", "database": "up", "cache": "up"}'
        assert "no-store" in headers["Cache-Control"]


def test_a_login_on_one_server_is_valid_on_the_other(site):
    first, second = site.servers
    editor = browser()
    log_in(editor, first.url(), EDITOR, PASSWORD)
    with editor.open(second.url("/admin/")) as response:
        assert response.url == second.url("/admin/"), "sent to the login page"
        assert EDITOR.encode() in response.read()
    # Without the cookie the second server does send a visitor to log in.
    with browser().open(second.url("/admin/")) as response:
        assert "/admin/login/" in response.url


def test_an_edit_through_one_server_shows_on_the_other_at_the_next_request(site):
    first, second = site.servers
    editor = browser()
    log_in(editor, first.url(), EDITOR, PASSWORD)
    with editor.open(first.url("/admin/programme/municipality/")) as response:
        change_path = re.search(
            rb'href="(/admin/programme/municipality/\d+/change/)', response.read()
        ).group(1)
    page = "/en/municipalities/"
    fetch(second.url(page))
    status, headers, before = fetch(second.url(page))
    assert headers["X-Page-Cache"] == "hit"

    change_url = first.url(change_path.decode())
    with editor.open(change_url) as response:
        form = response.read()
    with post_form(
        editor, change_url, form, {"name": "Renamed on the first server", "_save": "Save"}
    ) as response:
        assert response.url.endswith("/admin/programme/municipality/"), "the save failed"

    status, headers, after = fetch(second.url(page))
    assert status == 200
    assert b"Renamed on the first server" in after, "the second server served a stale page"
    assert b"Renamed on the first server" not in before


def test_concurrent_downloads_through_both_servers_are_counted_exactly(site):
    status, _, home = fetch(site.servers[0].url("/nn/"))
    download_path = re.search(rb'href="(/nn/documents/[\w-]+/download/)"', home).group(1).decode()
    before = site.downloads()
    answers = []

    def download(server):
        status, _, body = fetch(server.url(download_path))
        answers.append((status, len(body) > 0))

    threads = [
        threading.Thread(target=download, args=(server,))
        for server in site.servers
        for _ in range(THREADS_PER_SERVER)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    total = THREADS_PER_SERVER * len(site.servers)
    assert answers == [(200, True)] * total
    assert site.downloads() - before == total
