"""docs/deploy.md's blocks for the admin door (section 8), the search index (section 10)
and the load check (section 11), run as written against production-mode sites: the
commands of each block as they stand, with the tests' own Python for `.venv/bin/python`,
from the project's folder and with the site's environment, each with its real effect
checked (lockouts made through a running server and lifted, the index rewritten, a
load run that the site answers without errors).
"""

import json
import re
import shlex
import subprocess
import sys
import urllib.error

import pytest

from tests import deploy_guide as guide
from tests.engines import require_package
from tests.servers import (
    ROOT,
    AppServer,
    browser,
    create_editor,
    manage,
    post_form,
    prepare_site,
    production_env,
    site_database,
)

PASSWORD = "hemsedal-og-gol-i-godvêr-7"
# DJANGO_AXES_FAILURE_LIMIT's default, which these sites run with.
FAILURE_LIMIT = 5


@pytest.fixture
def site_env(tmp_path):
    """A prepared production-mode site (Hallingdal content) on plain HTTP on loopback.

    Behind one proxy, so the client's address is the one X-Forwarded-For names.
    """
    with site_database(tmp_path) as database_url:
        env = production_env(
            tmp_path,
            DATABASE_URL=database_url,
            DJANGO_HTTPS="false",
            DJANGO_PROXY_COUNT="1",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            WEB_CONCURRENCY="2",
        )
        prepare_site(env)
        yield env


def commands(block):
    """A block's commands as argument lists, one a line, without their `# comments`."""
    lines = guide.commands(guide.with_python(block, sys.executable))
    return [shlex.split(line, comments=True) for line in lines]


def run(command, env, timeout=300):
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


# --- Section 8: the admin door ----------------------------------------------------------


def log_in_as(server, username, password, address):
    """One log-in through the admin's form, from `address` behind the proxy.

    'in' (the admin's index), 'refused' (the form again) or 'locked' (the lockout page).
    """
    opener = browser()
    opener.addheaders.append(("X-Forwarded-For", address))
    url = server.url("/admin/login/?next=/admin/")
    with opener.open(url) as response:
        page = response.read()
    try:
        with post_form(opener, url, page, {"username": username, "password": password}) as answer:
            assert answer.status == 200
            return "in" if answer.url == server.url("/admin/") else "refused"
    except urllib.error.HTTPError as error:
        body = error.read()
        assert error.code == 429, f"{error.code}: {body[:500]!r}"
        assert b'lang="nn"' in body  # the lockout page is in Nynorsk
        return "locked"


def test_the_admin_door_block_lists_lockouts_and_lifts_them_by_account_address_and_all(
    tmp_path, site_env
):
    env = site_env
    listing, by_username, by_address, everything = commands(guide.block("axes"))
    assert [command[:3] for command in (listing, by_username, by_address, everything)] == [
        [sys.executable, "manage.py", subcommand]
        for subcommand in (
            "axes_list_attempts",
            "axes_reset_username",
            "axes_reset_ip",
            "axes_reset",
        )
    ]
    # The block's own account and address are the ones locked out here.
    (username,), (address,) = by_username[3:], by_address[3:]
    elsewhere = "192.0.2.10"
    stranger, strangers_address = "ola", "198.51.100.23"

    def attempts():
        """{(address, username): failures} as the block's first line lists them."""
        listed = run(listing, env)
        assert listed.returncode == 0, listed.stdout + listed.stderr
        rows = {}
        for line in listed.stdout.splitlines():
            ip, name, failures = line.split("\t")
            rows[ip, name] = rows.get((ip, name), 0) + int(failures)
        return rows

    def reset(command):
        """Run a reset line; what it says (its last line: the site's log lines come first)."""
        result = run(command, env)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout.splitlines()[-1]

    create_editor(env, username, PASSWORD)
    with AppServer(env, tmp_path / "app.log") as server:
        # Kari mistypes her password from her office until the door closes.
        tries = [log_in_as(server, username, f"wrong {n}", address) for n in range(FAILURE_LIMIT)]
        assert tries == ["refused"] * (FAILURE_LIMIT - 1) + ["locked"]
        # Closed for the account wherever it comes from, and for the address whoever
        # comes from it; even the right password is refused.
        assert log_in_as(server, username, PASSWORD, address) == "locked"
        assert log_in_as(server, username, PASSWORD, elsewhere) == "locked"
        assert log_in_as(server, "per", "a guess", address) == "locked"
        # Someone else locked out at another address, and one typo that locks nobody.
        tries = [
            log_in_as(server, stranger, f"guess {n}", strangers_address)
            for n in range(FAILURE_LIMIT)
        ]
        assert tries[-1] == "locked"
        assert log_in_as(server, "liv", "one typo", "192.0.2.77") == "refused"

        listed = attempts()
        assert listed[address, username] >= FAILURE_LIMIT
        assert listed[strangers_address, stranger] >= FAILURE_LIMIT
        # Every record of failures is listed, not only the lockouts.
        assert listed["192.0.2.77", "liv"] == 1

        # One account: every record with its name goes, and with them the failures they
        # counted against the address, which falls under the limit: both open again.
        kari_rows = [key for key in listed if key[1] == username]
        assert reset(by_username) == f"{len(kari_rows)} attempts removed."
        assert attempts() == {key: n for key, n in listed.items() if key[1] != username}
        assert log_in_as(server, username, PASSWORD, address) == "in"

        # The same address guessing other accounts closes it again, for Kari too,
        # while her account is open from anywhere else.
        tries = [log_in_as(server, f"guess{n}", "password", address) for n in range(FAILURE_LIMIT)]
        assert tries[-1] == "locked"
        assert log_in_as(server, username, PASSWORD, address) == "locked"
        assert log_in_as(server, username, PASSWORD, elsewhere) == "in"

        # One address: only its records go.
        listed = attempts()
        at_address = [key for key in listed if key[0] == address]
        assert len(at_address) == FAILURE_LIMIT
        assert reset(by_address) == f"{len(at_address)} attempts removed."
        assert attempts() == {key: n for key, n in listed.items() if key[0] != address}
        assert log_in_as(server, username, PASSWORD, address) == "in"
        assert log_in_as(server, stranger, "still guessing", strangers_address) == "locked"

        # Everything: the stranger's lockout and the typo go too.
        listed = attempts()
        assert (strangers_address, stranger) in listed and ("192.0.2.77", "liv") in listed
        assert reset(everything) == f"{len(listed)} attempts removed."
        assert attempts() == {}
        assert log_in_as(server, stranger, "a fresh guess", strangers_address) == "refused"


# --- Section 10: the search index -------------------------------------------------------

PROGRAMME = "framtidstru-og-vekst-i-hallingdal"
RENAMED = "Framtidstru i fjellbygdene"


def search_entries(env):
    """Every search entry as dumpdata writes it, id and search vector included."""
    dumped = manage(env, "dumpdata", "hallingdal.searchentry")
    assert dumped.returncode == 0, dumped.stdout + dumped.stderr
    return json.loads(dumped.stdout)


def entry_titles(entries, source, object_id):
    return {
        entry["fields"]["language"]: entry["fields"]["title"]
        for entry in entries
        if entry["fields"]["source"] == source and entry["fields"]["object_id"] == object_id
    }


def test_the_search_index_block_writes_what_bypassed_the_signals_and_a_second_run_changes_nothing(
    site_env,
):
    env = site_env
    (command,) = commands(guide.block("search-index"))
    # A write that bypasses the models' signals, as SQL against the content tables does.
    renamed = manage(
        env,
        "shell",
        "-c",
        "from programme.models import Programme; "
        f"rows = Programme.objects.filter(slug={PROGRAMME!r}); "
        f"rows.update(title_nn={RENAMED!r}); print(rows.get().pk)",
    )
    assert renamed.returncode == 0, renamed.stdout + renamed.stderr
    programme_id = int(renamed.stdout.split()[-1])
    before = entry_titles(search_entries(env), "programme.programme", programme_id)
    assert before["nn"] != RENAMED, "the index saw the update after all"

    reports, dumps = [], []
    for _ in range(2):
        result = run(command, env)
        assert result.returncode == 0, result.stdout + result.stderr
        reported = re.search(
            r"^Wrote ([\d,]+) search entries in \d+\.\d s\.$", result.stdout, re.MULTILINE
        )
        assert reported, result.stdout
        reports.append(int(reported[1].replace(",", "")))
        dumps.append(search_entries(env))

    first, second = dumps
    assert reports[0] == len(first) > 0
    assert entry_titles(first, "programme.programme", programme_id)["nn"] == RENAMED
    # "A second run changes nothing": the same report, and the very same rows.
    assert reports[1] == reports[0]
    assert second == first


# --- Section 11: the load check ---------------------------------------------------------


def test_the_load_check_block_walks_the_site_with_no_errors(tmp_path, site_env):
    require_package("wrk")
    (line,) = [line for line in guide.block("load-check").splitlines() if line.strip()]
    with AppServer(site_env, tmp_path / "app.log") as server:
        # Only the server's port, and the length of the run: the test checks that the
        # script runs and the site answers every request, not the speed, which two
        # seconds of load show as well as twenty.
        for documented, here in (("-d20s", "-d2s"), ("http://127.0.0.1:8000", server.url())):
            assert line.count(documented) == 1, line
            line = line.replace(documented, here)
        result = run(shlex.split(line), site_env, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = re.search(
        r"^requests: (\d+), errors \(4xx/5xx or socket\): (\d+)$", result.stdout, re.MULTILINE
    )
    assert summary, result.stdout
    requests, errors = map(int, summary.groups())
    assert requests > 0 and errors == 0, result.stdout
    assert re.search(r"^latency p50: [\d.]+ ms, p99: [\d.]+ ms$", result.stdout, re.MULTILINE)
    # Every path of the script was asked for and answered.
    script = (ROOT / "docs" / "load.lua").read_text()
    paths = re.findall(r'^\s*"(/[^"]*)",$', script, re.MULTILINE)
    assert "/healthz" in paths and any(path.endswith("/download/") for path in paths)
    log = server.log_path.read_text()
    unanswered = [path for path in paths if f'"GET {path} HTTP/1.1" 200 ' not in log]
    assert not unanswered, unanswered
