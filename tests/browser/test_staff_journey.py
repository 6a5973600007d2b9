"""An editor's working day in Chromium, from the log-in form to the public site.

A member of the editors' group logs in by typing name and password, reads
the overview on the admin's front page, follows "missing in English" to a
phase and writes the text, adds a grant to the phase (chosen in the
autocomplete), and uploads a new version of the project plan. After each
step the editor looks at the public page in a second tab, and a visitor
with no session looks too: the visitor's page has been in the page cache
since before the change, and must not be served from before it. A draft
saved on the way leaves the public page as it was until it is published.

Every page either of them opens is watched for console errors and for
anything the Content Security Policy blocks, and every admin page the
editor opens is checked with axe-core. Screenshots of each step go to the
test artifacts, and of every open page when a step fails.
"""

import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import User
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from documents.models import Document, DocumentKind
from programme.models import Phase
from tests.factories import make_pdf

from .axe import axe_violations, describe
from .conftest import ARTIFACTS, editors_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = ARTIFACTS / "staff-journey"
ENGLISH_TEXT = "The second phase builds on the first: the measures now reach every municipality."
FUNDER = "Sparebankstiftinga Hallingdal"
NOTE = "Revidert budsjett for 2026"


# Reported through a binding, not kept in the page: a page's own record would
# be lost with the page at the next click.
WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  // No source file: a script the test evaluated in the page (axe-core).
  const where = event.sourceFile ? `${event.sourceFile}:${event.lineNumber}` : "the test's script"
  window.reportPolicyViolation(`${event.violatedDirective} ${event.blockedURI} at ${where}`);
});
"""


def watched_context(chromium, problems):
    """A browser context whose console errors and policy violations, on every page, go
    into problems."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    # A step that goes wrong fails in seconds, not in Playwright's 30.
    context.set_default_timeout(10_000)
    context.expose_binding(
        "reportPolicyViolation",
        lambda source, text: problems.append(f"{source['page'].url}: policy: {text}"),
    )
    context.add_init_script(WATCH)

    def watch(page):
        page.on(
            "console",
            lambda message: (
                message.type == "error" and problems.append(f"{page.url}: {message.text}")
            ),
        )
        page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

    context.on("page", watch)
    return context


def is_from_axe(problem):
    return "Applying inline style" in problem or problem.endswith(" at the test's script")


@dataclass
class Journey:
    site_url: str
    admin: object  # the editor's admin tab
    site: object  # the editor's tab on the public site, same session
    visitor: object  # a visitor with no session, in a context of its own
    problems: list  # console errors and policy violations, of every tab
    findings: list = field(default_factory=list)
    steps: int = 0

    def pages(self):
        return {"admin": self.admin, "site": self.site, "visitor": self.visitor}

    def checked(self, where):
        """axe-core on the admin tab as it is now; violations are kept for the end."""
        self.admin.wait_for_load_state("load")
        # The admin's scripts name its widgets in the next animation frame.
        self.admin.evaluate("() => new Promise((resolve) => requestAnimationFrame(resolve))")
        before = len(self.problems)
        self.findings += describe(where, axe_violations(self.admin))
        # Policy reports are events: let any still queued arrive.
        self.admin.evaluate("() => new Promise((resolve) => setTimeout(resolve))")
        # While it measures, axe-core adds styles of its own, which the policy
        # refuses; those reports come from no file of the page.
        self.problems[before:] = [text for text in self.problems[before:] if not is_from_axe(text)]
        self.snap(where)

    def snap(self, name):
        self.steps += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.admin.screenshot(path=str(SCREENSHOTS / f"{self.steps:02d}-{slug}.png"))

    @contextmanager
    def screenshots_on_failure(self):
        try:
            yield
        except BaseException:
            for name, page in self.pages().items():
                page.screenshot(path=str(SCREENSHOTS / f"failed-{name}.png"), full_page=True)
            raise

    def warm(self, path):
        """The visitor has read the page before, and it is in the site's page cache."""
        response = self.visitor.goto(self.site_url + path)
        assert response.status == 200, path
        # Asked again outside the browser: Chromium would revalidate its own copy,
        # and a 304 does not say where the page came from.
        again = self.visitor.request.get(self.site_url + path)
        assert again.headers.get("x-page-cache") == "hit", path

    def public_shows(self, path, locate, *, shown=True):
        """The editor's site tab and the visitor both see the page with, or without, it."""
        for page in (self.site, self.visitor):
            response = page.goto(self.site_url + path)
            assert response.status == 200, path
            found = expect(locate(page.locator("main")))
            if shown:
                found.to_have_count(1)
            else:
                found.to_have_count(0)


@pytest.fixture
def journey(site, chromium):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    problems = []
    staff = watched_context(chromium, problems)
    visitors = watched_context(chromium, problems)
    yield Journey(
        site_url=site.url,
        admin=staff.new_page(),
        site=staff.new_page(),
        visitor=visitors.new_page(),
        problems=problems,
    )
    staff.close()
    visitors.close()


def whole_text(words):
    """The words as the whole text of an element, whatever kind of space is between them."""
    return re.compile(r"^\s*" + r"\s+".join(map(re.escape, words.split())) + r"\s*$")


def public_path(obj, language):
    with translation.override(language):
        return obj.get_absolute_url()


def log_in(journey, username, password):
    """As a person does: the admin sends the editor to its form, which the editor fills."""
    admin = journey.admin
    admin.goto(f"{journey.site_url}/admin/")
    expect(admin).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
    journey.checked("log-in form")
    admin.get_by_label("Brukarnamn").click()
    admin.keyboard.type(username)
    admin.get_by_label("Passord").click()
    admin.keyboard.type(password)
    admin.get_by_role("button", name="Logg inn").click()
    expect(admin).to_have_url(f"{journey.site_url}/admin/")
    journey.checked("overview")


def follow_missing_english_and_write_it(journey, phase, public):
    """From the overview to the phase's English tab; a draft first, then published."""
    admin = journey.admin
    # The admin speaks Nynorsk, whatever language an earlier test left active here.
    with translation.override("nn"):
        missing = admin.locator("#overview-translations li", has_text=str(phase))
        words = gettext("%(field)s in English") % {"field": "Tekst"}
    missing.get_by_role("link", name=re.compile(f"^{words} –")).click()
    expect(admin).to_have_url(re.compile(rf"/programme/phase/{phase.pk}/change/#id_body_en$"))
    area = admin.locator("#id_body_en").locator("xpath=..").locator(".ProseMirror")
    expect(area).to_be_visible()
    journey.checked("phase form")
    area.click()
    admin.keyboard.type(ENGLISH_TEXT)
    expect(admin.locator("#id_body_en")).to_have_value(f"<p>{ENGLISH_TEXT}</p>")

    def written(main):
        return main.get_by_text(ENGLISH_TEXT)

    # Nobody sees a draft on the site, not even the editor.
    admin.get_by_role("button", name="Lagre utkast", exact=True).click()
    expect(admin.locator(".messagelist .success").first).to_contain_text("utkast")
    journey.checked("phase form with a draft")
    journey.public_shows(public, written, shown=False)

    admin.get_by_role("button", name="Publiser utkastet", exact=True).click()
    expect(admin.locator(".messagelist .success").first).to_contain_text("publisert")
    journey.checked("phase list")
    journey.public_shows(public, written)


def add_a_grant_to(journey, programme, phase, public):
    """From the programme's form to the grant form, the phase chosen in the autocomplete."""
    admin = journey.admin
    admin.get_by_role("link", name="Heim").click()
    admin.locator("#programme-programme").get_by_role("link", name="Program").click()
    journey.checked("programme list")
    admin.get_by_role("link", name=programme.title_nn).click()
    journey.checked("programme form")
    admin.get_by_role("link", name="Legg til eit tilskot").click()
    journey.checked("grant form")
    expect(admin.locator("#select2-id_programme-container")).to_have_text(programme.title_nn)
    admin.get_by_role("combobox", name="Fase:").click()
    admin.keyboard.type(phase.title_nn.split()[0])
    option = admin.locator(".select2-results__option", has_text=f"Fase 2: {phase.title_nn}")
    expect(option).to_have_count(1)
    journey.checked("grant form, phase autocomplete open")
    option.click()
    expect(admin.locator("#id_phase")).to_have_value(str(phase.pk))
    admin.get_by_role("textbox", name="Tilskotsgjevar:").click()
    admin.keyboard.type(FUNDER)
    admin.get_by_role("spinbutton", name="Beløp (kr):").click()
    admin.keyboard.type("125000")
    admin.get_by_role("textbox", name="Tildelt:").click()
    admin.keyboard.type("16.11.2026")
    admin.get_by_role("button", name="Publiser", exact=True).click()
    expect(admin.locator(".messagelist .success").first).to_be_visible()
    journey.checked("grant list")
    listed = whole_text(f"{FUNDER}: kr 125 000 (tildelt 16. november 2026)")
    journey.public_shows(
        public, lambda main: main.locator("#funding-heading + ul li").filter(has_text=listed)
    )


def upload_a_new_version_of(journey, document, public):
    """From the document's form to its upload page; the file chosen in the file chooser."""
    admin = journey.admin
    pdf = make_pdf(pages=3, text="Prosjektplan, revidert")
    admin.get_by_role("link", name="Heim").click()
    admin.locator("#documents-document").get_by_role("link", name="Dokument").click()
    journey.checked("document list")
    admin.get_by_role("link", name=document.title_nn).click()
    journey.checked("document form")
    admin.get_by_role("link", name="Last opp ein ny versjon").click()
    journey.checked("upload form")
    with admin.expect_file_chooser() as chooser:
        admin.get_by_role("button", name="Fil:").click()
    chooser.value.set_files(
        files=[{"name": "Prosjektplan 2026.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    admin.get_by_label("Kva som er endra (Nynorsk)").click()
    admin.keyboard.type(NOTE)
    admin.get_by_role("button", name="Last opp").click()
    expect(admin.locator(".messagelist .success").first).to_contain_text("Prosjektplan 2026.pdf")
    journey.checked("document form after the upload")
    journey.public_shows(
        public, lambda main: main.locator(".version-list li").first.filter(has_text=NOTE)
    )
    # The document's permanent address gives visitors the new file.
    with translation.override("nn"):
        download = journey.site_url + document.get_download_url()
    assert journey.visitor.request.get(download).body() == pdf


def test_an_editor_logs_in_writes_adds_a_grant_uploads_and_sees_it_all_on_the_site(
    journey, hallingdal
):
    # An editor of the council, with a password only this test knows.
    password = secrets.token_urlsafe(24)
    editor = User.objects.create_user("kari.redaktor", password=password, is_staff=True)
    editor.groups.add(editors_group())
    # The English text of phase 2 was never written: visitors read it in Nynorsk.
    phase = Phase.objects.get(programme=hallingdal, number=2)
    phase.body_en = ""
    phase.save()
    plan = Document.objects.get(programme=hallingdal, kind=DocumentKind.PROJECT_PLAN)
    phase_en, phase_nn = public_path(phase, "en"), public_path(phase, "nn")
    plan_nn = public_path(plan, "nn")
    # Visitors have read these pages before: they are in the page cache.
    for path in (phase_en, phase_nn, plan_nn):
        journey.warm(path)

    with journey.screenshots_on_failure():
        log_in(journey, editor.username, password)
        follow_missing_english_and_write_it(journey, phase, phase_en)
        add_a_grant_to(journey, hallingdal, phase, phase_nn)
        upload_a_new_version_of(journey, plan, plan_nn)
        assert journey.problems == [], "\n".join(journey.problems)
        assert journey.findings == [], "\n".join(journey.findings)
