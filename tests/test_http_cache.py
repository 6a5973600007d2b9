"""ETags and 304s on public pages; what shared caches may keep, and what stays private."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from hallingdal.http_cache import PrivateResponsesMiddleware, shared_cache_control
from hallingdal.redirects import RedirectMiddleware
from programme.models import Programme
from tests.factories import make_document
from tests.test_documents import add_version
from tests.test_headers import public_paths

SHARED_SECONDS = 120


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def is_shared(response):
    return any(part.startswith("s-maxage") for part in cache_control(response))


@pytest.fixture
def shared_cache(settings):
    settings.SHARED_CACHE_SECONDS = SHARED_SECONDS


@pytest.fixture
def staff_client(db):
    staff = User.objects.create_superuser("etag-test", "etag@example.invalid", password=None)
    staff_client = Client()
    staff_client.force_login(staff)
    return staff_client


def every_public_path(programme):
    with translation.override("nn"):
        feed = reverse("documents:feed")
    return [*public_paths(programme), feed, "/sitemap.xml", "/robots.txt"]


# --- ETags and 304 ------------------------------------------------------------------------------


def test_every_public_page_has_an_etag_from_its_body_and_a_hit_keeps_it(client, hallingdal):
    for path in every_public_path(hallingdal):
        miss, hit = client.get(path), client.get(path)
        assert (miss["X-Page-Cache"], hit["X-Page-Cache"]) == ("miss", "hit"), path
        assert miss["ETag"].startswith('"'), path
        assert hit["ETag"] == miss["ETag"], path
        assert hit.content == miss.content, path


def test_the_etag_is_the_same_without_the_page_cache(client, hallingdal, settings):
    cached = client.get("/nn/")
    settings.PAGE_CACHE = False
    # A new client loads the middleware anew, now without the page cache.
    uncached = Client().get("/nn/")
    assert "X-Page-Cache" not in uncached
    assert uncached["ETag"] == cached["ETag"]


@pytest.mark.parametrize("page_cache", [True, False])
def test_if_none_match_gets_an_empty_304(client, hallingdal, settings, page_cache):
    settings.PAGE_CACHE = page_cache
    first = client.get("/nn/funding/")
    assert ("X-Page-Cache" in first) == page_cache
    etag = first["ETag"]
    response = client.get("/nn/funding/", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    # A 304 updates the headers the client keeps: the policy must be the page's own.
    assert response["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    stale = client.get("/nn/funding/", headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200


def test_the_etag_changes_after_an_edit(client, hallingdal):
    before = client.get("/nn/")["ETag"]
    assert client.get("/nn/")["ETag"] == before
    programme = Programme.objects.get(pk=hallingdal.pk)
    programme.title_nn = "Framtidstru, nytt namn"
    programme.save()
    after = client.get("/nn/", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after["ETag"] != before
    assert "Framtidstru, nytt namn" in after.content.decode()


# --- Shared caches ------------------------------------------------------------------------------


def test_off_by_default_no_shared_cache_may_keep_a_page(client, hallingdal):
    for response in (client.get("/nn/"), client.get("/nn/")):
        assert not is_shared(response)
        assert "public" not in cache_control(response)


def test_a_shared_cache_may_keep_anonymous_pages(client, hallingdal, shared_cache):
    for path in every_public_path(hallingdal):
        for response in (client.get(path), client.get(path)):
            assert cache_control(response) == {
                "public",
                "max-age=0",
                f"s-maxage={SHARED_SECONDS}",
                f"stale-while-revalidate={SHARED_SECONDS}",
                "stale-if-error=86400",
            }, path
            # The language is in the address; nothing else makes these pages differ.
            if path.startswith("/nn/"):
                assert "Accept-Language" not in response.get("Vary", ""), path


def test_a_shared_cache_keeps_no_page_past_a_scheduled_change(client, hallingdal, shared_cache):
    make_document(hallingdal, publish_at=timezone.now() + datetime.timedelta(seconds=30))
    for response in (client.get("/nn/"), client.get("/nn/")):
        s_maxage = next(p for p in cache_control(response) if p.startswith("s-maxage="))
        assert 0 <= int(s_maxage.split("=")[1]) <= 30


def test_a_staff_users_pages_stay_private(staff_client, hallingdal, shared_cache):
    response = staff_client.get("/nn/")
    assert response.status_code == 200
    assert "private" in cache_control(response)
    assert not is_shared(response)


def test_the_admin_stays_private(staff_client, hallingdal, shared_cache):
    for response in (staff_client.get("/admin/"), Client().get("/admin/login/")):
        assert response.status_code == 200
        assert "private" in cache_control(response)
        assert not is_shared(response)


def test_a_response_that_sets_a_cookie_stays_private(rf, shared_cache):
    response = HttpResponse("Hei")
    response.set_cookie("chosen", "yes")
    shared_cache_control(response)
    assert is_shared(response)
    kept = PrivateResponsesMiddleware(lambda request: response)(rf.get("/nn/"))
    assert "private" in cache_control(kept)
    assert not is_shared(kept)
    assert not {"public", "stale-if-error=86400"} & cache_control(kept)


def test_the_page_cache_lets_no_shared_cache_keep_a_page_that_sets_a_cookie(
    client, hallingdal, shared_cache, monkeypatch
):
    # A page that sets a cookie on its way up, as a view or middleware might.
    answer = RedirectMiddleware.__call__

    def with_cookie(self, request):
        response = answer(self, request)
        response.set_cookie("chosen", "yes")
        return response

    monkeypatch.setattr(RedirectMiddleware, "__call__", with_cookie)
    response = client.get("/nn/")
    assert response.cookies
    assert not is_shared(response)
    assert "private" in cache_control(response)


def test_errors_stay_private(client, hallingdal, shared_cache):
    for _ in range(2):
        response = client.get("/nn/no-such-page/")
        assert response.status_code == 404
        assert "private" in cache_control(response)
        assert not is_shared(response)


def test_document_files_never_get_shared_cache_lifetimes(client, staff_client, shared_cache):
    document = make_document()
    draft = add_version(document, publish=False)
    unpublished = staff_client.get(reverse("admin:documents_documentversion_file", args=[draft.pk]))
    assert unpublished.status_code == 200
    assert "private" in cache_control(unpublished)
    assert not is_shared(unpublished)
    # Published files: public, but every cache asks again each time.
    published = client.get(document.get_download_url())
    assert published.status_code == 200
    assert cache_control(published) == {"public", "no-cache"}
