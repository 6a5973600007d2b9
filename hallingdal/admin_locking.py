"""Optimistic locking for admin change forms: a save never silently undoes another's.

When a change form is shown, the main form and each inline row carry a
signed token with the stored values of the fields the form edits, as the
editor saw them. On saving, inside the admin's transaction (rows locked
with SELECT ... FOR UPDATE where the database can), each form compares the
token with what is stored now. A field someone else has changed since, and
that this save would overwrite, refuses the save with a message on that
form: who saved last and when (from the admin's log), and per field what
they changed. Nothing the editor typed is lost: fields the editor did not
touch now show the other editor's value, fields both changed keep the
editor's, and the form carries a fresh token, so saving again is a
deliberate choice that goes through.

The stored values come from the rows the form and formsets load anyway, so
showing a form costs no queries and saving one costs a single locking query
(none on SQLite). A POST without a token (a script, a form rendered before
locking existed) is not checked.
"""

import datetime
import functools
import time
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.files import File
from django.db import connections, models, router
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.forms.boundfield import BoundField
from django.forms.formsets import DELETION_FIELD_NAME
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

TOKEN_FIELD = "locking_token"
TOKEN_SALT = "hallingdal.admin_locking"
# Long texts are shown as an excerpt around the first difference.
EXCERPT_LENGTH = 80

CHANGED_BY = _(
    "%(user)s saved “%(object)s” on %(time)s, after you opened it. "
    "Your changes have not been saved."
)
CHANGED = _(
    "Someone else saved “%(object)s” after you opened it. Your changes have not been saved."
)
ROW_CHANGED_BY = _("%(user)s saved this row on %(time)s, after you opened the page.")
ROW_CHANGED = _("Someone else saved this row after you opened the page.")
ROW_DELETED_BY = _(
    "%(user)s deleted this row on %(time)s, after you opened the page. "
    "Save again to go on without it. Copy anything you want to keep first."
)
ROW_DELETED = _(
    "Someone else deleted this row after you opened the page. "
    "Save again to go on without it. Copy anything you want to keep first."
)
UNCHECKED = _(
    "Could not check whether someone else has saved this since you opened the page. "
    "Check the form and save again."
)
THEIRS = _("%(field)s: %(old)s → %(new)s. The form now shows their value.")
YOURS = _(
    "%(field)s: %(old)s → %(new)s. "
    "The form still shows your value, which replaces theirs when you save."
)
SAVE_AGAIN = _("Check the form, and save again when it looks right.")
DELETED_BY = _(
    "%(user)s deleted “%(object)s” on %(time)s, after you opened it. "
    "Your changes could not be saved."
)
DELETED = _(
    "Someone else deleted “%(object)s” after you opened it. Your changes could not be saved."
)


# --- Values: what a form field holds, in a plain form that JSON and comparison agree on ---


def plain(field, value):
    """Return `value` of form field `field` as a comparable JSON value."""
    if isinstance(value, models.Model):
        return getattr(value, getattr(field, "to_field_name", None) or "pk")
    if isinstance(value, list | tuple | set | models.QuerySet):
        return sorted((plain(field, item) for item in value), key=str)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, File):
        return f"new file: {value.name}"
    if isinstance(value, str):
        # Browsers send text areas with CRLF line ends, and text fields strip.
        return value.replace("\r\n", "\n").strip() or None
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.time):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def token_dumps(payload):
    return signing.dumps(payload, salt=TOKEN_SALT, compress=True)


def token_loads(token):
    """Return the token's payload, or None for a missing, broken or forged one."""
    if not token:
        return None
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    return payload if isinstance(payload, dict) else None


# --- Forms ---


class TokenField(forms.CharField):
    """The hidden token; it never counts as a change of its own."""

    widget = forms.HiddenInput

    def __init__(self):
        super().__init__(required=False, label=_("version you opened"))

    def has_changed(self, initial, data):
        return False


class ShownBoundField(BoundField):
    """A bound field that can show another value than the one submitted.

    After a refused save, fields only the other editor changed show their
    value, and the token is the fresh one.
    """

    @property
    def data(self):
        shown = self.form.locking_shown
        if self.name in shown:
            return shown[self.name]
        return super().data


@dataclass
class Change:
    field: forms.Field
    old: object
    new: object
    kept_yours: bool


@dataclass
class Problem:
    """Why a form's save is refused: "changed", "deleted" or "unchecked"."""

    kind: str
    pk: str
    since: datetime.datetime | None = None
    changes: tuple = ()


class LockingFormMixin:
    """The form side: carry the token, compare it on saving, explain a conflict."""

    bound_field_class = ShownBoundField
    # True on inline rows, whose problems their formset reports in one go.
    locking_row = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locking_problem = None
        self.locking_shown = {}
        self.locking_skip = False
        if not self.is_bound:
            if self.locking_exists():
                self.initial[TOKEN_FIELD] = self.locking_token()
            return
        seen = token_loads(self.data.get(self.add_prefix(TOKEN_FIELD)))
        if seen and seen.get("gone") and self.locking_row_gone():
            # The editor was told this row is gone and saved again: leave it out.
            self.locking_skip = True
            self.empty_permitted = True

    def has_changed(self):
        return not self.locking_skip and super().has_changed()

    def locking_exists(self):
        return self.instance.pk is not None and not self.instance._state.adding

    def locking_row_gone(self):
        """Whether this inline row was posted with an id its formset no longer finds."""
        pk_name = self._meta.model._meta.pk.name
        return (
            self.locking_row
            and not self.locking_exists()
            and bool(self.data.get(self.add_prefix(pk_name)))
        )

    def locking_fields(self):
        """The (name, field) pairs the token covers: editable fields of the model."""
        opts = self._meta.model._meta
        for name, field in self.fields.items():
            if name == TOKEN_FIELD or field.disabled:
                continue
            try:
                model_field = opts.get_field(name)
            except FieldDoesNotExist:
                continue
            if not model_field.primary_key:
                yield name, field

    def locking_stored(self):
        # The form's initial data is the row as loaded for this request.
        return {
            name: plain(field, self.get_initial_for_field(field, name))
            for name, field in self.locking_fields()
        }

    def locking_token(self, stored=None):
        payload = {
            "m": self._meta.model._meta.label_lower,
            "pk": str(self.instance.pk),
            "at": round(time.time(), 3),
            "v": self.locking_stored() if stored is None else stored,
        }
        if not self.locking_row:
            payload["s"] = str(self.instance)
        return token_dumps(payload)

    def clean(self):
        cleaned_data = super().clean()
        self.locking_check()
        if self.locking_problem and not self.locking_row:
            locking_report([self])
        return cleaned_data

    def locking_check(self):
        token = self.data.get(self.add_prefix(TOKEN_FIELD))
        if not token:
            return
        seen = token_loads(token)
        if not self.locking_exists():
            if seen and "v" in seen and self.locking_row_gone():
                self.locking_problem = Problem("deleted", pk=seen["pk"], since=_since(seen))
                # Saving again with this token leaves the row out (see __init__).
                self.locking_shown[TOKEN_FIELD] = token_dumps(
                    {"m": seen["m"], "pk": seen["pk"], "gone": True}
                )
            return
        pk, stored = str(self.instance.pk), self.locking_stored()
        self.locking_shown[TOKEN_FIELD] = self.locking_token(stored)
        if not (
            seen
            and "v" in seen
            and seen.get("m") == self._meta.model._meta.label_lower
            and seen.get("pk") == pk
        ):
            self.locking_problem = Problem("unchecked", pk=pk)
            return
        changes = []
        for name, field in self.locking_fields():
            if name not in seen["v"] or stored[name] == seen["v"][name]:
                continue
            if name in self.cleaned_data:
                yours = plain(field, self.cleaned_data[name])
                if yours == stored[name]:
                    continue  # Both made the same change: nothing to undo.
                kept_yours = yours != seen["v"][name]
            else:
                kept_yours = True  # Invalid input: the editor has changed it.
            if not kept_yours:
                self.locking_shown[name] = self.get_initial_for_field(field, name)
            changes.append(Change(field, seen["v"][name], stored[name], kept_yours))
        if changes:
            self.locking_problem = Problem(
                "changed", pk=pk, since=_since(seen), changes=tuple(changes)
            )


def _since(payload):
    return datetime.datetime.fromtimestamp(payload.get("at", 0), tz=datetime.UTC)


class LockingFormSetMixin:
    """The formset side: report the rows' problems with one look in the log."""

    def clean(self):
        locking_report(
            [
                form
                for form in self.forms
                if getattr(form, "locking_problem", None)
                and not form.cleaned_data.get(DELETION_FIELD_NAME)
            ],
            parent=self.instance,
        )
        if any(form.locking_row_gone() for form in self.initial_forms):
            # The admin pairs the rows it shows with the queryset by position,
            # which has lost the gone ones: pair them with their own forms.
            self.locking_rows = [
                None if form.locking_row_gone() else form.instance for form in self.initial_forms
            ]
        super().clean()

    def get_queryset(self):
        if getattr(self, "locking_rows", None) is not None:
            return self.locking_rows
        return super().get_queryset()


# --- Telling the editor ---


def locking_report(forms_with_problems, parent=None):
    """Add each form's problem as a message at the top of that form."""

    # Someone saves a row through its own page, or through its parent's inline.
    def keys_of(form):
        keys = [_log_key(form._meta.model, form.locking_problem.pk)]
        if parent is not None:
            keys.append(_log_key(parent.__class__, parent.pk))
        return keys

    dated = [form for form in forms_with_problems if form.locking_problem.since]
    entries = {}
    if dated:
        entries = _latest_log_entries(
            {key for form in dated for key in keys_of(form)},
            min(form.locking_problem.since for form in dated),
        )
    for form in forms_with_problems:
        problem = form.locking_problem
        candidates = [
            entry
            for entry in map(entries.get, keys_of(form))
            if entry and problem.since and entry.action_time >= problem.since
        ]
        latest = max(candidates, key=lambda entry: entry.action_time, default=None)
        form.add_error(None, _messages(form, problem, latest))


def _log_key(model, pk):
    return (ContentType.objects.get_for_model(model, for_concrete_model=False).pk, str(pk))


def _latest_log_entries(keys, since, **filters):
    """The newest log entry since `since` for each (content type id, object id)."""
    condition = Q()
    for content_type_id, object_id in keys:
        condition |= Q(content_type_id=content_type_id, object_id=object_id)
    entries = {}
    for entry in (
        LogEntry.objects.filter(condition, action_time__gte=since, **filters)
        .select_related("user")
        .order_by("-action_time", "-pk")
    ):
        entries.setdefault((entry.content_type_id, entry.object_id), entry)
    return entries


def _who_and_when(entry):
    user, when = entry.user, timezone.localtime(entry.action_time)
    return {
        "user": user.get_full_name() or user.get_username(),
        "time": gettext("%(date)s at %(time)s")
        % {
            "date": formats.date_format(when, "DATE_FORMAT"),
            "time": formats.time_format(when, "TIME_FORMAT"),
        },
    }


def _messages(form, problem, entry):
    context = _who_and_when(entry) if entry else {}
    if problem.kind == "unchecked":
        return [str(UNCHECKED)]
    if problem.kind == "deleted":
        return [(ROW_DELETED_BY if entry else ROW_DELETED) % context]
    if form.locking_row:
        lines = [(ROW_CHANGED_BY if entry else ROW_CHANGED) % context]
    else:
        context["object"] = form.instance
        lines = [(CHANGED_BY if entry else CHANGED) % context]
    for change in problem.changes:
        old, new = _shown_pair(change)
        lines.append(
            (YOURS if change.kept_yours else THEIRS)
            % {"field": capfirst(change.field.label or ""), "old": old, "new": new}
        )
    lines.append(str(SAVE_AGAIN))
    return lines


def _shown_pair(change):
    """The old and the new value as an editor reads them."""
    field, old, new = change.field, change.old, change.new
    if isinstance(field, forms.CharField):
        old, new = _excerpts(old or "", new or "")
        return _quoted(old), _quoted(new)
    labels = _choice_labels(field, [old, new])
    return _shown(field, old, labels), _shown(field, new, labels)


def _shown(field, value, labels):
    if value is None or value == []:
        return gettext("(empty)")
    if isinstance(value, list):
        return ", ".join(labels.get(str(item), str(item)) for item in value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if str(value) in labels:
        return labels[str(value)]
    # Numbers and dates as the editor types them in Norwegian.
    try:
        if isinstance(field, forms.DecimalField):
            return formats.number_format(Decimal(value), force_grouping=True)
        if isinstance(field, forms.DateTimeField | forms.SplitDateTimeField):
            when = timezone.localtime(datetime.datetime.fromisoformat(value))
            return formats.date_format(when, "DATETIME_FORMAT")
        if isinstance(field, forms.DateField):
            return formats.date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
    except (ArithmeticError, TypeError, ValueError):
        pass
    return str(value)


def _quoted(text):
    return gettext("“%(text)s”") % {"text": text} if text else gettext("(empty)")


def _choice_labels(field, values):
    """Labels of the choices among `values`, one query for a relation."""
    keys = set()
    for value in values:
        items = value if isinstance(value, list) else [value]
        keys.update(str(item) for item in items if item is not None)
    if not keys:
        return {}
    if isinstance(field, forms.ModelChoiceField):
        key = field.to_field_name or "pk"
        return {
            str(getattr(obj, key)): field.label_from_instance(obj)
            for obj in field.queryset.filter(**{f"{key}__in": keys})
        }
    if isinstance(field, forms.ChoiceField):
        labels = {}
        for value, label in field.choices:
            if isinstance(label, list | tuple):
                labels.update((str(v), str(sub)) for v, sub in label)
            else:
                labels[str(value)] = str(label)
        return labels
    return {}


def _excerpts(old, new):
    """Short excerpts of two long texts, around where they first differ."""
    if len(old) <= EXCERPT_LENGTH and len(new) <= EXCERPT_LENGTH:
        return old, new
    same = 0
    while same < min(len(old), len(new)) and old[same] == new[same]:
        same += 1
    start = max(0, same - EXCERPT_LENGTH // 3)
    return _cut(old, start), _cut(new, start)


def _cut(text, start):
    excerpt = text[start : start + EXCERPT_LENGTH]
    return ("…" if start else "") + excerpt + ("…" if start + EXCERPT_LENGTH < len(text) else "")


# --- Admin classes ---


def _fieldsets_with_token(fieldsets, include):
    """Copy `fieldsets` with the token as the first fieldset's last line, or not at all."""
    result = [
        (name, {**options, "fields": [f for f in options.get("fields", ()) if f != TOKEN_FIELD]})
        for name, options in fieldsets
    ]
    if include and result:
        name, options = result[0]
        result[0] = (name, {**options, "fields": [*options["fields"], TOKEN_FIELD]})
    return result


def _locks(model_admin, request, obj):
    return (
        obj is not None
        and obj.pk is not None
        and not obj._state.adding
        and model_admin.has_change_permission(request, obj)
    )


def _can_lock(using):
    connection = connections[using]
    return connection.features.has_select_for_update and not connection.get_autocommit()


def _for_update(queryset):
    """Lock the rows `queryset` reads until the transaction ends, where the database can."""
    if not _can_lock(queryset.db):
        return queryset
    if connections[queryset.db].features.has_select_for_update_of:
        return queryset.select_for_update(of=("self",))
    return queryset.select_for_update()


class LockingInlineMixin:
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return _fieldsets_with_token(fieldsets, _locks(self, request, obj))


class LockingAdminMixin:
    """The ModelAdmin side: render the tokens, lock the rows, explain a deletion."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return _fieldsets_with_token(fieldsets, _locks(self, request, obj))

    def get_inlines(self, request, obj):
        return [locking_inline(inline) for inline in super().get_inlines(request, obj)]

    def get_object(self, request, object_id, from_field=None):
        if request.method == "POST" and _can_lock(router.db_for_write(self.model)):
            # Lock first and read after, so the form compares with the row
            # as it stays until this save commits.
            field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
            try:
                value = field.to_python(object_id)
            except (ValidationError, ValueError):
                pass  # get_object() finds nothing either.
            else:
                rows = _for_update(
                    self.model._base_manager.filter(**{field.name: value}).order_by()
                )
                list(rows.values_list("pk", flat=True))
        return super().get_object(request, object_id, from_field)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if request.method == "POST":
            kwargs["queryset"] = _for_update(kwargs["queryset"])
        return kwargs

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's hook for a change form whose object is gone. A save from a
        # form that had the object gets a page that keeps what was typed.
        if request.method == "POST" and TOKEN_FIELD in request.POST:
            return self.locking_deleted_response(request, object_id)
        return super()._get_obj_does_not_exist_redirect(request, opts, object_id)

    def locking_deleted_response(self, request, object_id):
        object_id = unquote(object_id)
        seen = token_loads(request.POST.get(TOKEN_FIELD)) or {}
        key = _log_key(self.model, object_id)
        entry = _latest_log_entries([key], _since(seen), action_flag=DELETION).get(key)
        context = {"object": entry.object_repr if entry else seen.get("s", object_id)}
        if entry:
            context.update(_who_and_when(entry))
        typed = []
        for name, value in request.POST.items():
            try:
                field = self.opts.get_field(name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, models.CharField | models.TextField) and value.strip():
                typed.append((capfirst(field.verbose_name), value))
        return TemplateResponse(
            request,
            "admin/locking_deleted.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("“%(object)s” has been deleted") % context,
                "message": (DELETED_BY if entry else DELETED) % context,
                "typed": typed,
                "opts": self.opts,
            },
            status=409,
        )


# --- Composing ---


@functools.cache
def locking_form(form_class, *, row):
    return type(
        form_class.__name__,
        (LockingFormMixin, form_class),
        {"__module__": form_class.__module__, TOKEN_FIELD: TokenField(), "locking_row": row},
    )


@functools.cache
def locking_inline(inline_class):
    return type(
        inline_class.__name__,
        (LockingInlineMixin, inline_class),
        {
            "__module__": inline_class.__module__,
            "form": locking_form(inline_class.form, row=True),
            "formset": type(
                inline_class.formset.__name__,
                (LockingFormSetMixin, inline_class.formset),
                {"__module__": inline_class.formset.__module__},
            ),
        },
    )


def with_locking(admin_class):
    """Return `admin_class` with optimistic locking on its change form and inlines."""
    if issubclass(admin_class, LockingAdminMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (LockingAdminMixin, admin_class),
        {"__module__": admin_class.__module__, "form": locking_form(admin_class.form, row=False)},
    )
