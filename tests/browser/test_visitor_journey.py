"""What visitors do: reach the project plan by keyboard, and the journey from home to download."""

import pytest
from django.utils import translation

from .conftest import ARTIFACTS, path_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TABS = 80
SCREENSHOT_WIDTHS = (375, 1280)


@pytest.fixture
def project_plan(hallingdal):
    from documents.models import Document, DocumentKind

    return Document.objects.get(programme=hallingdal, kind=DocumentKind.PROJECT_PLAN)


def stored_bytes(document):
    version = document.current_version
    with version.file.open("rb") as stored:
        return stored.read()


def test_keyboard_alone_reaches_and_downloads_the_project_plan(site, page, project_plan):
    with translation.override("nn"):
        download_path = project_plan.get_download_url()
    page.goto(f"{site.url}/nn/")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.getAttribute('href')")
        if focused == download_path:
            break
    else:
        pytest.fail(f"{MAX_TABS} presses of Tab never reached the project plan download")
    with page.expect_download() as download_info:
        page.keyboard.press("Enter")
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == project_plan.current_version.original_filename


def test_journey_from_nynorsk_home_to_the_project_plan_in_english(site, page, project_plan):
    page.goto(f"{site.url}/nn/")
    assert page.locator("html").get_attribute("lang") == "nn"

    page.locator("nav.language-switcher").get_by_role("link", name="English").click()
    assert path_of(page.url) == "/en/"
    assert page.locator("html").get_attribute("lang") == "en"

    page.locator("main").get_by_role("link", name="Phase 2").first.click()
    assert "/en/" in page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("Phase 2")

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Documents").click()
    assert path_of(page.url) == "/en/documents/"
    assert page.get_by_role("heading", level=1).inner_text() == "Documents"

    with page.expect_download() as download_info:
        page.locator("main a.download").first.click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == project_plan.current_version.original_filename
    with open(download.path(), "rb") as received:
        assert received.read() == stored_bytes(project_plan)


def test_screenshots_of_every_page_type(site, page, page_paths):
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for width in SCREENSHOT_WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in page_paths["nn"].items():
            page.goto(site.url + path)
            target = folder / f"{name}-{width}.png"
            page.screenshot(path=target, full_page=True)
            written.append(target)
    # How the funding table and the document list come out on paper.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})
    for name in ("funding", "documents"):
        page.goto(site.url + page_paths["nn"][name])
        target = folder / f"{name}-print.png"
        page.screenshot(path=target, full_page=True)
        written.append(target)
    assert all(path.stat().st_size > 1000 for path in written)
