"""Production-mode sites and gunicorn servers for the tests, as docs/deploy.md runs them.

Settings are read once per process, so a production-mode site is a set of
environment variables (`production_env`), prepared with manage.py in
subprocesses (`prepare_site`), and served by gunicorn with the project's own
gunicorn.conf.py (`AppServer`), each server on a free loopback port.
"""

import http.cookiejar
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.core.management.utils import get_random_secret_key

from tests.engines import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
STARTUP_SECONDS = 30


def server_environment():
    """This process's environment without the test run's own settings, as a server's shell has it.

    Test tools set variables of their own (DJANGO_ALLOW_ASYNC_UNSAFE, the
    run's DATABASE_URL and TEST_REDIS_URL), which a server never has and
    `check --deploy` rightly refuses.
    """
    own = ("DJANGO_", "DATABASE_", "PYTEST_", "TEST_", "REDIS_")
    return {key: value for key, value in os.environ.items() if not key.startswith(own)}


def production_env(tmp_path, **overrides):
    """The environment production has: DEBUG off, HTTPS behind one proxy, SQLite in tmp_path.

    An override of None removes the variable.
    """
    env = server_environment()
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=get_random_secret_key() + get_random_secret_key(),
        DJANGO_ALLOWED_HOSTS="hallingdal.example.no",
        DJANGO_HTTPS="true",
        DJANGO_PROXY_COUNT="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def prepare_site(env):
    """What every deploy runs: migrate, the Hallingdal content, collectstatic.

    The static files are collected once per test run and shared by every site
    (`env` is pointed at them): they are the same for all, and compressing
    them is most of a site's preparation time.
    """
    for command in (("migrate", "--noinput"), ("load_hallingdal",)):
        result = manage(env, *command)
        assert result.returncode == 0, result.stdout + result.stderr
    env["DJANGO_STATIC_ROOT"] = collected_static(env)


_STATIC = {}


def collected_static(env):
    """The folder of the run's collected static files, collected on first use."""
    if "folder" not in _STATIC:
        _STATIC["temporary"] = tempfile.TemporaryDirectory(prefix="hallingdal-static-")
        folder = str(Path(_STATIC["temporary"].name) / "static")
        result = manage({**env, "DJANGO_STATIC_ROOT": folder}, "collectstatic", "--noinput")
        assert result.returncode == 0, result.stdout + result.stderr
        _STATIC["folder"] = folder
    return _STATIC["folder"]


def fetch(url, **headers):
    """(status, headers, body) of one GET; an HTTP error status is an answer too."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class AppServer:
    """gunicorn with gunicorn.conf.py and `env`, on a free port, its output in `log_path`.

    Leaving the `with` block (or stop()) shuts it down as systemd does.
    """

    def __init__(self, env, log_path):
        self.port = free_port()
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.log_path = Path(log_path)
        self.process = None

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", "gunicorn.conf.py"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                fetch(self.url("/healthz"))
                return self
            except OSError:  # not listening yet, or the worker is still starting
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(
                        f"gunicorn did not start:\n{self.log_path.read_text()}"
                    ) from None
                time.sleep(0.1)

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STARTUP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


@contextmanager
def site_database(tmp_path):
    """A DATABASE_URL for a production-mode site of the test's own, on the run's engine.

    On a PostgreSQL run (DATABASE_URL set to postgres://, as `make test-postgres`
    does) a new database on that server, dropped afterwards; otherwise a SQLite
    file, which several servers can share (the test run's in-memory one cannot).
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'site.sqlite3'}"
        return
    import psycopg2

    name = f"site_{secrets.token_hex(6)}"
    server = urllib.parse.urlsplit(url)
    admin_url = urllib.parse.urlunsplit(server._replace(path="/postgres"))

    def run(sql):
        connection = psycopg2.connect(admin_url)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    run(f"CREATE DATABASE {name}")
    try:
        yield urllib.parse.urlunsplit(server._replace(path=f"/{name}"))
    finally:
        run(f"DROP DATABASE {name} WITH (FORCE)")


def documented_nginx_config(upstream_addresses, cache_folder="hallingdal-cache"):
    """(http_config, server_config) for NginxServer: docs/deploy.md's shared cache, as written.

    The lines between the block's `shared cache` marker comments; only the
    cache folder (relative to nginx's own folder) and the upstream servers'
    addresses change, in the order the guide lists them.
    """
    from tests.deploy_guide import block

    documented_block = block("shared-cache-nginx")

    def between(part):
        match = re.search(
            rf"^\s*# --- shared cache: {part} ---\n(.*?)^\s*# --- end shared cache: {part} ---",
            documented_block,
            re.MULTILINE | re.DOTALL,
        )
        assert match, f"docs/deploy.md has no '# --- shared cache: {part} ---' block"
        return match.group(1)

    http_config = between("http")
    documented = re.findall(r"^\s*server (\S+);", http_config, re.MULTILINE)
    assert len(documented) == len(upstream_addresses), documented
    for old, new in zip(documented, upstream_addresses, strict=True):
        http_config = http_config.replace(f"server {old};", f"server {new};", 1)
    folder = re.search(r"proxy_cache_path (\S+)", http_config).group(1)
    http_config = http_config.replace(folder, cache_folder, 1)
    return http_config, between("server")


def create_editor(env, username, password):
    """A superuser in the site's database, as `createsuperuser` makes the first one."""
    created = manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": password},
        "createsuperuser",
        "--noinput",
        "--username",
        username,
        "--email",
        "editor@example.invalid",
    )
    assert created.returncode == 0, created.stdout + created.stderr


def browser():
    """An opener that keeps cookies as a browser does (per host, whatever the port)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.cookies = jar
    return opener


def post_form(opener, url, page, changes):
    """Submit the POST form on `page` (its HTML) as it stands, with `changes`; the response."""
    from tests.form_data import FormParser

    parser = FormParser()
    parser.feed(page.decode())
    data = {**{name: values for name, values in parser.data.items()}, **changes}
    body = urllib.parse.urlencode(
        [(name, value) for name, values in data.items() for value in _as_list(values)]
    ).encode()
    return opener.open(urllib.request.Request(url, data=body))


def _as_list(values):
    return values if isinstance(values, list) else [values]


def log_in(opener, base_url, username, password):
    """Log in to the admin at base_url with the opener's cookies; returns the admin index page."""
    url = f"{base_url}/admin/login/?next=/admin/"
    with opener.open(url) as response:
        page = response.read()
    with post_form(opener, url, page, {"username": username, "password": password}) as response:
        assert response.url.endswith("/admin/"), "the login did not go through"
        assert any(cookie.name == "sessionid" for cookie in opener.cookies)
        return response.read()
