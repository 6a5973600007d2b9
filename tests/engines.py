"""Throwaway PostgreSQL, Redis and nginx servers for the tests.

Each engine starts on a free port on 127.0.0.1 in its own temporary folder,
never touches the packaged service or its default port, and leaves nothing
behind: close() (or leaving the `with` block) stops the process and removes
the folder. Debian's packages provide the binaries: postgresql-15,
redis-server, nginx.

Wrap a command with engines, as `make test` does:

    python tests/engines.py --postgres --redis -- pytest -q

sets DATABASE_URL and TEST_REDIS_URL for the command and stops the engines
afterwards. A missing engine fails the run when CI=true; otherwise it is
skipped with a loud message: without PostgreSQL the command is not run at
all, without Redis it runs without TEST_REDIS_URL (and the Redis tests skip).

    python tests/engines.py --install-missing

installs the Debian packages `make test` needs that are missing, when run as
root with apt-get, and otherwise says what to install.

PG_BIN (a folder), REDIS_SERVER and NGINX (programs) point at other binaries.
Only the standard library is imported up front, so the installer runs before
the virtualenv exists.
"""

import argparse
import glob
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STARTUP_SECONDS = 30


class EngineMissing(Exception):
    """The engine's binaries are not installed."""


class EngineFailed(Exception):
    """The engine did not start; the message ends with its log."""


def in_ci():
    return os.environ.get("CI", "").lower() == "true"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Engine:
    """A server process in its own temporary folder, on a free loopback port.

    start() and stop() may be repeated and keep the port and the folder;
    close() stops it for good and removes the folder.
    """

    name = "engine"
    package = ""
    # The signal that makes the server shut down quickly without saving anything.
    stop_signal = signal.SIGTERM

    def __init__(self):
        self.port = free_port()
        self.folder = None
        self.process = None

    @classmethod
    def missing(cls):
        """Say what to install when the binaries are not there, else return None."""
        raise NotImplementedError

    def command(self):
        raise NotImplementedError

    def prepare(self):
        """Fill a new folder with what the server needs before its first start."""

    def answers(self):
        """Return True once the server accepts requests."""
        with socket.socket() as sock:
            sock.settimeout(1)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    @property
    def log_path(self):
        return self.folder / "server.log"

    def run_as(self):
        """Keyword arguments for subprocess that set the user the server runs as."""
        return {}

    def start(self):
        message = self.missing()
        if message:
            raise EngineMissing(message)
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix=f"hallingdal-{self.name.lower()}-"))
            self.prepare()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.folder,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                **self.run_as(),
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise EngineFailed(f"{self.name} did not start:\n{self.log_path.read_text()}")
            time.sleep(0.05)
        return self

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGCONT)  # a paused server cannot shut down
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=STARTUP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def close(self):
        self.stop()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.close()  # __exit__ is not called when __enter__ fails
            raise

    def __exit__(self, *exc_info):
        self.close()


class PostgresServer(Engine):
    """A new PostgreSQL 15 cluster with fsync off; as root it runs as `postgres`."""

    name = "PostgreSQL"
    package = "postgresql-15"
    stop_signal = signal.SIGINT  # fast shutdown: end sessions, no waiting for clients

    @staticmethod
    def bin_dir():
        if os.environ.get("PG_BIN"):
            return Path(os.environ["PG_BIN"])
        # Debian keeps the server binaries out of PATH; prefer version 15.
        candidates = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: (not p.endswith("/15/bin"), p)
        )
        for candidate in candidates:
            if Path(candidate, "postgres").exists():
                return Path(candidate)
        postgres = shutil.which("postgres")
        return Path(postgres).parent if postgres else Path("/usr/lib/postgresql/15/bin")

    @classmethod
    def missing(cls):
        bin_dir = cls.bin_dir()
        if not (bin_dir / "initdb").exists() or not (bin_dir / "postgres").exists():
            return f"PostgreSQL 15 (initdb, postgres) is not in {bin_dir}: install {cls.package}."
        return None

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/hallingdal"

    def run_as(self):
        # PostgreSQL refuses to run as root.
        if os.geteuid() == 0:
            return {"user": "postgres", "group": "postgres", "extra_groups": []}
        return {}

    def prepare(self):
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        result = subprocess.run(
            [
                str(self.bin_dir() / "initdb"),
                "--pgdata=data",
                "--username=postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            cwd=self.folder,
            capture_output=True,
            text=True,
            **self.run_as(),
        )
        if result.returncode != 0:
            raise EngineFailed(f"initdb failed:\n{result.stdout}{result.stderr}")

    def command(self):
        return [
            str(self.bin_dir() / "postgres"),
            "-D",
            "data",
            "-p",
            str(self.port),
            "-k",
            str(self.folder),
            "-c",
            "listen_addresses=127.0.0.1",
            "-F",
            "-c",
            "full_page_writes=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "max_connections=50",
        ]

    def answers(self):
        import psycopg2

        try:
            psycopg2.connect(
                host="127.0.0.1",
                port=self.port,
                user="postgres",
                dbname="postgres",
                connect_timeout=1,
            ).close()
        except psycopg2.OperationalError:
            return False  # not listening yet, or still starting up
        return True


class RedisServer(Engine):
    """A Redis that keeps nothing on disk, with ways to fail on purpose."""

    name = "Redis"
    package = "redis-server"

    @staticmethod
    def program():
        return os.environ.get("REDIS_SERVER") or shutil.which("redis-server") or ""

    @classmethod
    def missing(cls):
        if not os.access(cls.program(), os.X_OK):
            return f"redis-server is not installed: install {cls.package}."
        return None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self):
        return [
            self.program(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            # Bound to loopback already; protected mode would only refuse our clients.
            "--protected-mode",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--maxmemory-policy",
            "noeviction",
            "--dir",
            str(self.folder),
            "--daemonize",
            "no",
        ]

    def client(self, **options):
        """A redis-py client for this server; options such as socket_timeout pass through."""
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, **options)

    def answers(self):
        import redis

        try:
            with self.client(socket_timeout=1) as client:
                return client.ping()
        except (redis.ConnectionError, redis.TimeoutError):
            return False

    def pause(self):
        """Freeze the server: connections stay open but nothing is answered."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.process.pid, signal.SIGCONT)

    def fill(self):
        """Make every write fail with an out-of-memory error, as a full Redis does."""
        with self.client() as client:
            client.config_set("maxmemory", 1)

    def make_room(self):
        """Undo fill()."""
        with self.client() as client:
            client.config_set("maxmemory", 0)


class NginxServer(Engine):
    """nginx with one server block, everything it writes kept in its own folder.

    `server_config` is the inside of the `server { }` block (the listen line
    is added); `http_config` goes in the `http { }` block before it. A proxy
    cache zone named `test_cache` is always there for proxy_cache. With
    `server_config=None`, `http_config` brings its own server blocks, one of
    them listening on 127.0.0.1 at `port`.
    """

    name = "nginx"
    package = "nginx"

    def __init__(self, server_config, http_config=""):
        super().__init__()
        self.server_config = server_config
        self.http_config = http_config

    @staticmethod
    def program():
        found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
        return os.environ.get("NGINX") or found or ""

    @classmethod
    def missing(cls):
        if not os.access(cls.program(), os.X_OK):
            return f"nginx is not installed: install Debian's {cls.package}."
        return None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def prepare(self):
        # As root nginx's workers run as `nobody` and write temp and cache files here.
        self.folder.chmod(0o755)
        (self.folder / "nginx.conf").write_text(
            f"""
daemon off;
pid nginx.pid;
error_log server.log;
worker_processes 1;
events {{
    worker_connections 256;
}}
http {{
    access_log access.log;
    default_type application/octet-stream;
    client_body_temp_path client_body_temp;
    proxy_temp_path proxy_temp;
    fastcgi_temp_path fastcgi_temp;
    uwsgi_temp_path uwsgi_temp;
    scgi_temp_path scgi_temp;
    proxy_cache_path cache levels=1:2 keys_zone=test_cache:1m;
{self.http_config}
{self.server_block()}
}}
"""
        )

    def server_block(self):
        if self.server_config is None:
            return ""
        return f"""
    server {{
        listen 127.0.0.1:{self.port};
{self.server_config}
    }}"""

    def command(self):
        # -e: the log before the config is read; the packaged default is elsewhere.
        return [self.program(), "-p", f"{self.folder}/", "-c", "nginx.conf", "-e", "server.log"]


def require_engine(engine_class):
    """In a test: skip loudly when the engine is missing; fail on CI, where nothing may skip."""
    import pytest

    message = engine_class.missing()
    if message is None:
        return
    reason = f"{engine_class.name.upper()} TESTS NOT RUN: {message}"
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


def require_package(package):
    """In a test: skip loudly when a program from DEBIAN_PACKAGES is missing; fail on CI."""
    import pytest

    path = DEBIAN_PACKAGES[package]
    if os.access(path, os.X_OK):
        return
    reason = (
        f"NOT RUN: {path} is not installed: install Debian's {package} "
        "(python tests/engines.py --install-missing does, as root)."
    )
    if in_ci():
        pytest.fail(reason)
    pytest.skip(reason)


# What `make test` needs from Debian, by the file each package installs: the
# engines, Chromium for the browser tests, and what tests/test_deploy_guide.py
# and tests/test_deploy_operations.py run docs/deploy.md's blocks with (git to
# clone, openssl for a certificate, systemd-analyze to check the units, wrk).
DEBIAN_PACKAGES = {
    "postgresql-15": "/usr/lib/postgresql/15/bin/postgres",
    "redis-server": "/usr/bin/redis-server",
    "nginx": "/usr/sbin/nginx",
    "chromium": "/usr/bin/chromium",
    "git": "/usr/bin/git",
    "openssl": "/usr/bin/openssl",
    "systemd": "/usr/bin/systemd-analyze",
    "wrk": "/usr/bin/wrk",
}
# Prevents services from starting on install (man invoke-rc.d): the tests start their own.
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")


def missing_packages():
    packages = [name for name, path in DEBIAN_PACKAGES.items() if not Path(path).exists()]
    # Debian splits venv out of Python; `make test` creates its virtualenv with it.
    if importlib.util.find_spec("ensurepip") is None:
        packages.append("python3-venv")
    return packages


def install_missing():
    """Install what is missing with one apt-get call, or say loudly what to install."""
    packages = missing_packages()
    if not packages:
        return 0
    names = " ".join(packages)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        loud(
            f"Missing for the tests: {names}\n"
            f"Install them as root with: apt-get install {names}\n"
            "Until then the tests that need them skip, or fail when CI=true."
        )
        return 0
    print(f"Installing Debian's {names} for the tests", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    added_policy = not POLICY_RC_D.exists()
    if added_policy:
        POLICY_RC_D.write_text("#!/bin/sh\nexit 101\n")
        POLICY_RC_D.chmod(0o755)
    try:
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", *packages],
        ):
            result = subprocess.run(command, env=env, capture_output=True, text=True)
            if result.returncode != 0:
                loud(f"Could not install {names}:\n{result.stdout}{result.stderr}")
                return 0
    finally:
        if added_policy:
            POLICY_RC_D.unlink()
    return 0


def loud(message):
    print(f"\n{'!' * 70}\n{message}\n{'!' * 70}\n", file=sys.stderr)


def run_with_engines(command, *, postgres, redis):
    """Run the command with the engines asked for; return its exit status."""
    env = dict(os.environ)
    engines = []
    if postgres:
        engines.append((PostgresServer(), "DATABASE_URL"))
    if redis:
        engines.append((RedisServer(), "TEST_REDIS_URL"))
    try:
        for engine, variable in engines:
            message = engine.missing()
            if message and in_ci():
                print(f"ERROR: {message}", file=sys.stderr)
                return 1
            if message and isinstance(engine, PostgresServer):
                loud(f"SKIPPING the PostgreSQL run: {message}")
                return 0
            if message:
                loud(f"Running without Redis, so the Redis tests skip: {message}")
                continue
            engine.start()
            env[variable] = engine.url
            print(f"{engine.name} running on 127.0.0.1:{engine.port}", file=sys.stderr)
        return subprocess.run(command, env=env).returncode
    except EngineFailed as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    finally:
        for engine, _ in engines:
            engine.close()


def main(arguments):
    parser = argparse.ArgumentParser(description="Run a command with throwaway engines.")
    parser.add_argument("--postgres", action="store_true", help="set DATABASE_URL")
    parser.add_argument("--redis", action="store_true", help="set TEST_REDIS_URL")
    parser.add_argument(
        "--install-missing", action="store_true", help="install the Debian packages needed"
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command and arguments")
    options = parser.parse_args(arguments)
    if options.install_missing:
        return install_missing()
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("give a command to run after --")
    # A stopped run (CI timeout, kill) still stops the engines and removes their folders.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return run_with_engines(command, postgres=options.postgres, redis=options.redis)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
