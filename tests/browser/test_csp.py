"""The Content Security Policy blocks nothing the site or the admin needs.

Chromium reports every blocked script, style or image as a console error and
a securitypolicyviolation event; both must stay empty, public pages and admin
alike, and the tabbed translation admin must still build its tabs.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from .conftest import LANGUAGES

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def violations_on(page, url):
    console = []
    page.on("console", lambda message: console.append(message.text))
    # "load" waits for every stylesheet, script and picture of the page, and
    # so for every violation they could cause; the pages fetch nothing later.
    page.goto(url, wait_until="load")
    seen = page.evaluate("window.__cspViolations")
    return seen + [text for text in console if "Content Security Policy" in text]


@pytest.fixture
def admin_context(context, site):
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", None)
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": site.url}])
    context.add_init_script(COLLECT_VIOLATIONS)
    return context


def test_public_pages_break_no_policy(site, context, page_paths):
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    for code in LANGUAGES:
        for path in page_paths[code].values():
            assert violations_on(page, site.url + path) == [], path


def test_admin_pages_break_no_policy_and_tabs_still_work(admin_context, site, hallingdal):
    page = admin_context.new_page()
    for path in (
        "/admin/",
        "/admin/programme/programme/",
        f"/admin/programme/programme/{hallingdal.pk}/change/",
        "/admin/programme/grant/add/",
        "/admin/documents/document/add/",
        "/admin/auth/user/add/",
    ):
        assert violations_on(page, site.url + path) == [], path

    page.goto(f"{site.url}/admin/programme/programme/{hallingdal.pk}/change/")
    # modeltranslation's tabs are built by jQuery UI, served from /static/.
    assert page.locator(".ui-tabs-nav").count() > 0
