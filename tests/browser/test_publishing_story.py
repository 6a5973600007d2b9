"""The whole publishing story in Chromium, as an editor lives it.

An editor changes phase 2's summary in Nynorsk and English and saves a
draft: visitors see the page as it was, from the page cache and without it.
She previews the draft at a phone's width, schedules it for the next minute
(the test moves the site's clock instead of waiting), and it goes live at
that minute with no job run. Then she compares the two versions, restores
the old one and publishes it, and visitors see the old text again.
"""

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from hallingdal.models import Draft
from programme.models import Phase

from .conftest import editors_group
from .test_csp import COLLECT_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_NN = "Eit nytt samandrag, planlagt til neste minutt."
NEW_EN = "A new summary, scheduled for the next minute."


@pytest.fixture
def editor_page(context, site):
    editor = User.objects.create_user("kari", first_name="Kari", password=None, is_staff=True)
    editor.groups.add(editors_group())
    client = Client()
    client.force_login(editor)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site.url}]
    )
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    page.problems = []
    context.on(
        "console", lambda message: message.type == "error" and page.problems.append(message.text)
    )
    return page


def public_text(site, phase, language):
    """The phase page as an anonymous visitor gets it (through the page cache when it is warm)."""
    with translation.override(language):
        path = phase.get_absolute_url()
    return Client().get(path).content.decode()


def fill_in_tab(page, field_id, text):
    tab = page.locator(f'[role="tab"][aria-controls="tab_{field_id}"]')
    if tab.count():
        tab.click()
    page.fill(f"#{field_id}", text)


def test_draft_preview_schedule_compare_restore_and_publish(
    editor_page, site, hallingdal, clock, settings
):
    page = editor_page
    phase = Phase.objects.get(programme=hallingdal, number=2)
    old_nn, old_en = phase.summary_nn, phase.summary_en
    change_url = site.url + reverse("admin:programme_phase_change", args=[phase.pk])
    before = {code: public_text(site, phase, code) for code in ("nn", "en")}  # Cache warm now.

    # 1. A draft: the public page stays as it was, cached and uncached.
    page.goto(change_url)
    fill_in_tab(page, "id_summary_nn", NEW_NN)
    fill_in_tab(page, "id_summary_en", NEW_EN)
    page.click("input[name=_save_draft]")
    saved = page.locator(".messagelist")
    expect(saved).to_contain_text("Besøkjande ser framleis den publiserte sida")
    for code in ("nn", "en"):
        assert public_text(site, phase, code) == before[code]
    settings.PAGE_CACHE = False
    for code in ("nn", "en"):
        assert public_text(site, phase, code) == before[code]
    settings.PAGE_CACHE = True

    # 2. The preview at 375 px shows the draft the form opened with.
    expect(page.locator("#id_summary_nn")).to_have_value(NEW_NN)
    with page.context.expect_page() as opened:
        page.click("button.preview-button")
    preview = opened.value
    preview.wait_for_load_state("load")
    with preview.expect_navigation():
        preview.click("a[href*='width=375']")
    frame = preview.locator("iframe.preview-frame").element_handle().content_frame()
    frame.wait_for_load_state("load")
    assert frame.evaluate("window.innerWidth") == 375
    assert NEW_NN in frame.content()
    preview.close()

    # 3. Scheduled for the next minute; live at that minute, with no job run.
    # The form takes whole minutes: the next one at least a minute ahead.
    minute = datetime.timedelta(minutes=1)
    go_live = timezone.localtime(clock.now + 2 * minute).replace(second=0, microsecond=0)
    page.fill("#id_schedule-go_live_at_0", go_live.strftime("%d.%m.%Y"))
    page.fill("#id_schedule-go_live_at_1", go_live.strftime("%H:%M"))
    page.click("input[name=_schedule]")
    expect(page.locator(".messagelist")).to_contain_text("er planlagt")
    assert Draft.objects.get().go_live_at is not None
    clock.move(seconds=(go_live - clock.now).total_seconds() - 1)
    assert NEW_EN not in public_text(site, phase, "en")
    clock.move(seconds=1)
    assert NEW_NN in public_text(site, phase, "nn")
    assert NEW_EN in public_text(site, phase, "en")
    assert not Draft.objects.exists()

    # 4. Compare the page as it was with the page as it is: the words, not markup.
    page.goto(site.url + reverse("admin:programme_phase_history", args=[phase.pk]))
    page.locator("input[name=from]").last.check()
    page.locator("input[name=to]").first.check()
    page.click(".version-compare-form input[type=submit]")
    diff = page.locator("main, #content").first
    expect(diff).to_contain_text(NEW_NN)  # Whole: no word is the same as before.
    expect(diff).to_contain_text("A new summary, scheduled for")
    expect(page.locator("ins").first).to_be_visible()
    assert "&lt;p&gt;" not in page.content()

    # 5. Restore the version before the draft, as a draft, then publish it.
    page.goto(site.url + reverse("admin:programme_phase_history", args=[phase.pk]))
    # The oldest version is the page as it was loaded, before the first draft.
    page.locator("a[href*='/restore/']").last.click()
    page.click("#content-main form[method=post] input[type=submit]")
    expect(page.locator("#id_summary_nn")).to_have_value(old_nn)
    assert NEW_EN in public_text(site, phase, "en")  # Restored as a draft: not live yet.
    page.click("input[name=_save]")
    page.wait_for_url("**" + reverse("admin:programme_phase_changelist"))
    assert old_en in public_text(site, phase, "en")
    assert NEW_EN not in public_text(site, phase, "en")
    assert page.problems == [] and page.evaluate("window.__cspViolations") == []
