"""docs/deploy.md, run as it stands: a site installed, deployed and served the way it says.

The guide's blocks are taken by name (tests/deploy_guide.py) and run with
only the machine's paths, ports and secrets changed. One module-wide
deployment installs the project from a clone of this repository into a
folder laid out like the server's (/srv/hallingdal, /etc/hallingdal,
/var/backups/hallingdal), with its own virtualenv, as sections 2 and 3
say; the tests then use that installation as an operator would.
"""

import http.client
import json
import os
import pty
import re
import select
import shlex
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests import deploy_guide as guide
from tests.engines import NginxServer, free_port, require_engine, require_package
from tests.servers import (
    ROOT,
    STARTUP_SECONDS,
    AppServer,
    fetch,
    manage,
    prepare_site,
    production_env,
    server_environment,
    site_database,
)

HOST = "programmes.example.org"
PASSWORD = "fjellvegen-over-golsfjellet"
TESTS = Path(__file__).resolve().parent


def test_every_block_in_the_guide_is_labelled_and_run_by_a_test():
    names = list(guide.blocks())
    assert len(names) == guide.block_count(), "a block in docs/deploy.md has no label"
    assert len(set(names)) == len(names), "two blocks in docs/deploy.md share a label"
    sources = "\n".join(path.read_text() for path in TESTS.glob("test_*.py"))
    unread = [
        name
        for name in names
        if not re.search(rf'(?:block|documented_environment)\(\s*"{name}"', sources)
    ]
    assert not unread, f"no test runs these blocks of docs/deploy.md: {unread}"


def run_script(script, *, cwd, env=None, stdin="", timeout=300):
    """Run shell lines as `bash -e` would from the guide; the finished process."""
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env if env is not None else server_environment(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        # No terminal: prompts for passwords read them from stdin.
        start_new_session=True,
    )


# --- Section 1: PostgreSQL -------------------------------------------------------------


def test_the_guide_makes_a_role_with_the_password_typed_and_a_database_it_can_migrate(
    private_postgres, tmp_path
):
    import psycopg2

    server = private_postgres
    env = {
        **server_environment(),
        "PGHOST": "127.0.0.1",
        "PGPORT": str(server.port),
        "PGUSER": "postgres",
    }
    # createuser asks for the password twice.
    result = run_script(
        guide.as_test_user(guide.block("postgres-database")),
        cwd=tmp_path,
        env=env,
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.returncode == 0, result.stdout + result.stderr

    # The test cluster trusts every local connection; make it ask for passwords
    # as a real server does, so the one typed above is the one that works.
    (server.folder / "data" / "pg_hba.conf").write_text(
        "host all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
    )
    with psycopg2.connect(host="127.0.0.1", port=server.port, user="postgres") as connection:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_reload_conf()")
            cursor.execute(
                "SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding)"
                " FROM pg_database WHERE datname = 'hallingdal'"
            )
            assert cursor.fetchone() == ("hallingdal", "UTF8")
    connect = {"host": "127.0.0.1", "port": server.port, "user": "hallingdal"}
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(**connect, dbname="hallingdal", password="not-the-password")

    url = f"postgres://hallingdal:{PASSWORD}@127.0.0.1:{server.port}/hallingdal"
    migrated = manage(production_env(tmp_path, DATABASE_URL=url), "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr


# --- Sections 2 and 3: the installation --------------------------------------------------


class Deployment:
    """The site installed under `root` as the guide's sections 2 and 3 say."""

    def __init__(self, root, database_url):
        self.root = Path(root)
        self.app = self.root / "srv/hallingdal/app"
        self.env_file = self.root / "etc/hallingdal/env"
        self.backups = self.root / "var/backups/hallingdal"
        self.database_url = database_url
        self.port = free_port()
        self.output = {}

    def on_this_machine(self, text):
        return guide.on_this_machine(text, self.root)

    def make_folders(self):
        """The system user's folders, as the guide's root commands make them, but ours."""
        commands = guide.commands(guide.block("system-user"))
        assert commands[0].startswith("sudo useradd "), commands
        for command in commands[1:]:
            words = shlex.split(self.on_this_machine(command))
            assert words[:3] == ["sudo", "install", "-d"], command
            # Without root the folders can only be the test user's own.
            kept = [
                word
                for index, word in enumerate(words[1:], start=1)
                if word not in ("--owner", "--group")
                and words[index - 1] not in ("--owner", "--group")
            ]
            subprocess.run(kept, check=True)

    def install(self):
        script = guide.as_test_user(guide.block("install")).replace("<repository>", str(ROOT))
        self.output["install"] = run_script(self.on_this_machine(script), cwd=self.root)

    def write_environment(self):
        """/etc/hallingdal/env from .env.example, with this machine's secrets and addresses."""
        secret_key_command = re.search(
            r'`(python3 -c "import secrets; [^"]+")`', guide.GUIDE.read_text()
        )[1]
        secret_key = run_script(secret_key_command, cwd=self.root).stdout.strip()
        assert len(secret_key) >= 50, secret_key
        values = {
            "DJANGO_SECRET_KEY": secret_key,
            "DATABASE_URL": self.database_url,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            # Two workers, not 2 × cores + 1: enough to show a graceful reload.
            "WEB_CONCURRENCY": "2",
        }
        text = self.on_this_machine((ROOT / ".env.example").read_text())
        for name, value in values.items():
            text, count = re.subn(rf"^#?\s*{name}=.*$", f"{name}={value}", text, flags=re.M)
            assert count == 1, f".env.example has no single line for {name}"
        self.env_file.write_text(text)
        self.env_file.chmod(0o640)

    def deploy(self):
        script = self.on_this_machine(guide.block("every-deploy"))
        self.output["every-deploy"] = run_script(script, cwd=self.app)
        first_content = guide.block("first-content")
        self.output["first-content"] = run_script(
            first_content, cwd=self.app, env=self.environment()
        )

    def environment(self):
        """What a shell has after `set -a; . /etc/hallingdal/env; set +a`."""
        return {**server_environment(), **guide.environment_file(self.env_file)}

    def manage(self, *arguments, env=None, stdin=""):
        return run_script(
            shlex.join([".venv/bin/python", "manage.py", *arguments]),
            cwd=self.app,
            env=env or self.environment(),
            stdin=stdin,
        )

    def content_counts(self, env=None):
        """(programmes, documents) in the site's database."""
        result = self.manage(
            "shell",
            "--no-imports",
            "-c",
            "from programme.models import Programme; from documents.models import Document; "
            "print(Programme.objects.count(), Document.objects.count())",
            env=env,
        )
        assert result.returncode == 0, result.stderr
        return tuple(int(number) for number in result.stdout.split())

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    require_package("git")
    root = tmp_path_factory.mktemp("server")
    with site_database(root) as database_url:
        deployment = Deployment(root, database_url)
        deployment.make_folders()
        deployment.install()
        install = deployment.output["install"]
        assert install.returncode == 0, install.stdout + install.stderr
        deployment.write_environment()
        deployment.deploy()
        yield deployment


def test_installing_and_deploying_as_written_gives_a_site_that_passes_check_deploy(deployment):
    deployed = deployment.output["every-deploy"]
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert "System check identified no issues" in deployed.stdout
    loaded = deployment.output["first-content"]
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    # The virtualenv has what production runs, without the development tools.
    assert (deployment.app / ".venv/bin/gunicorn").exists()
    assert not (deployment.app / ".venv/bin/pytest").exists()
    # collectstatic wrote the hashed, compressed files where .env.example says.
    static = deployment.root / "srv/hallingdal/static"
    assert list(static.glob("css/*.css.br")), sorted(static.rglob("*"))[:5]


def in_a_terminal(command, *, cwd, env, answers, timeout=60):
    """Run a shell command in a pseudo-terminal, typing each answer at the next prompt.

    A prompt is output that ends in ": " and then waits. Returns (exit
    status, everything the terminal showed).
    """
    pid, terminal = pty.fork()
    if pid == 0:  # the child: a new session with the terminal as its own
        try:
            os.chdir(cwd)
            os.execve("/bin/bash", ["bash", "-c", command], env)
        finally:
            os._exit(127)
    shown, answered_up_to, pending = "", 0, list(answers)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the command has ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk.decode(errors="replace")
        elif pending and shown[answered_up_to:].endswith(": "):
            os.write(terminal, pending.pop(0).encode() + b"\n")
            answered_up_to = len(shown)
    os.close(terminal)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown


def test_the_first_admin_account_is_made_by_hand_and_refuses_a_short_password(deployment):
    command = guide.commands(guide.block("first-admin"))
    assert command == [".venv/bin/python manage.py createsuperuser"], command
    status, shown = in_a_terminal(
        command[0],
        cwd=deployment.app,
        env=deployment.environment(),
        answers=[
            "kari",  # user name
            "kari@example.invalid",
            "12345678",  # too short, all digits and common
            "12345678",
            "N",  # do not create the user anyway
            PASSWORD,
            PASSWORD,
        ],
    )
    assert status == 0, shown
    assert "12" in shown.split("12345678")[-1], shown  # the rule names its minimum length
    check = deployment.manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth import get_user_model; "
        "user = get_user_model().objects.get(username='kari'); "
        f"print(user.is_superuser, user.check_password('{PASSWORD}'))",
    )
    assert check.stdout.split() == ["True", "True"], check.stdout + check.stderr


def verify_units(units, folder):
    """Write the units to `folder` and check them with systemd-analyze."""
    require_package("systemd")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in units.items():
        path = folder / name
        path.write_text(text)
        paths.append(path)
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, paths)], capture_output=True, text=True
    )
    # Unknown keys and bad values are only warnings, so any output at all fails.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )


def run_service(unit_text, **popen):
    """Start the unit's ExecStart as systemd would: its user's folder, its environment."""
    service = guide.unit_settings(unit_text, "Service")
    env = guide.service_environment(unit_text)
    return subprocess.Popen(
        guide.exec_command(service["ExecStart"], env),
        cwd=service["WorkingDirectory"],
        env=env,
        stdin=subprocess.DEVNULL,
        **popen,
    )


def wait_for_health(deployment, process, log):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            status, _, body = fetch(deployment.url("/healthz"), Host=HOST)
        except OSError:
            time.sleep(0.1)
            continue
        return status, json.loads(body)
    raise AssertionError(f"the service did not answer:\n{log.read_text()}")


def test_the_service_unit_is_valid_and_serves_reloads_and_stops_as_systemd_runs_it(
    deployment,
):
    units = {
        name: deployment.on_this_machine(text)
        for name, text in guide.units(guide.block("service")).items()
    }
    assert list(units) == ["hallingdal.service"]
    unit = units["hallingdal.service"]
    verify_units(units, deployment.root / "etc/systemd/system")
    service = guide.unit_settings(unit, "Service")

    log = deployment.root / "journal.log"
    with open(log, "wb") as journal:
        process = run_service(unit, stdout=journal, stderr=subprocess.STDOUT)
    try:
        status, health = wait_for_health(deployment, process, log)
        assert (status, health["status"], health["database"]) == (200, "ok", "up")
        # A page as the proxy passes it on: over HTTPS, for the site's host.
        status, _, body = fetch(deployment.url("/nn/"), Host=HOST, **{"X-Forwarded-Proto": "https"})
        assert status == 200 and "Hallingdal" in body.decode()

        # `systemctl reload`: new workers, the same master, no request refused.
        environment = {"MAINPID": str(process.pid)}
        reload = subprocess.run(guide.exec_command(service["ExecReload"], environment))
        assert reload.returncode == 0
        deadline = time.monotonic() + STARTUP_SECONDS
        while "Hang up: Master" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "Hang up: Master" in log.read_text(), log.read_text()
        assert wait_for_health(deployment, process, log)[0] == 200
        assert process.poll() is None
    finally:
        # `systemctl stop` with KillMode=mixed: SIGTERM to gunicorn's master, which
        # lets its workers finish, within TimeoutStopSec.
        process.terminate()
        try:
            process.wait(timeout=int(service["TimeoutStopSec"]))
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, log.read_text()


# --- Section 4: the reverse proxy ------------------------------------------------------


def self_signed_certificate(folder):
    """(certificate, key) for HOST and 127.0.0.1, made with openssl as a test CA would."""
    require_package("openssl")
    certificate, key = folder / "fullchain.pem", folder / "privkey.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1",
            "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate, key


def nginx_on_this_machine(
    config, *, listen, certificate, key, upstream, cache_folder="hallingdal-cache"
):
    """The guide's nginx lines with this machine's ports, certificate and app servers.

    `listen` maps the guide's ports (80, 443) to free loopback ports.
    """
    for port, free in listen.items():
        config, count = re.subn(rf"listen {port}\b", f"listen 127.0.0.1:{free}", config)
        assert count == 1, f"no 'listen {port}' in the guide's block"
    config = re.sub(r"ssl_certificate\s+(\S+);", f"ssl_certificate {certificate};", config)
    config = re.sub(r"ssl_certificate_key\s+(\S+);", f"ssl_certificate_key {key};", config)
    config = re.sub(
        r"proxy_pass http://127\.0\.0\.1:8000;", f"proxy_pass http://{upstream};", config
    )
    config = re.sub(
        r"^(\s*)server \d+\.\d+\.\d+\.\d+:\d+;", rf"\1server {upstream};", config, flags=re.M
    )
    return re.sub(r"proxy_cache_path (\S+)", f"proxy_cache_path {cache_folder}", config)


@pytest.fixture
def proxied_site(tmp_path):
    """A production-mode app server with the settings sections 4 and 6 give it."""
    env = production_env(
        tmp_path, DJANGO_ALLOWED_HOSTS=HOST, DJANGO_SHARED_CACHE_SECONDS="60", WEB_CONCURRENCY="2"
    )
    prepare_site(env)
    with AppServer(env, tmp_path / "app.log") as server:
        yield server


def nginx_with(http_config, port):
    """NginxServer running only the given server blocks, probed on `port`; for `with`."""
    require_engine(NginxServer)
    server = NginxServer(None, http_config)
    server.port = port
    return server


def get(port, path, certificate=None, **headers):
    """(status, headers, body) of a GET to 127.0.0.1 for HOST, redirects not followed.

    Over HTTPS when a `certificate` to trust is given.
    """
    if certificate is None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    else:
        context = ssl.create_default_context(cafile=str(certificate))
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": HOST, **headers})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def test_the_proxy_sends_http_to_https_and_passes_on_the_scheme_client_and_request_id(
    proxied_site, tmp_path
):
    certificate, key = self_signed_certificate(tmp_path)
    http_port, https_port = free_port(), free_port()
    config = nginx_on_this_machine(
        guide.block("proxy"),
        listen={80: http_port, 443: https_port},
        certificate=certificate,
        key=key,
        upstream=f"127.0.0.1:{proxied_site.port}",
    )
    with nginx_with(config, http_port):
        status, headers, _ = get(http_port, "/nn/?side=2")
        assert (status, headers["Location"]) == (301, f"https://{HOST}/nn/?side=2")

        # The app knows the request came over HTTPS (no redirect loop) and says so.
        status, headers, body = get(
            https_port, "/nn/", certificate, **{"X-Forwarded-For": "198.51.100.9"}
        )
        assert status == 200 and "Hallingdal" in body.decode()
        assert "max-age=31536000" in headers["Strict-Transport-Security"]
        # The client's own X-Forwarded-For is overwritten: the log names the
        # address nginx saw, with the request id nginx made.
        access = [
            line for line in proxied_site.log_path.read_text().splitlines() if '"GET /nn/ ' in line
        ]
        assert access and access[-1].startswith("127.0.0.1 "), access
        assert re.search(r"request_id=[0-9a-f]{32}$", access[-1]), access[-1]
        assert "198.51.100.9" not in proxied_site.log_path.read_text()


def test_the_whole_shared_cache_block_serves_https_from_its_cache(proxied_site, tmp_path):
    """Section 6's nginx block as a whole, TLS lines included (tests/test_shared_cache.py
    runs its cache lines in depth)."""
    certificate, key = self_signed_certificate(tmp_path)
    https_port = free_port()
    config = nginx_on_this_machine(
        guide.block("shared-cache-nginx"),
        listen={443: https_port},
        certificate=certificate,
        key=key,
        upstream=f"127.0.0.1:{proxied_site.port}",
        cache_folder="hallingdal-cache",
    )
    with nginx_with(config, https_port):
        statuses = [get(https_port, "/nn/", certificate)[1]["X-Cache-Status"] for _ in range(2)]
        assert statuses == ["MISS", "HIT"]


# --- Section 9: backups, timers and restore ---------------------------------------------


@pytest.fixture(scope="module")
def tonights_archive(deployment):
    """The backup block run once; (the process, the archive it names)."""
    archive = deployment.backups / f"{time.strftime('%F')}.tar.gz"
    script = deployment.on_this_machine(guide.block("backup"))
    return run_script(script, cwd=deployment.app, env=deployment.environment()), archive


def test_the_backup_command_writes_a_private_archive_named_by_date(tonights_archive):
    result, archive = tonights_archive
    assert result.returncode == 0, result.stdout + result.stderr
    assert archive.exists()
    assert archive.stat().st_mode & 0o777 == 0o600


def timer_units(deployment, block):
    """The service of a block's service and timer units, after checking both."""
    units = {unit: deployment.on_this_machine(text) for unit, text in guide.units(block).items()}
    verify_units(units, deployment.root / "etc/systemd/system")
    services = [text for unit, text in units.items() if unit.endswith(".service")]
    assert len(services) == 1 and len(units) == 2, list(units)
    return services[0]


def run_oneshot(deployment, unit_text):
    process = run_service(unit_text, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = process.communicate(timeout=300)
    return process.returncode, output.decode()


def test_the_backup_timer_is_valid_and_its_service_writes_the_archive(deployment, tonights_archive):
    _, archive = tonights_archive
    moved = archive.with_suffix(".earlier")
    archive.rename(moved)  # the service writes tonight's name again
    try:
        status, output = run_oneshot(
            deployment, timer_units(deployment, guide.block("backup-timer"))
        )
        assert status == 0, output
        assert archive.exists() and archive.stat().st_size > 0
    finally:
        moved.replace(archive)


def test_the_prune_timer_is_valid_and_its_service_deletes_old_login_records(deployment):
    status, output = run_oneshot(deployment, timer_units(deployment, guide.block("prune-timer")))
    assert status == 0, output
    assert "Deleted login records older than 90 days" in output, output


def test_the_publish_timer_is_valid_and_its_service_publishes_a_due_draft(deployment):
    # A draft of the programme's English title whose minute has passed, kept
    # as the admin keeps one; the row itself is unchanged until it is published.
    scheduled = deployment.manage(
        "shell",
        "--no-imports",
        "-c",
        "from datetime import timedelta; from django.utils import timezone; "
        "from hallingdal.publishing import draft_save; from programme.models import Programme; "
        "programme = Programme.objects.order_by('pk').first(); "
        "programme.title_en = 'Published on schedule'; "
        "draft_save(obj=programme, user=None, go_live_at=timezone.now() - timedelta(minutes=1))",
    )
    assert scheduled.returncode == 0, scheduled.stderr
    title = (
        "from programme.models import Programme; "
        "print(Programme.objects.order_by('pk').first().title_en)"
    )
    assert deployment.manage("shell", "--no-imports", "-c", title).stdout.strip() != (
        "Published on schedule"
    )

    status, output = run_oneshot(deployment, timer_units(deployment, guide.block("publish-timer")))
    assert status == 0, output
    assert "Published 1 scheduled draft(s)." in output, output
    shown = deployment.manage("shell", "--no-imports", "-c", title).stdout.strip()
    assert shown == "Published on schedule"


def test_the_restore_commands_bring_the_archive_back_into_an_empty_site(
    deployment, tonights_archive, tmp_path
):
    _, archive = tonights_archive
    script = deployment.on_this_machine(guide.block("restore"))
    documented = re.search(r"\S+/\d{4}-\d{2}-\d{2}\.tar\.gz", script)[0]
    with site_database(tmp_path) as database_url:
        env = {
            **deployment.environment(),
            "DATABASE_URL": database_url,
            "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
        }
        result = run_script(script.replace(documented, str(archive)), cwd=deployment.app, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        restored = deployment.content_counts(env)
        assert restored == deployment.content_counts() and restored[1] >= 1, restored
        files = deployment.manage("check_files", env=env)
        assert files.returncode == 0, files.stdout + files.stderr
