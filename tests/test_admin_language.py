"""The admin speaks Nynorsk on every page an editor opens, in its scripts too.

Django's own Nynorsk catalogue lacks some admin strings; the site's catalogue
supplies them (hallingdal/admin_messages.py and
hallingdal/locale_sources/admin_messages.js name them for `make messages`).
The walk renders every page of tests/admin_pages.py as an editor and reads
what a person reads or hears: text, and the attributes a screen reader
speaks or a browser shows.
"""

import json
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import translation

from hallingdal import admin_messages
from tests.admin_pages import addresses

EDITORS = "Redaktørar"

# Words of the admin that an editor meets on nearly every page, and the ones
# Django's Nynorsk lacks: none of them may show through in English.
ENGLISH = [
    "Save",
    "Save and continue editing",
    "Save and add another",
    "Delete",
    "History",
    "Search",
    "Home",
    "Add",
    "Change",
    "View site",
    "Log out",
    "Clear all filters",
    "Action:",
    "Go",
    "Close",
    *[text for text in admin_messages.ADMIN if isinstance(text, str)],
    "Skip to main content",
]

# Strings whose Nynorsk must be found somewhere on the walk, so that it is
# not passing on pages that lack them.
SEEN = ["Breadcrumbs", "Skip to main content", "Show counts", "Model name", "Add link"]

SPOKEN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}
BUTTON_TYPES = {"submit", "button", "reset"}


class ReadableText(HTMLParser):
    """Collect the page's text and spoken attributes, not its scripts or styles."""

    def __init__(self):
        super().__init__()
        self.texts = set()
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in {"script", "style", "template"}:
            self.hidden_depth += 1
        for name in SPOKEN_ATTRIBUTES & attributes.keys():
            self.add(attributes[name])
        if tag == "input" and attributes.get("type") in BUTTON_TYPES:
            self.add(attributes.get("value"))

    def handle_endtag(self, tag):
        if tag in {"script", "style", "template"}:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.add(data)

    def add(self, text):
        text = " ".join((text or "").split())
        if text:
            self.texts.add(text)


def readable_texts(html):
    parser = ReadableText()
    parser.feed(html)
    return parser.texts


@pytest.fixture
def editor_client(client, db, settings):
    settings.PAGE_CACHE = False
    user = User.objects.create_user("kari", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS))
    client.force_login(user)
    return client, user


@pytest.mark.django_db
def test_every_admin_page_an_editor_opens_is_in_nynorsk(editor_client, hallingdal):
    client, user = editor_client
    english_on = {}
    everything = set()
    with translation.override("nn"):
        pages = addresses(user)
        for label, address in pages.items():
            response = client.get(address)
            assert response.status_code == 200, f"{label}: {address} gave {response.status_code}"
            texts = readable_texts(response.content.decode())
            everything |= texts
            found = sorted(text for text in texts if text in ENGLISH)
            if found:
                english_on[label] = found
        nynorsk = {msgid: translation.gettext(msgid) for msgid in SEEN}

    assert not english_on, f"English on admin pages in Nynorsk: {english_on}"
    untranslated = [msgid for msgid, text in nynorsk.items() if text == msgid]
    assert not untranslated, f"No Nynorsk for {untranslated}: merge the translations"
    unseen = [text for text in nynorsk.values() if text not in everything]
    assert not unseen, f"Never shown on the walk, so the check above proves little: {unseen}"
    assert len(pages) > 20


# gettext("…"), ngettext("…", "…", n) and pgettext("context", "…") calls.
SCRIPT_CALL = re.compile(r"\b(gettext|ngettext|pgettext)\((.*)\)")
SCRIPT_STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'")


def script_messages():
    """(catalogue key, English) of each string the admin's scripts need from us."""
    path = settings.BASE_DIR / "hallingdal" / "locale_sources" / "admin_messages.js"
    found = []
    for function, arguments in SCRIPT_CALL.findall(path.read_text()):
        strings = [double or single for double, single in SCRIPT_STRING.findall(arguments)]
        if function == "pgettext":
            found.append((f"{strings[0]}\x04{strings[1]}", strings[1]))
        else:
            found.append((strings[0], strings[0]))
    return found


def test_script_messages_are_found():
    keys = dict(script_messages())
    assert "Sunday" in keys
    assert "abbrev. day Sunday\x04Sun" in keys
    assert "%s selected option not visible" in keys


@pytest.mark.django_db
def test_the_admin_scripts_catalogue_has_the_nynorsk_strings(editor_client):
    client, _user = editor_client
    response = client.get(reverse("admin:jsi18n"))
    assert response.status_code == 200
    catalogue = json.loads(
        re.search(r"const newcatalog = (\{.*?\});\n", response.content.decode(), re.S)[1]
    )
    untranslated = []
    for key, english in script_messages():
        text = catalogue.get(key)
        forms = text if isinstance(text, list) else [text]
        if text is None or english in forms:
            untranslated.append(english)
    assert not untranslated, f"The admin's scripts show these in English: {untranslated}"


# Looked up, not marked: the strings are Django's and ours, not the tests'.
LOCKOUT_HEADING = "Too many failed log-in attempts"
LOGIN_REFUSED = (
    "Please enter the correct %(username)s and password for a staff account. "
    "Note that both fields may be case-sensitive."
)


@pytest.mark.django_db
def test_the_login_form_and_the_lockout_page_are_in_nynorsk(client, settings):
    User.objects.create_user("kari", password="rett-passord", is_staff=True)
    login = reverse("admin:login")
    wrong = {"username": "kari", "password": "feil", "next": reverse("admin:index")}
    responses = [client.get(login)]
    responses += [client.post(login, wrong) for _attempt in range(settings.AXES_FAILURE_LIMIT)]
    lockout = responses[-1]
    assert lockout.status_code == 429

    with translation.override("nn"):
        heading = translation.gettext(LOCKOUT_HEADING)
        refused = translation.gettext(LOGIN_REFUSED)
    assert refused != LOGIN_REFUSED
    assert heading != LOCKOUT_HEADING
    assert heading in readable_texts(lockout.content.decode())
    # The form said why it refused the password, in Nynorsk, before the lockout.
    assert refused.split("%")[0].strip() in responses[1].content.decode()
    english = set(ENGLISH) | {LOCKOUT_HEADING, "Log in", "Password:"}
    assert "Django" not in lockout.content.decode().split("<body")[0], "Django's name in the title"
    for response in responses:
        texts = readable_texts(response.content.decode())
        assert not texts & english, f"English on {response.request['PATH_INFO']}: {texts & english}"
