"""Records of log-ins are kept for the time the privacy page states, then deleted."""

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

PASSWORD = "a long and unguessable passphrase 7"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user("editor", password=PASSWORD, is_staff=True)


def log_in(client, username, password, address):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def age(records, days=0, hours=0):
    """Move `records` back in time; attempt_time is set on save and cannot be passed in."""
    records.update(attempt_time=timezone.now() - timedelta(days=days, hours=hours))


def prune():
    out = io.StringIO()
    call_command("prune_login_records", stdout=out)
    return out.getvalue()


def failure_log(username, address):
    """axes writes these only with AXES_ENABLE_ACCESS_FAILURE_LOG, off here."""
    return AccessFailureLog.objects.create(
        username=username, ip_address=address, user_agent="test", path_info="/admin/login/"
    )


def test_records_older_than_the_retention_go_and_newer_ones_stay(client, editor, settings):
    assert settings.LOGIN_RECORDS_DAYS == 90  # the default the privacy page states
    # Successful log-ins come from other addresses: a success clears that
    # address's failed attempts (AXES_RESET_ON_SUCCESS). Each failure also
    # lets axes delete attempts past the cool-off, so the clock turns last.
    log_in(client, "old-guess", "wrong", "192.0.2.1")
    log_in(client, "recent-guess", "wrong", "198.51.100.20")
    log_in(client, "editor", PASSWORD, "192.0.2.99")
    client.logout()
    log_in(client, "editor", PASSWORD, "198.51.100.21")
    failure_log("old-guess", "192.0.2.1")
    failure_log("recent-guess", "198.51.100.20")

    age(AccessAttempt.objects.filter(username="old-guess"), days=91)
    age(AccessLog.objects.filter(ip_address="192.0.2.99"), days=91)
    age(AccessFailureLog.objects.filter(username="old-guess"), days=91)
    age(AccessAttempt.objects.filter(username="recent-guess"), days=89)
    age(AccessFailureLog.objects.filter(username="recent-guess"), days=89)

    output = prune()

    assert "older than 90 days" in output
    assert "1 failed-login attempts, 1 logins, 1 failed-login log entries" in output
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["recent-guess"]
    assert list(AccessLog.objects.values_list("ip_address", flat=True)) == ["198.51.100.21"]
    assert list(AccessFailureLog.objects.values_list("username", flat=True)) == ["recent-guess"]

    assert "0 failed-login attempts, 0 logins, 0 failed-login log entries" in prune()


def test_the_retention_comes_from_the_setting(client, editor, settings):
    settings.LOGIN_RECORDS_DAYS = 7
    log_in(client, "editor", PASSWORD, "192.0.2.1")
    log_in(client, "editor", PASSWORD, "192.0.2.2")
    age(AccessLog.objects.filter(ip_address="192.0.2.1"), days=8)
    age(AccessLog.objects.filter(ip_address="192.0.2.2"), days=6)

    assert "older than 7 days: 0 failed-login attempts, 1 logins" in prune()
    assert list(AccessLog.objects.values_list("ip_address", flat=True)) == ["192.0.2.2"]


def test_pruning_never_lifts_a_lockout_that_still_holds(client, editor, settings):
    """With a cool-off longer than the retention, the attempt behind a lockout stays."""
    settings.LOGIN_RECORDS_DAYS = 1
    settings.AXES_COOLOFF_TIME = 72.0
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess{attempt}", "wrong", "203.0.113.7")
    age(AccessAttempt.objects.all(), days=2)
    assert log_in(client, "editor", PASSWORD, "203.0.113.7").status_code == 429

    assert "0 failed-login attempts" in prune()
    assert log_in(client, "editor", PASSWORD, "203.0.113.7").status_code == 429

    age(AccessAttempt.objects.all(), days=3, hours=1)  # past the cool-off as well
    assert f"{AccessAttempt.objects.count()} failed-login attempts" in prune()
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize(
    ("language", "days", "text"),
    [
        ("nn", 90, "etter 90 dagar."),
        ("nb", 90, "etter 90 dager."),
        ("en", 90, "after 90 days."),
        ("en", 30, "after 30 days."),
        ("nn", 1, "etter 1 dag."),
    ],
)
def test_the_privacy_page_states_the_retention(client, db, settings, language, days, text):
    settings.LOGIN_RECORDS_DAYS = days
    settings.PAGE_CACHE = False
    with translation.override(language):
        url = reverse("privacy")
    response = client.get(url)
    assert response.status_code == 200
    assert text in " ".join(response.content.decode().split())
