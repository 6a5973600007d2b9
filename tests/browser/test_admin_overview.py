"""The admin's front page with every part of its overview filled, as an editor sees it."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from documents.models import Document
from hallingdal import publishing
from programme.models import Phase

from .test_rich_text_editor import (  # noqa: F401 (the fixtures, asked for by name below)
    checked_with_axe,
    editor_page,
    editor_session,
    problems,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_the_overview(hallingdal):
    """Something for every section (phase 2 is already in progress after 2017)."""
    user = User.objects.get(username="redaktor")
    phase = Phase.objects.get(programme=hallingdal, number=1)
    phase.summary_en = ""
    phase.body_en = '<p>See <a href="internal:programme/999999">the old page</a>.</p>'
    publishing.object_save(obj=phase, user=user)
    hallingdal.title_nn = "Framtidstru og vekst i Hallingdal (utkast)"
    publishing.draft_save(obj=hallingdal, user=user)
    hallingdal.refresh_from_db()
    grant = hallingdal.grants.first()
    grant.awarded_on = None
    grant.save()
    document = Document.objects.filter(programme=hallingdal).first()
    document.versions.first().file.delete(save=False)
    return phase


def test_the_overview_passes_axe_and_leads_to_the_missing_language_tab(site, hallingdal, request):
    page = request.getfixturevalue("editor_page")
    phase = fill_the_overview(hallingdal)
    page.goto(f"{site.url}/admin/")
    for key in ["drafts", "changes", "translations", "phases", "files", "grants", "links"]:
        expect(page.locator(f"#overview-{key} li").first).to_be_visible()
    assert checked_with_axe(page, "/admin/") == []

    page.locator(f'#overview-translations a[href$="/{phase.pk}/change/#id_summary_en"]').click()
    # Every field shows English, once the tabs are built.
    expect(page.locator('[role="tab"][aria-controls="tab_id_title_en"]')).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.locator("#id_summary_en")).to_be_visible()
    expect(page.locator("#id_summary_nn")).to_be_hidden()
    expect(page.locator("#id_summary_en")).to_be_focused()
    assert problems(page) == []
