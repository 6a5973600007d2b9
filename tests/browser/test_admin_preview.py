"""Preview in a real browser: from the change form, at a phone's width, accessible, no CSP errors.

The Preview button needs no script: Chromium submits the form to the
preview in a new tab (formaction, formtarget), and the preview page frames
the public page, which is allowed for it alone.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from programme.models import Programme

from .axe import axe_violations, describe
from .conftest import editors_group
from .test_csp import COLLECT_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "Eit samandrag som berre førehandsvisinga har."


@pytest.fixture
def editor_context(context, site):
    editor = User.objects.create_user("kari", password=None, is_staff=True)
    editor.groups.add(editors_group())
    client = Client()
    client.force_login(editor)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site.url}]
    )
    context.add_init_script(COLLECT_VIOLATIONS)
    return context


def problems_in(page, frame, console):
    """CSP violations in the page and its frame, and every console error."""
    seen = page.evaluate("window.__cspViolations") + frame.evaluate("window.__cspViolations")
    return seen + console


def test_preview_at_a_phones_width_from_the_change_form(editor_context, site, hallingdal):
    stored_summary = hallingdal.summary_nn
    page = editor_context.new_page()
    console = []
    editor_context.on(
        "console", lambda message: message.type == "error" and console.append(message.text)
    )
    page.goto(site.url + reverse("admin:programme_programme_change", args=[hallingdal.pk]))
    page.fill("#id_summary_nn", SUMMARY)

    with editor_context.expect_page() as opened:
        page.click("button.preview-button")
    preview = opened.value
    preview.on("console", lambda message: message.type == "error" and console.append(message.text))
    preview.wait_for_load_state("load")
    with preview.expect_navigation():
        preview.click("a[href*='width=375']")
    preview.wait_for_load_state("load")

    frame_element = preview.locator("iframe.preview-frame")
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_load_state("load")
    assert frame.evaluate("window.innerWidth") == 375
    assert SUMMARY in frame.content()
    assert frame.locator(".preview-banner").is_visible()
    # At 375 px nothing is wider than the phone.
    assert frame.evaluate("document.documentElement.scrollWidth") <= 375
    assert problems_in(preview, frame, console) == []

    violations = axe_violations(preview)
    assert violations == [], "\n".join(describe(preview.url, violations))
    violations = axe_violations(frame)
    assert violations == [], "\n".join(describe(frame.url, violations))

    # A link in the preview opens the public site in the whole tab, not in the frame.
    with preview.expect_navigation():
        frame.click("a.site-name")
    assert preview.url == site.url + reverse("home")

    # Nothing was saved.
    assert Programme.objects.get(pk=hallingdal.pk).summary_nn == stored_summary
