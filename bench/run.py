"""Measure the production-mode site with wrk: `make bench` (see README, "Benchmarks").

Builds a throwaway copy of the site (DEBUG off, a generated secret key,
collectstatic, the Hallingdal content plus generate_bulk_data), serves it
with gunicorn (gunicorn.conf.py, 2 sync workers) and runs wrk against a few
addresses, first with the page cache warm and then with it switched off
(DJANGO_PAGE_CACHE=off). The static CSS file, served by whitenoise from the
same server, is the limit: every row is also given as a share of its
requests per second. Then it times one search, one request at a time
with the page cache off: the generated data includes documents whose
current version has about 200,000 characters of text (--long-texts).
Runs on SQLite, then again on a throwaway PostgreSQL cluster
(tests/engines.py).

    python bench/run.py                 # SQLite, then PostgreSQL
    python bench/run.py --seconds 3     # shorter runs
    python bench/run.py --database current   # only the database in DATABASE_URL
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WRK = shutil.which("wrk") or "/usr/bin/wrk"
CONNECTIONS = 16
THREADS = 2
WORKERS = 2
HOST = "127.0.0.1"
TIMEOUT = "5s"

# The accepted figures, as shares of the static file's requests per second:
# a cached page close to the static file, the uncached home page about 0.05.
WARM_TARGET = 0.9
UNCACHED_HOME_TARGET = 0.05

PROGRAMME_SLUG = "framtidstru-og-vekst-i-hallingdal"
PROJECT_PLAN_SLUG = "prosjektplan-framtidstru-og-vekst-i-hallingdal"
LARGE_DOCUMENT_SLUG = "bulk-one-megabyte"
# Documents with a long text, and a word every one of them contains.
LONG_TEXTS = 300
SEARCH_PATH = "/nn/search/?q=reiseliv"
SEARCH_REQUESTS = 20
SEARCH_SECONDS = 60


@dataclass(frozen=True)
class Target:
    label: str
    path: str
    is_page: bool = True


@dataclass
class Result:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    response_bytes: int
    is_page: bool


def targets(static_root):
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    stylesheet = manifest["paths"]["css/site.css"]
    return [
        Target("home page", "/nn/"),
        Target("programme page", f"/nn/programmes/{PROGRAMME_SLUG}/"),
        Target("funding page", "/nn/funding/"),
        Target("document page", f"/nn/documents/{PROJECT_PLAN_SLUG}/"),
        Target("1 MB download", f"/nn/documents/{LARGE_DOCUMENT_SLUG}/download/", is_page=False),
        Target("static CSS (limit)", f"/static/{stylesheet}", is_page=False),
    ]


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def manage(environment, *arguments):
    subprocess.run(
        [PYTHON, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def create_postgres_database(url):
    """tests/engines.py starts an empty cluster; make the database DATABASE_URL names."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        host=parts.hostname, port=parts.port, user=parts.username, dbname="postgres"
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def build_site(workdir, database_url):
    """A production-mode environment with the content loaded and static files collected."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hallingdal.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(WORKERS),
    }
    environment.pop("REDIS_URL", None)
    if database_url.startswith("postgres"):
        create_postgres_database(database_url)
    started = time.monotonic()
    manage(environment, "migrate", "--noinput")
    manage(environment, "load_hallingdal")
    manage(environment, "generate_bulk_data", "--long-texts", str(LONG_TEXTS))
    manage(environment, "collectstatic", "--noinput")
    print(f"  built the site in {time.monotonic() - started:.0f} s", flush=True)
    return environment


class Server:
    """gunicorn with the production configuration, on a free port, output to a log file."""

    def __init__(self, environment, workdir, page_cache, name=""):
        self.port = free_port()
        cached = "cached" if page_cache else "uncached"
        self.log_path = workdir / f"gunicorn-{cached}{name and '-' + name}.log"
        self.environment = {
            **environment,
            "GUNICORN_BIND": f"{HOST}:{self.port}",
            "DJANGO_PAGE_CACHE": "on" if page_cache else "off",
        }

    def url(self, path):
        return f"http://{HOST}:{self.port}{path}"

    def __enter__(self):
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=self.environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:  # not listening yet, or still starting
                time.sleep(0.2)
        self.__exit__()
        raise SystemExit(f"gunicorn did not start; see {self.log_path}")

    def __exit__(self, *exc_info):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class BehindNginx:
    """nginx with docs/deploy.md's configuration, in front of one gunicorn or two."""

    def __init__(self, *app_servers):
        sys.path.insert(0, str(ROOT))
        from tests.engines import NginxServer
        from tests.servers import documented_nginx_config

        # The guide's upstream lists two app servers; with one, it is both.
        addresses = [f"{HOST}:{server.port}" for server in app_servers]
        http_config, server_config = documented_nginx_config((addresses * 2)[:2])
        self.nginx = NginxServer(server_config, http_config)

    @property
    def log_path(self):
        return self.nginx.log_path

    def url(self, path):
        return self.nginx.url + path

    def __enter__(self):
        self.nginx.__enter__()
        return self

    def __exit__(self, *exc_info):
        self.nginx.__exit__(*exc_info)


def measure_nginx_cache(environment, workdir, site_targets, seconds):
    """The home page and the stylesheet from nginx's cache (DJANGO_SHARED_CACHE_SECONDS=60)."""
    home, stylesheet = site_targets[0], site_targets[-1]
    environment = {**environment, "DJANGO_SHARED_CACHE_SECONDS": "60"}
    with Server(environment, workdir, page_cache=True) as server, BehindNginx(server) as nginx:
        return measure(
            nginx,
            [
                Target("home, nginx cache", home.path),
                Target("CSS, nginx (limit)", stylesheet.path, is_page=False),
            ],
            seconds,
        )


def measure_two_servers(environment, workdir, site_targets, seconds):
    """The home page through nginx balancing two gunicorn servers, nginx's cache off.

    Without DJANGO_SHARED_CACHE_SECONDS the pages are not public, so nginx
    passes every request on; each server answers from its own page cache.
    """
    home, stylesheet = site_targets[0], site_targets[-1]
    with (
        Server(environment, workdir, page_cache=True, name="first") as first,
        Server(environment, workdir, page_cache=True, name="second") as second,
        BehindNginx(first, second) as nginx,
    ):
        return measure(
            nginx,
            [
                Target("home, 2 servers", home.path),
                Target("CSS, nginx (limit)", stylesheet.path, is_page=False),
            ],
            seconds,
        )


def fetch(url, timeout=10):
    """Status and body size of one request, to check the address before measuring it."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, 0


def duration_ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(url, seconds):
    output = subprocess.run(
        # A page slower than the timeout counts as an error (a socket timeout).
        [
            WRK,
            f"-t{THREADS}",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            f"--timeout={TIMEOUT}",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    try:
        return parse_wrk(output)
    except (AttributeError, ValueError):
        raise SystemExit(f"Could not read wrk's output for {url}:\n{output}") from None


def parse_wrk(output):
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": duration_ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)),
        "p99_ms": duration_ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),
        "errors": (int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    }


def measure(server, site_targets, seconds):
    """One Result per target; the limit (last) is measured first and last, and averaged,
    so that load from elsewhere on the machine during the run shifts the ratios less."""
    *pages, limit = site_targets
    runs = {}
    for target in [limit, *pages, limit]:
        url = server.url(target.path)
        status, size = fetch(url)
        if status != 200:
            raise SystemExit(f"{target.label}: {url} answered {status}; see {server.log_path}")
        # Every worker renders (and caches) the page once before the clock starts.
        run_wrk(url, 1)
        runs.setdefault(target, []).append((size, run_wrk(url, seconds)))
    results = []
    for target in [*pages, limit]:
        sizes, figures = zip(*runs[target], strict=True)
        results.append(
            Result(
                target.label,
                requests_per_second=sum(f["requests_per_second"] for f in figures) / len(figures),
                p50_ms=max(f["p50_ms"] for f in figures),
                p99_ms=max(f["p99_ms"] for f in figures),
                errors=sum(f["errors"] for f in figures),
                response_bytes=sizes[0],
                is_page=target.is_page,
            )
        )
    return results


def measure_search(server):
    """(median ms, slowest ms, answers) of up to SEARCH_REQUESTS searches, one at a time.

    Stops early after SEARCH_SECONDS: the code before the search index took
    longer than gunicorn's worker timeout, and such a request gets no answer.
    """
    url = server.url(SEARCH_PATH)
    durations, answers = [], []
    deadline = time.monotonic() + SEARCH_SECONDS
    # The first request warms the worker and is not counted.
    for _ in range(SEARCH_REQUESTS + 1):
        started = time.perf_counter()
        try:
            status, _size = fetch(url, timeout=120)
        except OSError:  # the worker was killed, or gave up
            status = "no answer"
        durations.append((time.perf_counter() - started) * 1000)
        answers.append(str(status))
        if time.monotonic() > deadline:
            break
    if len(durations) > 1:
        durations, answers = durations[1:], answers[1:]
    return statistics.median(durations), max(durations), answers


def print_table(title, results):
    limit = results[-1].requests_per_second
    print(f"\n{title}")
    header = f"{'':22}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'bytes':>10}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    for result in results:
        print(
            f"{result.label:22}{result.requests_per_second:>9.0f}{result.p50_ms:>9.2f}"
            f"{result.p99_ms:>9.2f}{result.errors:>8}{result.response_bytes:>10,}"
            f"{result.requests_per_second / limit:>8.2f}"
        )
    sys.stdout.flush()


def verdicts(cached, uncached):
    """The issue's targets, as lines saying met or MISSED."""
    limit_cached = cached[-1].requests_per_second
    limit_uncached = uncached[-1].requests_per_second
    lines = []
    for result in cached:
        if result.is_page:
            ratio = result.requests_per_second / limit_cached
            met = ratio >= WARM_TARGET
            lines.append((met, f"cache warm, {result.label}: {ratio:.2f} (target {WARM_TARGET})"))
    home = uncached[0]
    ratio = home.requests_per_second / limit_uncached
    lines.append(
        (
            ratio >= UNCACHED_HOME_TARGET,
            f"cache off, {home.label}: {ratio:.2f} (target {UNCACHED_HOME_TARGET})",
        )
    )
    errors = sum(result.errors for result in cached + uncached)
    lines.append((errors == 0, f"errors: {errors} (target 0)"))
    return lines


def bench_database(name, database_url, seconds):
    print(f"\n=== {name} ===", flush=True)
    with tempfile.TemporaryDirectory(prefix="hallingdal-bench-") as directory:
        workdir = Path(directory)
        environment = build_site(workdir, database_url)
        site_targets = targets(workdir / "static")
        tables = {}
        for page_cache in (True, False):
            with Server(environment, workdir, page_cache) as server:
                tables[page_cache] = measure(server, site_targets, seconds)
                if not page_cache:
                    median, slowest, answers = measure_search(server)
            title = "page cache warm" if page_cache else "page cache off (DJANGO_PAGE_CACHE=off)"
            print_table(
                f"{name}, {title}: gunicorn {WORKERS} sync workers, wrk {CONNECTIONS} connections, "
                f"{seconds} s per address; ratio = req/s over the static file's",
                tables[page_cache],
            )
        print_table(
            f"{name}, through nginx's cache as docs/deploy.md configures it, in front of "
            f"the same gunicorn; ratio = req/s over the stylesheet's through nginx",
            measure_nginx_cache(environment, workdir, site_targets, seconds),
        )
        print_table(
            f"{name}, nginx as docs/deploy.md configures it with its cache off, in front of "
            f"two gunicorn servers of {WORKERS} workers on this one machine; ratio = req/s "
            f"over the stylesheet's through nginx",
            measure_two_servers(environment, workdir, site_targets, seconds),
        )
        counted = ", ".join(
            f"{answers.count(answer)} x {answer}" for answer in sorted(set(answers))
        )
        print(
            f"\n{name}, one search ({SEARCH_PATH}, page cache off, {LONG_TEXTS} documents "
            f"with about 200,000 characters of text): median {median:.0f} ms, slowest "
            f"{slowest:.0f} ms over {len(answers)} requests one at a time; answers {counted}"
        )
        print()
        missed = 0
        for met, line in verdicts(tables[True], tables[False]):
            print(f"  {'met   ' if met else 'MISSED'} {line}")
            missed += not met
        return missed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument(
        "--database",
        choices=["all", "sqlite", "current"],
        default="all",
        help="all: SQLite then PostgreSQL; current: only the one in DATABASE_URL",
    )
    options = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is missing: install Debian's wrk package (make bench does as root).")

    if options.database == "current":
        url = os.environ["DATABASE_URL"]
        name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        return 1 if bench_database(name, url, options.seconds) else 0

    with tempfile.TemporaryDirectory(prefix="hallingdal-bench-db-") as directory:
        missed = bench_database("SQLite", f"sqlite:///{directory}/bench.sqlite3", options.seconds)
    if options.database == "all":
        status = subprocess.run(
            [
                PYTHON,
                "tests/engines.py",
                "--postgres",
                "--",
                PYTHON,
                __file__,
                "--database",
                "current",
                "--seconds",
                str(options.seconds),
            ],
            cwd=ROOT,
        ).returncode
        missed += status
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
