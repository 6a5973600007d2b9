"""The page cache: anonymous visitors get cached pages, never stale ones; staff get none."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from documents.models import Document, DocumentVersion
from hallingdal.cache import current_generation, pages_changed
from programme.models import Grant, Municipality, Phase
from tests.factories import make_document, make_programme
from tests.form_data import form_data

CACHE_HEADER = "X-Page-Cache"


def cache_state(response):
    return response.headers.get(CACHE_HEADER)


def warm(client, url):
    """Request a page until it comes from the cache; return its text."""
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    assert cache_state(response) == "hit", f"{url} did not come from the cache"
    return response.content.decode()


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("cache-test", "cache@example.invalid", password=None)


@pytest.fixture
def staff_client(staff):
    # A client of its own: the visitor's client must carry no session cookie.
    staff_client = Client()
    staff_client.force_login(staff)
    return staff_client


# --- What is cached, and for whom ---------------------------------------------------------------


def test_an_anonymous_visitor_gets_the_second_request_from_the_cache_without_queries(
    client, hallingdal
):
    first = client.get("/nn/")
    assert cache_state(first) == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/nn/")
    assert cache_state(second) == "hit"
    assert len(queries) == 0
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_each_response_still_gets_its_own_request_id_and_security_headers(client, hallingdal):
    client.get("/nn/")
    first, second = client.get("/nn/"), client.get("/nn/")
    assert cache_state(second) == "hit"
    assert first["X-Request-ID"] != second["X-Request-ID"]
    assert "Content-Security-Policy" in second
    assert second["X-Content-Type-Options"] == "nosniff"


def test_pages_are_cached_per_language(client, hallingdal):
    nynorsk = warm(client, "/nn/funding/")
    english = warm(client, "/en/funding/")
    assert 'lang="nn"' in nynorsk
    assert 'lang="en"' in english


def test_unprefixed_addresses_are_cached_per_language_the_browser_asks_for(client, hallingdal):
    # /robots.txt and /sitemap.xml have no language prefix; the key uses the
    # language the request resolves to, as LocaleMiddleware does.
    english = client.get("/sitemap.xml", HTTP_ACCEPT_LANGUAGE="en")
    assert cache_state(english) == "miss"
    nynorsk = client.get("/sitemap.xml", HTTP_ACCEPT_LANGUAGE="nn")
    assert cache_state(nynorsk) == "miss"
    assert cache_state(client.get("/sitemap.xml", HTTP_ACCEPT_LANGUAGE="en")) == "hit"


def test_pages_are_cached_per_full_address_with_the_query_string(client, hallingdal):
    first = client.get("/nn/search/?q=fase")
    other = client.get("/nn/search/?q=kommune")
    assert cache_state(other) == "miss"
    assert first.content != other.content
    assert cache_state(client.get("/nn/search/?q=fase")) == "hit"


def test_pages_are_cached_per_host(client, hallingdal, settings):
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    warm(client, "/nn/")
    elsewhere = client.get("/nn/", HTTP_HOST="other.example")
    assert cache_state(elsewhere) == "miss"
    assert "other.example" in elsewhere.content.decode()


def test_public_pages_set_no_cookies(client, hallingdal):
    for url in ["/nn/", "/nn/programmes/", "/nn/funding/", "/nn/documents/", "/nn/search/?q=gol"]:
        assert not client.get(url).cookies, url


def test_logged_in_staff_never_get_or_fill_cached_pages(client, staff_client, hallingdal):
    for _ in range(2):
        response = staff_client.get("/nn/")
        assert response.status_code == 200
        assert cache_state(response) is None
    # Staff did not fill the cache: the first anonymous request is a miss.
    assert cache_state(client.get("/nn/")) == "miss"


def test_a_request_with_a_session_cookie_bypasses_the_cache(client, hallingdal):
    warm(client, "/nn/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "whatever"
    assert cache_state(client.get("/nn/")) is None


def test_errors_and_redirects_are_not_cached(client, hallingdal):
    for _ in range(2):
        assert cache_state(client.get("/nn/programmes/no-such-programme/")) is None
        assert cache_state(client.get("/")) is None


def test_downloads_health_checks_and_the_admin_are_not_cached(client, hallingdal):
    plan = Document.objects.get(programme=hallingdal, kind="project_plan")
    version = plan.versions.get()
    for _ in range(2):
        download = client.get(plan.get_download_url())
        assert download.status_code == 200
        b"".join(download.streaming_content)
        assert cache_state(download) is None
        assert cache_state(client.get("/healthz")) is None
        assert cache_state(client.get(reverse("admin:login"))) is None
    version.refresh_from_db()
    assert version.download_count == 2


def test_a_download_does_not_empty_the_cache(client, hallingdal):
    plan = Document.objects.get(programme=hallingdal, kind="project_plan")
    warm(client, plan.get_absolute_url())
    b"".join(client.get(plan.get_download_url()).streaming_content)
    assert cache_state(client.get(plan.get_absolute_url())) == "hit"


def test_the_cache_can_be_switched_off(client, hallingdal, settings):
    settings.PAGE_CACHE = False
    for _ in range(2):
        assert cache_state(client.get("/nn/")) is None


# --- Never stale: every save in the admin shows on the next request ----------------------------


def admin_post(staff_client, url, changes):
    """Submit the admin form at url as it stands, with `changes`, and expect success."""
    page = staff_client.get(url)
    assert page.status_code == 200
    data = {**form_data(page), **changes}
    response = staff_client.post(url, data)
    errors = response.context and response.context.get("errors")
    assert response.status_code == 302, errors
    return response


def admin_change(staff_client, obj, changes):
    info = (obj._meta.app_label, obj._meta.model_name)
    url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
    return admin_post(staff_client, url, {**changes, "_save": "Save"})


@pytest.mark.parametrize(
    ("model", "public_url", "changes", "shown"),
    [
        ("programme", "/nn/", {"title_nn": "Framtidstru, nytt namn"}, "Framtidstru, nytt namn"),
        ("phase", "/nn/programmes/{slug}/", {"title_nn": "Kartlegging no"}, "Kartlegging no"),
        ("municipality", "/nn/municipalities/", {"name": "Golnytt"}, "Golnytt"),
        ("grant", "/nn/funding/", {"funder_nn": "Departementet no"}, "Departementet no"),
        ("document", "/nn/documents/", {"title_nn": "Ny prosjektplan"}, "Ny prosjektplan"),
        (
            "documentversion",
            "/nn/documents/{plan}/",
            {"note_nn": "Retta budsjett"},
            "Retta budsjett",
        ),
    ],
)
def test_saving_any_model_in_the_admin_shows_on_the_next_request(
    client, staff_client, hallingdal, model, public_url, changes, shown
):
    plan = Document.objects.get(programme=hallingdal, kind="project_plan")
    objects = {
        "programme": hallingdal,
        "phase": Phase.objects.get(programme=hallingdal, number=1),
        "municipality": Municipality.objects.get(slug="gol"),
        "grant": Grant.objects.get(programme=hallingdal),
        "document": plan,
        "documentversion": DocumentVersion.objects.get(document=plan),
    }
    url = public_url.format(slug=hallingdal.slug, plan=plan.slug)
    assert shown not in warm(client, url)

    admin_change(staff_client, objects[model], changes)

    response = client.get(url)
    assert cache_state(response) == "miss"
    assert shown in response.content.decode()


def test_adding_in_the_admin_shows_on_the_next_request(client, staff_client, hallingdal):
    warm(client, "/nn/municipalities/")
    admin_post(
        staff_client,
        reverse("admin:programme_municipality_add"),
        {"number": "3399", "name": "Nykommune", "slug": "nykommune", "is_published": "on"},
    )
    assert "Nykommune" in client.get("/nn/municipalities/").content.decode()


def test_deleting_in_the_admin_shows_on_the_next_request(client, staff_client, hallingdal):
    grant = Grant.objects.get(programme=hallingdal)
    assert grant.funder in warm(client, "/nn/funding/")
    url = reverse("admin:programme_grant_delete", args=[grant.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not Grant.objects.filter(pk=grant.pk).exists()
    assert cache_state(client.get("/nn/funding/")) == "miss"


def test_a_deletion_of_several_in_the_admin_shows_on_the_next_request(
    client, staff_client, hallingdal
):
    extra = [make_document(hallingdal, title_nn=f"Ekstra {n}") for n in range(2)]
    assert "Ekstra 1" in warm(client, "/nn/documents/")
    staff_client.post(
        reverse("admin:documents_document_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [document.pk for document in extra],
            "post": "yes",
        },
    )
    assert not Document.objects.filter(pk__in=[d.pk for d in extra]).exists()
    assert "Ekstra 1" not in client.get("/nn/documents/").content.decode()


# --- Never stale outside the admin too -----------------------------------------------------------


def test_writes_outside_the_admin_also_make_pages_fresh(client, hallingdal):
    warm(client, "/nn/programmes/")
    make_programme(title_nn="Eit heilt nytt program", position=1)
    assert "Eit heilt nytt program" in client.get("/nn/programmes/").content.decode()
    warm(client, "/nn/programmes/")
    hallingdal.municipalities.clear()
    assert cache_state(client.get("/nn/programmes/")) == "miss"


def test_the_generation_changes_again_when_the_transaction_commits(
    hallingdal, django_capture_on_commit_callbacks
):
    # A page rendered between the save and the commit read the old rows; the
    # change at commit makes what it stored unreachable.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        hallingdal.save()
        during = current_generation()
    assert callbacks
    assert current_generation() != during


def test_a_change_counted_by_another_process_reaches_this_one(hallingdal, monkeypatch):
    # Another process (a worker, a management command, another server) counts
    # its change in the database; this worker reads that number again within
    # CHECK_SECONDS. (tests/test_cache_resilience.py runs real processes.)
    from hallingdal import cache as page_cache

    before = current_generation()
    page_cache.PageGeneration.objects.update(number=F("number") + 1)
    assert current_generation() == before, "read again before the check interval"
    clock = page_cache.time.monotonic() + page_cache.CHECK_SECONDS
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: clock)
    assert current_generation() != before


def test_every_change_is_counted_in_the_database(hallingdal, django_capture_on_commit_callbacks):
    from hallingdal.cache import stored_generation

    before = stored_generation()
    with django_capture_on_commit_callbacks(execute=True):
        hallingdal.save()
        Phase.objects.filter(programme=hallingdal).first().save()
    assert stored_generation().number == before.number + 2


def test_a_new_generation_is_never_an_old_one(db):
    generations = [current_generation()]
    for _ in range(5):
        pages_changed()
        generations.append(current_generation())
    assert len(set(generations)) == len(generations)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, ("hallingdal.cache_backends.BoundedLocMemCache", True)),
        (
            {"REDIS_URL": "redis://127.0.0.1:6379/0"},
            ("hallingdal.cache_backends.FailOpenRedisCache", True),
        ),
        ({"DJANGO_PAGE_CACHE": "off"}, ("hallingdal.cache_backends.BoundedLocMemCache", False)),
    ],
)
def test_settings_choose_the_cache_from_the_environment(environment, expected):
    script = (
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.PAGE_CACHE)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_PAGE_CACHE")}
    output = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        env={**clean, **environment, "DJANGO_SETTINGS_MODULE": "hallingdal.settings"},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    ).stdout.split()
    assert (output[-2], output[-1] == "True") == expected


# --- Flooding ---------------------------------------------------------------------------------


def cached_page_keys():
    from django.core.cache import cache

    return [key for key in cache._cache if "page-cache:page:" in key]


def test_unique_tracking_parameters_share_one_entry(client, hallingdal):
    first = client.get("/nn/?utm_source=a")
    assert cache_state(first) == "miss"
    for n in range(50):
        response = client.get(f"/nn/?utm_source=newsletter-{n}&fbclid={n}")
        assert cache_state(response) == "hit"
        assert response.content == first.content
    assert len(cached_page_keys()) == 1


def test_the_parameters_pages_read_still_make_their_own_entries(client, hallingdal):
    warm(client, "/nn/search/?q=fase")
    assert cache_state(client.get("/nn/search/?q=fase&utm_medium=epost")) == "hit"
    assert cache_state(client.get("/nn/search/?q=gol")) == "miss"
    # The order of the parameters makes no difference.
    warm(client, "/nn/funding/?page=1&q=x")
    assert cache_state(client.get("/nn/funding/?q=x&page=1")) == "hit"


def test_a_view_that_reads_another_parameter_is_not_cached(client, hallingdal, caplog):
    from django.test import RequestFactory

    from hallingdal.cache import PageCacheMiddleware

    def view_reading_colour(request):
        from django.http import HttpResponse

        return HttpResponse(request.GET.get("colour", "none"))

    middleware = PageCacheMiddleware(view_reading_colour)
    for colour in ("red", "blue"):
        response = middleware(RequestFactory().get(f"/nn/?colour={colour}"))
        assert response.content.decode() == colour
        assert cache_state(response) is None
    assert "colour" in caplog.text


def test_a_page_too_heavy_for_one_entry_is_served_but_not_kept(client, hallingdal, settings):
    from django.core.cache import cache

    cache.max_entry_bytes = 1000
    try:
        assert client.get("/nn/").status_code == 200
        assert cache_state(client.get("/nn/")) is None
    finally:
        cache.max_entry_bytes = settings.CACHES["default"]["OPTIONS"]["MAX_ENTRY_BYTES"]
    assert cached_page_keys() == []


def test_the_local_cache_keeps_within_its_byte_budget():
    from hallingdal.cache_backends import BoundedLocMemCache

    small = BoundedLocMemCache(
        "budget-test", {"OPTIONS": {"MAX_BYTES": 50_000, "MAX_ENTRY_BYTES": 20_000}}
    )
    small.clear()
    for n in range(100):
        assert small.set(f"page-{n}", b"x" * 9_000) is True
        assert small.total_bytes <= 50_000
    assert small.get("page-99") is not None  # the newest stay
    assert small.get("page-0") is None  # the oldest went
    assert small.set("too-heavy", b"x" * 30_000) is False
    assert small.get("too-heavy") is None
