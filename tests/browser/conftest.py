"""Fixtures for tests that drive Debian's headless Chromium through Playwright.

Playwright cannot download its own browser here, so it runs the system
Chromium. Without it the tests skip loudly on a workstation and fail on CI,
where nothing required may be skipped.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

# Playwright's sync API runs an event loop in this thread; Django would then
# refuse ORM calls from the test body, which are safe here (no async code).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LANGUAGES = ("nn", "nb", "en")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items):
    browser_dir = Path(__file__).parent
    for item in items:
        if browser_dir in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def _require_chromium():
    if CHROMIUM.exists():
        return
    reason = f"BROWSER TESTS NOT RUN: {CHROMIUM} is missing (apt-get install chromium)."
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def static_files_served():
    """Let the live server serve the stylesheet straight from static/.

    pytest-django only wraps its live server in a static files handler when the
    app is listed as "django.contrib.staticfiles", and ours has its own
    AppConfig; WhiteNoise's finders mode does the same job without collectstatic.
    """
    from django.conf import settings

    previous = getattr(settings, "WHITENOISE_USE_FINDERS", None)
    settings.WHITENOISE_USE_FINDERS = True
    yield
    settings.WHITENOISE_USE_FINDERS = previous


@pytest.fixture(scope="session")
def chromium():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def context(chromium):
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def site(live_server, hallingdal):
    """The live server with the real Hallingdal content loaded."""
    return live_server


@pytest.fixture
def page_paths(hallingdal):
    """One path per page type in each language: {"nn": {"home": "/nn/", ...}, ...}."""
    from documents.models import Document, DocumentKind
    from programme.models import Phase

    project_plan = Document.objects.published().get(
        programme=hallingdal, kind=DocumentKind.PROJECT_PLAN
    )
    phase = Phase.objects.published().filter(programme=hallingdal).order_by("number").last()
    municipality = hallingdal.municipalities.published().order_by("name").first()
    paths = {}
    for code in LANGUAGES:
        with translation.override(code):
            paths[code] = {
                "home": reverse("home"),
                "programme-list": reverse("programme:programme_list"),
                "programme-detail": hallingdal.get_absolute_url(),
                "phase": phase.get_absolute_url(),
                "municipalities": reverse("programme:municipality_list"),
                "municipality": municipality.get_absolute_url(),
                "funding": reverse("programme:funding"),
                "open-data": reverse("programme:open_data"),
                "search": reverse("search"),
                "documents": reverse("documents:document_list"),
                "document": project_plan.get_absolute_url(),
                "accessibility": reverse("accessibility"),
                "privacy": reverse("privacy"),
                "not-found": f"/{code}/no-such-page/",
            }
    return paths


def path_of(url):
    return urlsplit(url).path


def editors_group():
    """The editors' group with the rights its migrations give it.

    A browser test's database is emptied after each test, migrations' rows
    included, so each test that needs the group makes it again.
    """
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission

    editors = import_module("hallingdal.migrations.0001_editors_group")
    publish = import_module("hallingdal.migrations.0006_editors_publish")
    group, created = Group.objects.get_or_create(name=editors.EDITORS_GROUP)
    if created:
        for app_label, models in editors.EDITOR_PERMISSIONS.items():
            for model, actions in models.items():
                group.permissions.add(
                    *Permission.objects.filter(
                        content_type__app_label=app_label,
                        codename__in=[f"{action}_{model}" for action in actions],
                    )
                )
        for app_label, codename in publish.PUBLISH:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return group
