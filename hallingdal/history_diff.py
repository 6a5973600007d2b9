"""What changed between two versions of an object, field by field, as an editor reads it.

A version's values are reversion's `field_dict` (each language of a
translated field on its own, foreign keys by id, many-to-many as lists of
ids); the object as it is now is read into the same shape. Texts are
compared word by word on their plain text, so a changed sentence reads as
the words removed and added, never as markup; other values are shown whole,
related objects by their names. Naming the related objects costs one query
per kind of relation, however many versions there are.
"""

import datetime
import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import build_localized_fieldname

from programme.richtext import RichTextField, plain_text

# Unchanged words kept on either side of a change; longer runs are cut short.
CONTEXT_WORDS = 12
# A summary of a deleted object shows this many words of each text.
SUMMARY_WORDS = 30

SAME, ADDED, REMOVED = "same", "added", "removed"


@dataclass
class Part:
    kind: str
    text: str


@dataclass
class Change:
    label: str
    parts: list = field(default_factory=list)
    # Only the markup of a text changed (a word made bold, a link's address).
    formatting_only: bool = False


@dataclass(frozen=True)
class ComparedField:
    field: models.Field
    label: str

    @property
    def key(self):
        return self.field.attname


def compared_fields(model):
    """The fields an editor can change, in form order, each language of a text on its own.

    Labels name the field and, for a translated one, the language:
    "Samandrag (English)". Timestamps the site sets itself are left out.
    """
    try:
        translated = translator.get_options_for_model(model).fields
    except NotRegistered:
        translated = {}
    languages = [(code, str(name)) for code, name in settings.LANGUAGES]
    result = []
    for model_field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
        if model_field.primary_key or not model_field.editable:
            continue
        if hasattr(model_field, "translated_field"):
            continue  # Shown with its original field, below.
        label = capfirst(str(model_field.verbose_name))
        if model_field.name not in translated:
            result.append(ComparedField(model_field, label))
            continue
        for code, language in languages:
            localized = model._meta.get_field(build_localized_fieldname(model_field.name, code))
            result.append(ComparedField(localized, f"{label} ({language})"))
    return result


def live_values(obj):
    """The object's stored values in the shape of a version's `field_dict`."""
    values = {}
    for compared in compared_fields(type(obj)):
        if compared.field.many_to_many:
            values[compared.key] = list(
                getattr(obj, compared.field.name).values_list("pk", flat=True)
            )
        else:
            values[compared.key] = getattr(obj, compared.key)
    return values


def related_names(fields, *value_dicts):
    """{field key: {pk: name}} for the related objects named in any of `value_dicts`."""
    wanted = {}
    for compared in fields:
        if not compared.field.is_relation:
            continue
        ids = wanted.setdefault(compared.field.related_model, set())
        for values in value_dicts:
            value = values.get(compared.key)
            items = value if isinstance(value, list | tuple) else [value]
            ids.update(item for item in items if item is not None)
    found = {
        related: {pk: str(obj) for pk, obj in related._base_manager.in_bulk(ids).items()}
        for related, ids in wanted.items()
        if ids
    }
    return {
        compared.key: found.get(compared.field.related_model, {})
        for compared in fields
        if compared.field.is_relation
    }


def _is_text(model_field):
    return isinstance(model_field, models.CharField | models.TextField) and not model_field.choices


def _text_of(model_field, value):
    text = value or ""
    return plain_text(text) if isinstance(model_field, RichTextField) else " ".join(text.split())


def _comparable(model_field, value):
    if model_field.many_to_many:
        return sorted(value or [])
    if isinstance(value, FieldFile):
        return value.name or None
    if value == "":
        return None
    return value


def shown(model_field, value, names):
    """A value as an editor reads it: names, labels, yes or no, Norwegian dates and numbers."""
    if isinstance(value, FieldFile):
        value = value.name
    if value is None or value == "" or value == []:
        return gettext("(empty)")
    if model_field.many_to_many:
        return ", ".join(_related_name(pk, names) for pk in value)
    if model_field.is_relation:
        return _related_name(value, names)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, Decimal):
        return formats.number_format(value.normalize(), force_grouping=True)
    if isinstance(model_field, RichTextField):
        return plain_text(value)
    return str(value)


def _related_name(pk, names):
    if pk in names:
        return names[pk]
    return gettext("(deleted, number %(id)s)") % {"id": pk}


def word_diff(old, new):
    """The words of `new` compared with `old`: parts kept, removed and added, in reading order.

    Long runs of unchanged words keep only some words next to each change.
    """
    old_words, new_words = old.split(), new.split()
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    runs = []
    for op, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if op == "equal":
            runs.append((SAME, old_words[old_start:old_end]))
            continue
        if old_end > old_start:
            runs.append((REMOVED, old_words[old_start:old_end]))
        if new_end > new_start:
            runs.append((ADDED, new_words[new_start:new_end]))
    parts = []
    for index, (kind, words) in enumerate(runs):
        if kind == SAME:
            words = _shortened(words, first=index == 0, last=index == len(runs) - 1)
        parts.append(Part(kind, " ".join(words)))
    return parts


def _shortened(words, *, first, last):
    keep_before = 0 if first else CONTEXT_WORDS
    keep_after = 0 if last else CONTEXT_WORDS
    if len(words) <= keep_before + keep_after + 1:
        return words
    head = words[:keep_before]
    tail = words[len(words) - keep_after :] if keep_after else []
    return [*head, "…", *tail]


def changes(model, old_values, new_values):
    """The fields whose values differ between two versions (or a version and the object)."""
    fields = compared_fields(model)
    names = related_names(fields, old_values, new_values)
    result = []
    for compared in fields:
        model_field, key = compared.field, compared.key
        old, new = old_values.get(key), new_values.get(key)
        if _comparable(model_field, old) == _comparable(model_field, new):
            continue
        change = Change(compared.label)
        if _is_text(model_field):
            old_text, new_text = _text_of(model_field, old), _text_of(model_field, new)
            change.formatting_only = old_text == new_text
            change.parts = [] if change.formatting_only else word_diff(old_text, new_text)
        else:
            field_names = names.get(key, {})
            change.parts = [
                Part(REMOVED, shown(model_field, old, field_names)),
                Part(ADDED, shown(model_field, new, field_names)),
            ]
        result.append(change)
    return result


def summary(model, values):
    """The filled-in fields of a version, each with a short text: what recovering brings back."""
    fields = compared_fields(model)
    names = related_names(fields, values)
    lines = []
    for compared in fields:
        value = values.get(compared.key)
        if _comparable(compared.field, value) in (None, []):
            continue
        text = shown(compared.field, value, names.get(compared.key, {}))
        words = text.split()
        if len(words) > SUMMARY_WORDS:
            text = " ".join(words[:SUMMARY_WORDS]) + " …"
        lines.append((compared.label, text))
    return lines
