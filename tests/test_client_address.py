"""The client's address behind the reverse proxy, the same for lockouts, records and logs.

Requests come through Django's test client from the proxy's own address, as
gunicorn sees them behind nginx; X-Forwarded-For carries what the proxy added
(and, in a chain, whatever the client sent before it).
"""

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

PASSWORD = "a long and unguessable passphrase 7"
PROXY = "10.0.0.2"
ATTACKER = "203.0.113.7"
EDITOR = "198.51.100.20"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user("editor", password=PASSWORD, is_staff=True)


@pytest.fixture
def behind_one_proxy(settings):
    settings.PROXY_COUNT = 1


def log_in(username, password, forwarded_for=None):
    """Post the admin login form as it arrives from the proxy, in a fresh browser."""
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for is not None else {}
    return Client(REMOTE_ADDR=PROXY).post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        headers=headers,
    )


def guess_until_locked_out(forwarded_for):
    """Guess other accounts' passwords from one address until the door shuts."""
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(f"guess{attempt}", "password", forwarded_for(attempt)).status_code == 200
    return log_in("guess-last", "password", forwarded_for(settings.AXES_FAILURE_LIMIT))


def test_an_attacker_behind_the_proxy_is_locked_out_and_the_editor_is_not(behind_one_proxy, editor):
    assert guess_until_locked_out(lambda attempt: ATTACKER).status_code == 429
    assert log_in("guess-again", "password", ATTACKER).status_code == 429

    assert log_in("editor", PASSWORD, EDITOR).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert AccessLog.objects.get(username="editor").ip_address == EDITOR


def test_without_a_proxy_a_forwarded_for_header_from_the_client_is_ignored(settings, editor):
    settings.PROXY_COUNT = 0
    # A new made-up address on every guess does not escape the lockout...
    locked = guess_until_locked_out(lambda attempt: f"192.0.2.{attempt + 1}")
    assert locked.status_code == 429
    # ...nor does posing as the editor's address.
    assert log_in("editor", PASSWORD, EDITOR).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}


def test_behind_one_proxy_the_address_it_added_counts_not_what_the_client_sent(
    behind_one_proxy, editor
):
    """nginx with $proxy_add_x_forwarded_for appends the real address to the client's."""
    locked = guess_until_locked_out(lambda attempt: f"1.2.3.{attempt + 1}, {ATTACKER}")
    assert locked.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert log_in("editor", PASSWORD, f"{ATTACKER}, {EDITOR}").status_code == 302
    assert AccessLog.objects.get(username="editor").ip_address == EDITOR


@pytest.mark.parametrize(
    "forwarded_for",
    [
        "",
        " , ",
        "not-an-address",
        f"{ATTACKER}:443",
        "[2001:db8::1]",
        "fe80::1%eth0",
        "203.0.113.300",
        f"{ATTACKER}\r\nX-Injected: yes",
        "1" * 5000,
        f"{ATTACKER}, ",
    ],
)
def test_a_malformed_forwarded_address_counts_as_the_proxy_and_is_no_error(
    behind_one_proxy, editor, forwarded_for
):
    response = log_in("editor", "wrong", forwarded_for)
    assert response.status_code == 200
    assert AccessAttempt.objects.get().ip_address == PROXY


@pytest.mark.parametrize(
    ("proxy_count", "forwarded_for", "expected"),
    [
        (1, ATTACKER, ATTACKER),
        (1, f" 1.2.3.4 ,{ATTACKER} ", ATTACKER),
        # A load balancer, then nginx: nginx appends the load balancer's address.
        (2, f"1.2.3.4, {ATTACKER}, 10.0.0.1", ATTACKER),
        (2, ATTACKER, PROXY),  # fewer entries than proxies: the chain is not ours
        (1, "2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        (1, f"::ffff:{ATTACKER}", ATTACKER),
        (0, ATTACKER, PROXY),
    ],
)
def test_the_client_is_counted_from_the_right_of_the_chain(
    rf, settings, proxy_count, forwarded_for, expected
):
    from hallingdal.client_address import client_address

    settings.PROXY_COUNT = proxy_count
    request = rf.get("/", REMOTE_ADDR=PROXY, headers={"X-Forwarded-For": forwarded_for})
    assert client_address(request) == expected


def test_no_usable_address_at_all_is_unknown_not_an_error(rf, behind_one_proxy):
    from hallingdal.client_address import client_address

    # gunicorn on a Unix socket has no peer address to give.
    request = rf.get("/", REMOTE_ADDR="", headers={"X-Forwarded-For": "unknown"})
    assert client_address(request) is None


@pytest.fixture
def log_lines():
    """The app's log lines as production writes them, from its own stdout handler."""
    import io
    import logging

    from hallingdal.request_id import OneLineFormatter

    handler = next(
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler.formatter, OneLineFormatter)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        handler.setStream(previous)


def test_log_lines_carry_the_client_address_not_the_proxys(behind_one_proxy, editor, log_lines):
    log_in("editor", "wrong", f"1.2.3.4, {ATTACKER}")  # axes logs while the request runs
    Client(REMOTE_ADDR=PROXY).get(
        "/nn/no-such-page/", headers={"X-Forwarded-For": EDITOR}
    )  # django.request logs the 404 once the middleware is done

    lines = log_lines()
    failure = [line for line in lines if "AXES: New login failure" in line]
    not_found = [line for line in lines if "Not Found: /nn/no-such-page/" in line]
    assert failure and all(f"client={ATTACKER} " in line for line in failure)
    assert not_found and all(f"client={EDITOR} " in line for line in not_found)
    assert not any(PROXY in line or "1.2.3.4" in line for line in lines)


def test_log_lines_outside_a_request_show_no_address(log_lines):
    import logging

    logging.getLogger("hallingdal").warning("from a management command")
    (line,) = log_lines()
    assert "[-] client=- from a management command" in line
