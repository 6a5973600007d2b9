"""Security headers on every response: pages, errors, admin, health, downloads."""

import base64
import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from documents.models import Document
from programme.models import Municipality, Phase


def public_paths(programme):
    phase = Phase.objects.published().filter(programme=programme).first()
    municipality = Municipality.objects.published().first()
    document = Document.objects.published().filter(programme=programme).first()
    paths = []
    for language in ("nn", "nb", "en"):
        with translation.override(language):
            paths += [
                reverse("home"),
                reverse("programme:programme_list"),
                programme.get_absolute_url(),
                phase.get_absolute_url(),
                reverse("programme:municipality_list"),
                municipality.get_absolute_url(),
                reverse("programme:funding"),
                reverse("documents:document_list"),
                document.get_absolute_url(),
            ]
    return paths


def directives(response):
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def assert_common_headers(response):
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert len(response["X-Request-ID"]) >= 16


def import_map_hashes(response):
    """The policy's source for each inline import map of the page (hallingdal/security.py)."""
    maps = re.findall(rb'<script type="importmap"[^>]*>(.*?)</script>', response.content, re.DOTALL)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(body).digest()).decode()}'" for body in maps]


def assert_site_policy(response):
    policy = directives(response)
    # Files from the site only, and the admin's import maps, each by its exact text.
    assert policy["script-src"] == ["'self'", *import_map_hashes(response)]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "unsafe" not in response["Content-Security-Policy"]


def test_every_public_page_carries_the_headers(client, hallingdal):
    for path in public_paths(hallingdal):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_common_headers(response)
        assert_site_policy(response)


@pytest.mark.parametrize("path", ["/nn/no-such-page/", "/xx/", "/nn/programmes/nope/"])
def test_error_pages_carry_the_headers(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert_common_headers(response)
    assert_site_policy(response)


def test_admin_carries_the_same_policy(client, admin_user):
    login_page = client.get(reverse("admin:login"))
    assert_common_headers(login_page)
    assert_site_policy(login_page)
    client.force_login(admin_user)
    for name in ("admin:index", "admin:programme_programme_add", "admin:auth_user_changelist"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert_common_headers(response)
        assert_site_policy(response)
    # The rich-text editor's modules need their import map, and it is allowed.
    editor_form = client.get(reverse("admin:programme_programme_add"))
    assert len(import_map_hashes(editor_form)) == 1


def test_admin_pages_have_no_inline_scripts_or_styles(client, admin_user, hallingdal):
    """What the policy would block; the browser test checks the rest in Chromium."""
    client.force_login(admin_user)
    change = reverse("admin:programme_programme_change", args=[hallingdal.pk])
    for path in (reverse("admin:index"), change, reverse("admin:programme_programme_add")):
        html = client.get(path).content.decode()
        assert "<script>" not in html and '<script type="text/javascript">' not in html, path
        assert "<style" not in html, path
        assert "javascript:" not in html, path


def test_download_keeps_its_own_stricter_policy(client, hallingdal):
    document = Document.objects.published().filter(programme=hallingdal).first()
    with translation.override("nn"):
        url = reverse("documents:document_download", kwargs={"slug": document.slug})
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert_common_headers(response)


def test_health_check_carries_the_headers(client, db):
    response = client.get("/healthz")
    assert_common_headers(response)
    assert_site_policy(response)


def test_incoming_request_id_is_kept_and_a_bad_one_replaced(client, db):
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-1234.abcd_EF"})
    assert kept["X-Request-ID"] == "proxy-1234.abcd_EF"
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>\nevil"})
    assert replaced["X-Request-ID"] != "<script>\nevil"
    assert len(replaced["X-Request-ID"]) == 32


def test_https_settings_turn_on_hsts_and_redirect(settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    plain = client.get("/nn/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/nn/"
    secure = client.get("/nn/", headers={"X-Forwarded-Proto": "https"})
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # Load balancers probe the health check over plain HTTP.
    assert client.get("/healthz").status_code == 200
