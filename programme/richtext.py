"""Rich text: what editors may write, and the one place that enforces it.

Texts are HTML from the editor in the admin (django-prose-editor). Whatever
way a text arrives (the admin, the shell, an import, a data migration, a
bulk_create or an update()), `RichTextField` cleans it with nh3 against
`ALLOWED_TAGS` before it reaches the database, so nothing outside the list
(scripts, event handlers, styles, frames, forms, javascript: and data:
addresses) is ever stored; pages clean it once more as they show it.

Links to the site's own programmes, phases, municipalities and documents
are stored by object, as `internal:<kind>/<id>`, never by address: the page
that shows the text turns them into the object's current address in the
visitor's language (hallingdal/richtext.py), so they survive a changed slug.
"""

import html
import re

import nh3
from django.conf import settings
from django.urls import reverse_lazy
from django_prose_editor.fields import ProseEditorField

INTERNAL_SCHEME = "internal"
INTERNAL_KINDS = ("programme", "phase", "municipality", "document")
INTERNAL_LINK = re.compile(rf"^{INTERNAL_SCHEME}:({'|'.join(INTERNAL_KINDS)})/([0-9]+)$")

# The page's own title is the h1; texts have sections and subsections. No
# tables: the editor inserts them without a header row unless asked, and lets
# the header cells be switched off again, so a table could not be relied on
# to be readable with a screen reader.
ALLOWED_TAGS = {"p", "br", "h2", "h3", "strong", "em", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel", INTERNAL_SCHEME}
# Word and other programs mark up emphasis and headings their own way; a
# table's cells become paragraphs, so that their words stay apart.
RENAMED_TAGS = {
    "b": "strong",
    "i": "em",
    "h1": "h2",
    "h4": "h3",
    "h5": "h3",
    "h6": "h3",
    "td": "p",
    "th": "p",
}
RENAMED_TAG = re.compile(r"<(/?)(b|i|h1|h4|h5|h6|td|th)(\b[^>]*)>", re.IGNORECASE)
# Google Docs wraps a whole copied passage in <b style="font-weight:normal">.
NOT_BOLD = re.compile(r"font-weight:\s*normal", re.IGNORECASE)

# The editor offers exactly what the cleaner keeps (tests/test_rich_text.py
# compares the two). AdminEditor and InternalLink are the site's own
# (static/js/, registered in DJANGO_PROSE_EDITOR_EXTENSIONS).
EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    # The cleaner keeps a list's start number but not its kind of numbering.
    "OrderedList": {"enableListAttributes": False},
    "ListItem": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["mailto", "tel", INTERNAL_SCHEME]},
    "History": True,
    # Editors write in three languages and want their spelling checked.
    "NoSpellCheck": False,
    # One row of buttons, no drop-down: every command is a labelled button.
    "Menu": {
        "groups": [
            {"group": "blockType -lists"},
            {"group": "lists"},
            {"group": "marks"},
            {"group": "link"},
            {"group": "history"},
        ]
    },
    "AdminEditor": True,
    "InternalLink": {"targetsUrl": reverse_lazy("link_targets")},
}


def keep_attribute(tag, attribute, value):
    """Internal links must name an object the site can link to."""
    if tag == "a" and attribute == "href" and value.lower().startswith(f"{INTERNAL_SCHEME}:"):
        return value if INTERNAL_LINK.match(value) else None
    return value


def rename_tag(match):
    closing, name, attributes = match[1], match[2].lower(), match[3]
    if name == "b" and not closing and NOT_BOLD.search(attributes):
        # Its closing tag is left without an opening one, which the cleaner drops.
        return ""
    return f"<{closing}{RENAMED_TAGS[name]}>"


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style", "template", "iframe", "object", "svg", "math"},
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_SCHEMES,
    attribute_filter=keep_attribute,
    link_rel=None,
    strip_comments=True,
)


def clean_html(text):
    """Return `text` as HTML that holds only what the allow-list permits."""
    if not text:
        return ""
    text = RENAMED_TAG.sub(rename_tag, text)
    cleaned = _cleaner.clean(text).strip()
    # The editor's empty document is one empty paragraph.
    if not re.sub(r"<p>(\s|<br>)*</p>", "", cleaned).strip():
        return ""
    return cleaned


def paragraphs_to_html(text):
    """Plain text with blank-line paragraphs (the texts before rich text) as HTML."""
    if not text or not text.strip():
        return ""
    blocks = re.split(r"\n\s*\n", text.strip())
    return "".join(
        "<p>{}</p>".format(html.escape(block.strip()).replace("\n", "<br>")) for block in blocks
    )


BLOCK_END = re.compile(r"</(p|h2|h3|li|tr|table|ul|ol)>|<br\s*/?>", re.IGNORECASE)
TAG = re.compile(r"<[^>]*>")


def plain_text(text):
    """The words of a rich text without markup, for search, feeds and meta descriptions."""
    if not text:
        return ""
    spaced = BLOCK_END.sub(" ", text)
    words = html.unescape(TAG.sub("", spaced))
    return " ".join(words.split())


def _convert_texts(app_config, texts, convert):
    languages = [code for code, _name in settings.LANGUAGES]
    for model_name, names in texts.items():
        model = app_config.get_model(model_name)
        columns = [f"{name}_{code}" for name in names for code in languages]
        for row in model.objects.all():
            for column in columns:
                setattr(row, column, convert(getattr(row, column) or ""))
            row.save(update_fields=columns)


def paragraphs_in_markup(app_config, texts):
    """For a data migration: blank-line paragraphs become the same paragraphs in markup."""

    def convert(value):
        return value if value.lstrip().startswith("<") else clean_html(paragraphs_to_html(value))

    _convert_texts(app_config, texts, convert)


def paragraphs_in_plain_text(app_config, texts):
    """The way back: the words of each block, a blank line between blocks."""

    def convert(value):
        blocks = BLOCK_END.sub("\n\n", value).split("\n\n")
        return "\n\n".join(plain_text(block) for block in blocks if plain_text(block))

    _convert_texts(app_config, texts, convert)


class RichTextField(ProseEditorField):
    """A TextField of HTML that is cleaned on every write, with the editor in forms."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("extensions", dict(EDITOR_EXTENSIONS))
        kwargs.setdefault("sanitize", clean_html)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        # The stored value itself, not through the attribute: for the original
        # field of a translated text, modeltranslation's attribute reads the
        # active language's text (Nynorsk's in its place when empty) and writes
        # the active language's column, which would copy Nynorsk into an empty
        # English text saved while English is active.
        stored = model_instance.__dict__
        raw = (
            stored[self.attname]
            if self.attname in stored
            else getattr(model_instance, self.attname)
        )
        value = clean_html(raw)
        stored[self.attname] = value
        return value

    def get_db_prep_save(self, value, connection):
        # QuerySet.update() and bulk_create() reach the database through here.
        return super().get_db_prep_save(clean_html(value), connection)
