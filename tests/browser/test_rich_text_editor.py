"""The rich-text editor as editors use it: every form, tab and inline, the page picker, no script.

An editor is a staff member of the "Redaktørar" group, working in the
admin in Nynorsk. Pages are watched for console errors and for anything the
Content Security Policy blocks; both must stay empty.
"""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation
from playwright.sync_api import expect

from documents.models import Document, DocumentKind
from programme.models import Phase

from .axe import axe_violations, describe
from .conftest import ARTIFACTS, LANGUAGES, editors_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__problems = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__problems.push(`policy: ${event.violatedDirective} ${event.blockedURI}`);
});
"""
EDITORS = "textarea[data-django-prose-editor-configurable]:not([id*='__prefix__'])"


@pytest.fixture
def editor_session(site):
    """A session cookie of an editor, as the council's staff log in."""
    user = User.objects.create_user("redaktor", password=None, is_staff=True)
    user.groups.add(editors_group())
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site.url}


@pytest.fixture
def editor_page(chromium, editor_session):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([editor_session])
    context.add_init_script(WATCH)
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.problems.append(message.text),
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


def problems(page):
    return page.problems + page.evaluate("window.__problems")


def checked_with_axe(page, where):
    """axe-core's findings on the page as it is now."""
    before = len(page.problems)
    found = describe(where, axe_violations(page))
    # While it measures, axe-core sets inline styles of its own, which the
    # policy refuses; those errors are not the page's.
    page.problems[before:] = [
        text for text in page.problems[before:] if not text.startswith("Applying inline style")
    ]
    return found


def open_form(page, url):
    """Open a change form and wait until every rich-text field has its editor."""
    page.goto(url)
    wanted = page.locator(EDITORS).count()
    assert wanted > 0, url
    expect(page.locator(".prose-editor .ProseMirror")).to_have_count(wanted)
    expect(page.locator(".prose-editor .prose-menubar")).to_have_count(wanted)
    return wanted


def editor_in(page, field_id):
    """The editing area of a field, its language tab shown first."""
    tab = page.locator(f'[role="tab"][aria-controls="tab_{field_id}"]')
    if tab.count():
        tab.click()
    return page.locator(f"#{field_id}").locator("xpath=..").locator(".ProseMirror")


def go_to_end(area):
    """Put the caret at the end of the text, as an editor clicking after the last word would.

    Through the editor's own command: a click or Control+End moves the
    browser's caret first and the editor's a moment later, so a key typed at
    test speed could land at the old place, or outside the editor.
    """
    area.evaluate("area => area.editor.commands.focus('end')")
    # The editor takes the focus in the next animation frame.
    expect(area).to_be_focused()


def write_in(page, field_id, words):
    go_to_end(editor_in(page, field_id))
    page.keyboard.press("Enter")
    page.keyboard.type(words)
    expect(page.locator(f"#{field_id}")).to_have_value(re.compile(f"{re.escape(words)}</p>$"))


def test_the_editor_works_in_every_form_and_every_tab(site, editor_page, hallingdal):
    page = editor_page
    plan = Document.objects.get(programme=hallingdal, kind=DocumentKind.PROJECT_PLAN)
    municipality = hallingdal.municipalities.order_by("name").first()
    phase = Phase.objects.get(programme=hallingdal, number=2)
    admin = f"{site.url}/admin"

    # Goal, text and scheme in three languages; the phases' texts are on their own pages.
    assert open_form(page, f"{admin}/programme/programme/{hallingdal.pk}/change/") == 9
    for code in LANGUAGES:
        write_in(page, f"id_body_{code}", f"Programtekst på {code}")
    # The editor reads what the loader wrote, its link to the project plan included.
    body = editor_in(page, "id_body_nn")
    expect(body.locator(f'a[href="internal:document/{plan.pk}"]')).to_have_count(1)
    expect(body.locator("h1, table")).to_have_count(0)
    # Each phase row links to the page with its texts.
    expect(
        page.locator("#phases-group").get_by_role("link", name=re.compile("samandrag"))
    ).to_have_count(2)

    for url, fields in (
        (f"{admin}/programme/phase/{phase.pk}/change/", ["body", "outcome"]),
        (f"{admin}/programme/municipality/{municipality.pk}/change/", ["description"]),
        (f"{admin}/documents/document/{plan.pk}/change/", ["description"]),
    ):
        assert open_form(page, url) == 3 * len(fields), url
        for field in fields:
            for code in LANGUAGES:
                write_in(page, f"id_{field}_{code}", f"{field} på {code}")
                area = editor_in(page, f"id_{field}_{code}")
                # Named by its label, in its language, spelling checked.
                expect(area).to_have_attribute("lang", code)
                expect(area).to_have_attribute("aria-labelledby", f"id_{field}_{code}-label")
                expect(area).not_to_have_attribute("spellcheck", "false")

    # Addresses elsewhere go through the package's own link dialog.
    area = editor_in(page, "id_description_nn")
    for words, address in (
        ("Departementet", "https://www.regjeringen.no/"),
        ("Skriv til oss", "mailto:post@example.no"),
        ("Ring oss", "tel:+4732000000"),
    ):
        go_to_end(area)
        page.keyboard.press("Enter")
        page.keyboard.type(words)
        page.keyboard.press("Shift+Home")
        area.locator("xpath=..").locator("button[data-name='link']").click()
        dialog = page.get_by_role("dialog", name="Rediger lenkja")
        dialog.get_by_label("Adresse").fill(address)
        page.keyboard.press("Enter")
        expect(area.locator(f'a[href="{address}"]', has_text=words)).to_have_count(1)
    assert page.url.endswith(f"/documents/document/{plan.pk}/change/")

    # Only sections and subsections: the page's own title is the h1.
    menu = page.locator(".prose-menubar").first
    expect(menu.locator("button[data-name^='heading']")).to_have_count(2)
    expect(menu.locator("button[data-name='heading2']")).to_have_attribute(
        "aria-label", "Overskrift"
    )
    expect(menu.locator("button[data-name^='table']")).to_have_count(0)
    assert problems(page) == []


def test_an_editor_writes_headings_lists_and_a_picked_link_in_nynorsk_and_english(
    site, editor_page, hallingdal, client
):
    page = editor_page
    plan = Document.objects.get(programme=hallingdal, kind=DocumentKind.PROJECT_PLAN)
    phase = Phase.objects.get(programme=hallingdal, number=2)
    open_form(page, f"{site.url}/admin/programme/phase/{phase.pk}/change/")
    ARTIFACTS.mkdir(exist_ok=True)

    violations = checked_with_axe(page, "phase form")
    texts = {
        "nn": ("Kva skjer no", "Første tiltak", "Andre tiltak", "Les prosjektplanen"),
        "en": ("What happens now", "First measure", "Second measure", "Read the project plan"),
    }
    for code, (heading, first, second, link_words) in texts.items():
        field = f"id_body_{code}"
        editor = editor_in(page, field)
        menu = editor.locator("xpath=..").locator(".prose-menubar")
        go_to_end(editor)
        page.keyboard.press("Enter")
        menu.locator("button[data-name='heading2']").click()
        page.keyboard.type(heading)
        expect(menu.locator("button[data-name='heading2']")).to_have_attribute(
            "aria-pressed", "true"
        )
        page.keyboard.press("Enter")
        menu.locator("button[data-name='bulletList']").click()
        page.keyboard.type(first)
        page.keyboard.press("Enter")
        page.keyboard.type(second)
        page.keyboard.press("Enter")
        page.keyboard.press("Enter")
        page.keyboard.type(link_words)
        page.keyboard.press("Shift+Home")

        # The page picker, by keyboard: search, arrow down to the match, Enter.
        menu.locator("button[data-name='internalLink']").click()
        dialog = page.get_by_role("dialog", name="Lenk til ei side på nettstaden")
        expect(dialog).to_be_visible()
        search = dialog.get_by_role("searchbox", name="Søk etter ein tittel eller eit namn")
        expect(search).to_be_focused()
        expect(dialog.locator(".link-picker-result").first).to_be_visible()
        if code == "nn":
            page.screenshot(path=str(ARTIFACTS / "editor-link-dialog.png"))
            violations += checked_with_axe(page, "phase form, link dialog open")
        search.type("prosjektplan")
        expect(dialog.get_by_role("status")).to_have_text("1 side.")
        page.keyboard.press("ArrowDown")
        expect(dialog.locator(f'button[data-href="internal:document/{plan.pk}"]')).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("dialog")).to_have_count(0)
        expect(editor).to_be_focused()

        written = (
            f"<h2>{heading}</h2><ul><li><p>{first}</p></li><li><p>{second}</p></li></ul>"
            f'<p><a href="internal:document/{plan.pk}">{link_words}</a></p>'
        )
        expect(page.locator(f"#{field}")).to_have_value(re.compile(f"{re.escape(written)}$"))
        # Opened again on the link (still selected), the picker says where it goes.
        menu.locator("button[data-name='internalLink']").click()
        expect(dialog.locator(".link-picker-current")).to_have_text(
            f"Lenkja går no til: {plan.title_nn} (Dokument · publisert)."
        )
        page.keyboard.press("Escape")
        expect(page.locator("dialog")).to_have_count(0)
        # So does the package's own link button, rather than show internal:document/….
        menu.locator("button[data-name='link']").click()
        expect(dialog.locator(".link-picker-current")).to_contain_text(plan.title_nn)
        dialog.get_by_role("button", name="Avbryt").click()
        expect(page.locator("dialog")).to_have_count(0)

    editor_in(page, "id_body_nn").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "editor-phase-form.png"), full_page=True)
    page.locator("input[name='_save']").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert problems(page) == []
    assert violations == [], "\n".join(violations)

    for code, (heading, first, second, link_words) in texts.items():
        with translation.override(code):
            page.goto(site.url + phase.get_absolute_url())
            download = plan.get_download_url()
        main = page.locator("main")
        expect(main.locator("h2", has_text=heading)).to_have_count(1)
        expect(main.locator("ul li", has_text=first)).to_have_count(1)
        expect(main.locator("ul li", has_text=second)).to_have_count(1)
        expect(main.locator(f'a[href="{download}"]', has_text=link_words)).to_have_count(1)
        assert "internal:" not in page.content()


def test_without_javascript_the_text_is_a_textarea_of_html_that_saves(
    site, chromium, editor_session, hallingdal
):
    context = chromium.new_context(java_script_enabled=False)
    context.add_cookies([editor_session])
    page = context.new_page()
    phase = Phase.objects.get(programme=hallingdal, number=2)
    page.goto(f"{site.url}/admin/programme/phase/{phase.pk}/change/")
    textarea = page.get_by_role("textbox", name="Tekst [en]")
    expect(textarea).to_be_visible()
    expect(textarea).to_have_value(phase.body_en)
    assert textarea.input_value().startswith("<p>")
    textarea.fill("<h2>Without scripts</h2><p>Still <strong>written</strong>.</p>")
    page.locator("input[name='_save']").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    context.close()
    phase.refresh_from_db()
    assert phase.body_en == "<h2>Without scripts</h2><p>Still <strong>written</strong>.</p>"
