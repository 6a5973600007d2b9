"""Skip link, landmarks, headings, focus, small screens and pages without JavaScript."""

from pathlib import Path

import pytest
from django.utils import translation

from .axe import axe_violations, describe
from .conftest import LANGUAGES, path_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANDMARKS = ("banner", "navigation", "main", "contentinfo")
HEADING_LEVELS = """() => Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"))
    .filter(heading => heading.getClientRects().length > 0)
    .map(heading => Number(heading.tagName[1]))"""
# The header's brand colour comes from site.css; unstyled it would be transparent.
STYLESHEET_LOADED = """() => getComputedStyle(document.querySelector(".site-header"))
    .backgroundColor !== 'rgba(0, 0, 0, 0)'"""
FOCUS_STYLE_OF = """element => {
    const style = getComputedStyle(element);
    return [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow].join(" ");
}"""


def test_skip_link_is_first_and_moves_focus_to_main(site, page, page_paths):
    for code in LANGUAGES:
        page.goto(site.url + page_paths[code]["home"])
        page.keyboard.press("Tab")
        first = page.evaluate("() => document.activeElement.getAttribute('href')")
        assert first == "#main", code
        assert page.locator(".skip-link").is_visible(), "the skip link shows when focused"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "main"
        # The next Tab continues inside the main content, not in the header.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.closest('main') !== null")


def test_every_page_type_has_landmarks_and_headings_in_order(site, page, page_paths):
    for code in LANGUAGES:
        for path in page_paths[code].values():
            page.goto(site.url + path)
            assert page.evaluate(STYLESHEET_LOADED), f"{path} is shown without its stylesheet"
            assert page.locator("html").get_attribute("lang") == code, path
            for role in LANDMARKS:
                assert page.get_by_role(role).count() >= 1, f"{path} has no {role} landmark"
            assert page.get_by_role("main").count() == 1, path
            levels = page.evaluate(HEADING_LEVELS)
            assert levels.count(1) == 1, f"{path} has headings {levels}"
            assert levels[0] == 1, f"{path} does not start with h1: {levels}"
            for previous, level in zip(levels, levels[1:], strict=False):
                assert level <= previous + 1, f"{path} skips a heading level: {levels}"


def test_screen_readers_get_names_without_decoration(site, page, page_paths):
    """Separators and icons drawn by CSS stay out of what screen readers announce."""
    page.goto(site.url + page_paths["en"]["document"])
    breadcrumbs = page.get_by_role("navigation", name="You are here").aria_snapshot()
    assert "›" not in breadcrumbs
    assert "Documents" in breadcrumbs
    download = page.locator("main a.download").first
    assert download.evaluate("link => getComputedStyle(link, '::before').content") != "none"
    name = page.locator("main").aria_snapshot()
    assert 'link "Download Project plan' in name


def test_head_has_language_alternates_canonical_and_description(site, page, page_paths):
    for code in LANGUAGES:
        for name, path in page_paths[code].items():
            page.goto(site.url + path)
            alternates = {
                link.get_attribute("hreflang"): link.get_attribute("href")
                for link in page.locator("link[rel=alternate][hreflang]").all()
            }
            assert set(alternates) == {"nn", "nb", "en", "x-default"}, path
            assert all(href.startswith(site.url + "/") for href in alternates.values()), path
            # The unprefixed address, where the browser's language decides.
            assert alternates["x-default"] == alternates["nn"].replace("/nn/", "/", 1), path
            if name != "not-found":
                assert path_of(alternates[code]) == path, path
                canonical = page.locator("link[rel=canonical]").get_attribute("href")
                assert canonical == site.url + path
            description = page.locator("meta[name=description]").get_attribute("content")
            assert len(description.strip()) > 20, path


def test_focus_is_visible_on_links_and_the_download_button(site, page, page_paths):
    page.goto(site.url + page_paths["en"]["home"])
    targets = {
        "skip link": page.locator(".skip-link"),
        "main menu": page.locator("nav.main-nav a").first,
        "download": page.locator("main a.download").first,
        "footer": page.locator("footer a").first,
    }
    for name, target in targets.items():
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        unfocused = target.evaluate(FOCUS_STYLE_OF)
        # A key press first: :focus-visible shows for keyboard users, not after a click.
        page.keyboard.press("Shift")
        target.focus()
        focused = target.evaluate(FOCUS_STYLE_OF)
        assert focused != unfocused, f"no visible focus on the {name}: {focused}"
        outline_style, box_shadow = focused.split(" ", 1)[0], focused.split(" ", 3)[3]
        assert outline_style != "none" or box_shadow != "none", f"{name}: {focused}"


def test_no_horizontal_scrolling_at_320_pixels(site, page, page_paths):
    page.set_viewport_size({"width": 320, "height": 640})
    problems = []
    for code in LANGUAGES:
        for path in page_paths[code].values():
            page.goto(site.url + path)
            width = page.evaluate("() => document.scrollingElement.scrollWidth")
            assert width <= 320, f"{path} is {width} px wide at 320 px"
            if code == "nn":
                # The small-screen layout (tables that scroll, wrapped menus) is checked too.
                problems += describe(path, axe_violations(page))
    assert problems == [], "\n".join(problems)


def test_navigation_and_download_work_without_javascript(site, chromium, page_paths, hallingdal):
    from documents.models import Document, DocumentKind

    project_plan = Document.objects.get(programme=hallingdal, kind=DocumentKind.PROJECT_PLAN)
    with translation.override("nb"):
        download_path = project_plan.get_download_url()
    context = chromium.new_context(java_script_enabled=False, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(site.url + page_paths["nb"]["home"])
        page.locator(f"nav.main-nav a[href='{page_paths['nb']['documents']}']").click()
        assert path_of(page.url) == page_paths["nb"]["documents"]
        assert page.locator("h1").count() == 1
        with page.expect_download() as download_info:
            page.locator(f"main a.download[href='{download_path}']").first.click()
        download = download_info.value
        assert download.failure() is None
        assert download.suggested_filename == project_plan.current_version.original_filename
    finally:
        context.close()


def test_print_hides_menus_and_shows_where_links_go(site, page, page_paths):
    page.emulate_media(media="print")
    page.goto(site.url + page_paths["nn"]["documents"])
    for hidden in ("nav.main-nav", ".language-switcher", ".skip-link"):
        assert not page.locator(hidden).is_visible(), hidden
    link = page.locator("main a.download").first
    shown = link.evaluate("link => getComputedStyle(link, '::after').content")
    assert link.get_attribute("href") in shown
    page.goto(site.url + page_paths["nn"]["funding"])
    table = page.locator("main table").first
    assert table.evaluate("table => getComputedStyle(table).display") == "table"
    header = table.locator("thead")
    assert header.evaluate("head => getComputedStyle(head).display") == "table-header-group"


def test_all_css_stays_within_20_kilobytes():
    """One hand-written stylesheet for visitors, small enough for a slow line.

    The admin's own additions (admin.css) load only for staff, after Django's
    admin styles, and have a budget of their own.
    """
    css_folder = Path(__file__).resolve().parents[2] / "static" / "css"
    visitors = (css_folder / "site.css").stat().st_size
    assert 0 < visitors <= 20 * 1024, f"{visitors} bytes of CSS for visitors"
    staff = (css_folder / "admin.css").stat().st_size
    assert 0 < staff <= 16 * 1024, f"{staff} bytes of CSS for the admin"
    assert {path.name for path in css_folder.glob("**/*.css")} == {"site.css", "admin.css"}
