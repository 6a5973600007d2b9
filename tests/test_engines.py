"""The throwaway engines start, answer, fail on demand and leave nothing behind."""

import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

import psycopg2
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from tests.engines import EngineFailed, PostgresServer, RedisServer, require_engine

ENGINES = Path(__file__).with_name("engines.py")


def processes_in(folder):
    """Return the pids of processes working inside folder, even if it was deleted."""
    pids = []
    for cwd in Path("/proc").glob("[0-9]*/cwd"):
        try:
            target = Path(os.readlink(cwd).removesuffix(" (deleted)"))
        except OSError:
            continue  # gone meanwhile, or not ours to look at
        if target == folder or folder in target.parents:
            pids.append(int(cwd.parent.name))
    return pids


def port_open(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def assert_left_nothing(folder, port):
    assert not folder.exists()
    assert processes_in(folder) == []
    assert not port_open(port)


def test_postgres_answers_and_is_removed(private_postgres):
    connection = psycopg2.connect(private_postgres.url.replace("/hallingdal", "/postgres"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('port'), current_setting('fsync')")
        assert cursor.fetchone() == (str(private_postgres.port), "off")
    connection.close()
    folder, port = private_postgres.folder, private_postgres.port
    assert processes_in(folder)

    private_postgres.close()

    assert_left_nothing(folder, port)


def test_redis_stops_and_starts_again_on_the_same_port(private_redis):
    client = private_redis.client()
    client.set("greeting", "hei")
    port = private_redis.port

    private_redis.stop()
    assert not port_open(port)
    with pytest.raises(redis.ConnectionError):
        private_redis.client(retry=Retry(NoBackoff(), 0)).ping()

    private_redis.start()
    assert private_redis.port == port
    assert client.ping()
    assert client.get("greeting") is None, "nothing is persisted"


def test_a_paused_redis_makes_a_client_time_out(private_redis):
    impatient = private_redis.client(socket_timeout=0.2, retry=Retry(NoBackoff(), 0))
    assert impatient.ping()

    private_redis.pause()
    with pytest.raises(redis.TimeoutError):
        impatient.ping()

    private_redis.resume()
    assert private_redis.client().ping()


def test_a_full_redis_refuses_writes_until_it_has_room(private_redis):
    client = private_redis.client()
    client.set("before", "1")

    private_redis.fill()
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        client.set("after", "1")
    assert client.get("before") == b"1", "reads still work"

    private_redis.make_room()
    assert client.set("after", "1")


def test_redis_is_removed(private_redis):
    folder, port = private_redis.folder, private_redis.port
    private_redis.pause()  # even a hanging Redis is stopped

    private_redis.close()

    assert_left_nothing(folder, port)


def test_the_runs_redis_answers(redis_url):
    assert redis.Redis.from_url(redis_url).ping()


class CountingHandler(BaseHTTPRequestHandler):
    requests = 0

    def do_GET(self):
        type(self).requests += 1
        body = b"from the upstream"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=60")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    CountingHandler.requests = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_nginx_proxies_and_caches_inside_its_folder(nginx_server, upstream):
    nginx = nginx_server(
        f"""
        location / {{
            proxy_pass http://127.0.0.1:{upstream.server_port};
            proxy_cache test_cache;
        }}
        """
    )

    for _ in range(2):
        with urlopen(f"{nginx.url}/page") as response:
            assert response.read() == b"from the upstream"

    assert CountingHandler.requests == 1, "the second answer came from nginx's cache"
    assert [path for path in (nginx.folder / "cache").rglob("*") if path.is_file()]
    folder, port = nginx.folder, nginx.port

    nginx.close()

    assert_left_nothing(folder, port)


def test_nginx_with_a_broken_config_says_why(nginx_server):
    with pytest.raises(EngineFailed, match="unknown directive"):
        nginx_server("no_such_directive on;")


def run_engines(*arguments, **env):
    """Run tests/engines.py with a command that prints what it was given."""
    show = "import os; print(os.environ.get('TEST_REDIS_URL'), os.environ.get('DATABASE_URL'))"
    unset = ("TEST_REDIS_URL", "DATABASE_URL")
    return subprocess.run(
        [sys.executable, str(ENGINES), *arguments, "--", sys.executable, "-c", show],
        env={**{k: v for k, v in os.environ.items() if k not in unset}, **env},
        capture_output=True,
        text=True,
    )


def test_the_wrapper_sets_the_urls_and_stops_the_engines():
    require_engine(PostgresServer)
    require_engine(RedisServer)

    result = run_engines("--postgres", "--redis")

    assert result.returncode == 0, result.stderr
    redis_url, database_url = result.stdout.split()
    assert redis_url.startswith("redis://127.0.0.1:")
    assert database_url.startswith("postgres://postgres@127.0.0.1:")
    for url in (redis_url, database_url):
        assert not port_open(int(url.rsplit(":", 1)[1].split("/")[0]))


def test_without_redis_the_wrapper_runs_the_command_loudly_or_fails_on_ci(tmp_path):
    nowhere = str(tmp_path / "redis-server")

    skipped = run_engines("--redis", REDIS_SERVER=nowhere, CI="")
    failed = run_engines("--redis", REDIS_SERVER=nowhere, CI="true")

    assert skipped.returncode == 0
    assert skipped.stdout.split()[0] == "None"
    assert "Running without Redis" in skipped.stderr
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert "ERROR: redis-server is not installed" in failed.stderr


def test_without_postgres_the_wrapper_skips_the_run_loudly_or_fails_on_ci(tmp_path):
    skipped = run_engines("--postgres", PG_BIN=str(tmp_path), CI="")
    failed = run_engines("--postgres", PG_BIN=str(tmp_path), CI="true")

    assert skipped.returncode == 0
    assert skipped.stdout == "", "the command is not run"
    assert "SKIPPING the PostgreSQL run" in skipped.stderr
    assert failed.returncode == 1
    assert failed.stdout == ""
    assert "ERROR: PostgreSQL 15" in failed.stderr
