"""Every string a visitor or editor reads exists in nn, nb and en."""

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

LANGUAGES = ["nn", "nb", "en"]
CALL = re.compile(r"\b(n?p?gettext)\(((?:u?'(?:[^'\\]|\\.)*',?\s*)+)")
LITERAL = re.compile(r"u?('(?:[^'\\]|\\.)*')")


def catalogue(language):
    return polib.pofile(str(settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"))


def template_msgids():
    """(context, msgid) pairs of every translatable string in templates/."""
    found = set()
    for path in (settings.BASE_DIR / "templates").rglob("*"):
        if path.suffix not in {".html", ".txt", ".xml", ".svg"}:
            continue
        for function, arguments in CALL.findall(templatize(path.read_text(), origin=str(path))):
            strings = [ast.literal_eval(literal) for literal in LITERAL.findall(arguments)]
            context = strings.pop(0) if function.startswith(("pgettext", "npgettext")) else ""
            found.add((context, strings[0]))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_no_empty_or_fuzzy_entries(language):
    problems = [
        entry.msgid
        for entry in catalogue(language)
        if not entry.obsolete
        and (
            "fuzzy" in entry.flags
            or (entry.msgid_plural and not all(entry.msgstr_plural.values()))
            or (not entry.msgid_plural and not entry.msgstr)
        )
    ]
    assert problems == [], f"{language}: {len(problems)} empty or fuzzy entries"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_string_is_in_the_catalogue(language):
    known = {(entry.msgctxt or "", entry.msgid) for entry in catalogue(language)}
    missing = sorted(template_msgids() - known)
    assert missing == [], f"{language}: run `make messages` and translate {missing[:5]}"


def test_template_scan_finds_strings():
    # Guards the scanner itself: a known string must be found.
    assert ("", "Skip to main content") in template_msgids()


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_up_to_date(language):
    po = Path(settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po")
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"run `make messages` ({mo.name} missing)"
    compiled = {entry.msgid for entry in polib.mofile(str(mo))}
    source = {entry.msgid for entry in catalogue(language) if not entry.obsolete}
    assert source <= compiled | {""}, "run `make messages`: the .mo file is older than the .po"


# The admin's scripts (static/js/) translate with Django's JavaScript catalogue.
JS_CALL = re.compile(r"\b(gettext|ngettext|gettext_noop)\(\s*\"((?:[^\"\\]|\\.)*)\"", re.DOTALL)


def script_catalogue(language):
    path = settings.BASE_DIR / "locale" / language / "LC_MESSAGES" / "djangojs.po"
    return polib.pofile(str(path))


def script_msgids():
    return {
        match[1]
        for path in (settings.BASE_DIR / "static" / "js").glob("*.js")
        for match in JS_CALL.findall(path.read_text())
    }


def test_script_scan_finds_strings():
    assert "Link to a page on this site" in script_msgids()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_script_string_is_translated(language):
    po = script_catalogue(language)
    translated = {
        entry.msgid
        for entry in po.translated_entries()
        if "fuzzy" not in entry.flags and (entry.msgstr or all(entry.msgstr_plural.values()))
    }
    missing = sorted(script_msgids() - translated)
    assert missing == [], f"{language}: run `make messages` and translate {missing[:5]}"
    compiled = {entry.msgid for entry in polib.mofile(str(po.fpath.replace(".po", ".mo")))}
    assert translated <= compiled, "run `make messages`: djangojs.mo is older than the .po"


# Strings of Django's admin and of django-axes that their own Nynorsk lacks,
# named for `make messages` in hallingdal/admin_messages.py.
def admin_message_msgids():
    tree = ast.parse((settings.BASE_DIR / "hallingdal" / "admin_messages.py").read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") in {"gettext_noop", "ngettext_lazy"}
    }


def test_admin_message_scan_finds_strings():
    assert {"Show counts", "entry", "Locked Out"} <= admin_message_msgids()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_admin_message_is_translated(language):
    translated = {
        entry.msgid
        for entry in catalogue(language).translated_entries()
        if "fuzzy" not in entry.flags
    }
    missing = sorted(admin_message_msgids() - translated)
    assert missing == [], f"{language}: run `make messages` and translate {missing[:5]}"
