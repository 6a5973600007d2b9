"""The "Used on" panel, the delete warning and the grant summary pass axe in Chromium."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from documents.models import Document, DocumentKind

from .axe import AXE_SCRIPT, WCAG_TAGS, describe
from .test_admin_locking import logged_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violations_in(page, selector):
    """WCAG 2.1 A and AA violations within the part of the page that `selector` picks."""
    assert page.locator(selector).count() == 1, selector
    page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    context = {"include": [[selector]]}
    results = page.evaluate("([context, options]) => axe.run(context, options)", [context, options])
    return results["violations"]


def test_usage_panel_warning_and_grant_summary_pass_axe(context, site, hallingdal):
    plan = Document.objects.get(programme=hallingdal, kind=DocumentKind.PROJECT_PLAN)
    # The loaded programme text links to its project plan in each language.
    admin = User.objects.create_superuser("usage-admin", None, None)
    page = logged_in_context(context, site, admin).new_page()
    checks = [
        (reverse("admin:documents_document_change", args=[plan.pk]), ".document-usage"),
        (reverse("admin:documents_document_delete", args=[plan.pk]), ".broken-links"),
        (reverse("admin:programme_programme_change", args=[hallingdal.pk]), ".field-grant_summary"),
    ]
    found = []
    for path, selector in checks:
        page.goto(site.url + path)
        found.extend(describe(path, violations_in(page, selector)))
    assert found == [], "\n".join(found)
    page.goto(site.url + checks[0][0])
    panel = page.locator(".document-usage")
    # The programme's page lists it, and its text links to it in three languages.
    assert panel.get_by_role("link", name=hallingdal.title_nn).count() == 4
