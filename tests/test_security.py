"""Cookies, the admin door and accounts."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.test_headers import public_paths

PASSWORD = "a long and unguessable passphrase 7"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Many logins below; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user("editor", password=PASSWORD, is_staff=True)


def log_in(client, username, password):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
    )


def test_public_pages_set_no_cookies(hallingdal):
    client = Client()
    for path in [*public_paths(hallingdal), "/", "/healthz", "/nn/no-such-page/"]:
        response = client.get(path, headers={"Accept-Language": "en"})
        assert response.cookies == {}, path
        assert "Set-Cookie" not in response.headers, path
    assert client.cookies == {}


def test_public_pages_set_no_cookies_for_a_visitor_with_an_old_session(hallingdal, editor):
    """Even with stale admin cookies in the browser, a public page sets none."""
    client = Client()
    client.force_login(editor)
    client.logout()
    for path in public_paths(hallingdal)[:3]:
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path


def test_admin_cookies_are_httponly_and_samesite(client, editor):
    login_page = client.get(reverse("admin:login"))
    csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    response = log_in(client, "editor", PASSWORD)
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["samesite"] == "Lax"


def test_cookies_are_secure_behind_https(settings, editor):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()
    login_page = client.get(reverse("admin:login"), secure=True)
    assert login_page.cookies[settings.CSRF_COOKIE_NAME]["secure"]
    response = client.post(
        reverse("admin:login"),
        {"username": "editor", "password": PASSWORD},
        secure=True,
        headers={"Referer": "https://testserver/admin/login/"},
    )
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME]["secure"]


def test_login_gives_a_new_session_key(client, editor):
    session = client.session
    session["seen_before_login"] = True
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    before = session.session_key

    assert log_in(client, "editor", PASSWORD).status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert client.get(reverse("admin:index")).status_code == 200


def test_force_login_still_works_with_axes(client, editor):
    """Other tests log in with force_login; the axes backend must not stop that."""
    client.force_login(editor)
    assert client.get(reverse("admin:index")).status_code == 200


def test_repeated_failures_lock_the_door_even_for_the_right_password(client, editor):
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(limit - 1):
        response = log_in(client, "editor", f"wrong {attempt}")
        assert response.status_code == 200  # the form again, with its error
    locked = log_in(client, "editor", "wrong again")
    assert locked.status_code == 429
    assert log_in(client, "editor", PASSWORD).status_code == 429
    assert AccessAttempt.objects.filter(username="editor").exists()


def test_lockout_page_is_in_nynorsk_and_names_the_limit(client, editor):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, "editor", f"wrong {attempt}")
    assert response.status_code == 429
    assert "admin/lockout.html" in [template.name for template in response.templates]
    with translation.override("nn"):
        heading = translation.gettext("Too many failed log-in attempts")
    html = response.content.decode()
    assert heading in html
    assert str(settings.AXES_FAILURE_LIMIT) in html
    assert 'lang="nn"' in html


def test_a_locked_out_address_also_stops_other_usernames(client, editor):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"guess{attempt}", "password")
    assert log_in(client, "editor", PASSWORD).status_code == 429


def test_axes_reset_username_unlocks_the_account(client, editor):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "editor", f"wrong {attempt}")
    assert log_in(client, "editor", PASSWORD).status_code == 429

    call_command("axes_reset_username", "editor", stdout=open("/dev/null", "w"))
    # The address was locked by the same records, so it opens with them.
    assert log_in(client, "editor", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_a_fresh_install_has_no_accounts(hallingdal):
    """Migrations and the content loader create no users: no default passwords anywhere."""
    assert get_user_model().objects.count() == 0


def test_password_rules_refuse_short_and_common_passwords(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("hallingdal", "password1234", "12345678901234"):
        with pytest.raises(ValidationError):
            validate_password(weak)
