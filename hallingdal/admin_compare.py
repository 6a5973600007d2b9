"""The admin's pages for comparing versions, restoring one, and recovering deleted objects.

Versions are addressed by their reversion Version id, and each page checks
that the version belongs to its object (or, for recovering, to its model):
anything else is a 404. An earlier version that no longer fits (its slug
taken meanwhile, the programme it belonged to deleted, its number given to
another object) is refused with what is in the way, before anything is
written; the database's own checks run before the change is kept, so a
refusal there writes nothing either.
"""

import functools

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, connections, router, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reversion.errors import RevertError
from reversion.models import Version

from . import history_diff, publishing
from .models import Action, Draft

# The list of deleted objects shows this many to a page.
DELETED_PER_PAGE = 50
# What the comparison form sends for "the object as it is now".
NOW = "now"

UNREADABLE = _(
    "This version can no longer be read: the fields have changed too much since it was saved."
)


class VersionsAdminMixin:
    """Compare, restore and recover pages for a ModelAdmin of a publishable model."""

    change_list_template = "admin/change_list_with_recover.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name

        def wrap(view):
            wrapper = functools.update_wrapper(
                functools.partial(self.admin_site.admin_view(view)), view
            )
            wrapper.model_admin = self
            return wrapper

        return [
            path(
                "<path:object_id>/history/compare/",
                wrap(self.history_compare_view),
                name="{}_{}_history_compare".format(*info),
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                wrap(self.history_restore_view),
                name="{}_{}_restore".format(*info),
            ),
            path("recover/", wrap(self.recover_list_view), name="{}_{}_recover_list".format(*info)),
            path(
                "recover/<int:version_id>/",
                wrap(self.recover_view),
                name="{}_{}_recover".format(*info),
            ),
            *super().get_urls(),
        ]

    def versions_url(self, name, *args):
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}",
            args=args,
            current_app=self.admin_site.name,
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if self.has_recover_permission(request):
            extra_context["recover_url"] = self.versions_url("recover_list")
            extra_context["recover_label"] = _("Recover deleted %(name)s") % {
                "name": self.opts.verbose_name_plural
            }
        return super().changelist_view(request, extra_context)

    def has_recover_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    # --- Compare ---------------------------------------------------------------------------

    def history_compare_view(self, request, object_id):
        obj = self.versions_object(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        chosen = [request.GET.get("from", ""), request.GET.get("to", "")]
        ids = [_version_id(value) for value in chosen if value != NOW]
        found = {version.pk: version for version in publishing.history(obj).filter(pk__in=ids)}
        if set(ids) - set(found):
            raise Http404(_("There is no such version of this object."))
        sides = [found[_version_id(value)] if value != NOW else None for value in chosen]
        # Older first, the object as it is now last, whichever way they were picked.
        older, newer = sorted(sides, key=_age)
        try:
            older_values = _values(older, obj)
            newer_values = _values(newer, obj)
        except RevertError:
            return self.versions_refusal(request, obj, UNREADABLE)
        context = {
            "title": _("Compare versions of “%(object)s”") % {"object": obj},
            "older": _side(older),
            "newer": _side(newer),
            "sides": [_side(older), _side(newer)],
            "changes": history_diff.changes(self.model, older_values, newer_values),
            "can_restore": self.has_change_permission(request, obj),
        }
        return self.versions_response(request, obj, "admin/history_compare.html", context)

    # --- Restore ---------------------------------------------------------------------------

    def history_restore_view(self, request, object_id, version_id):
        obj = self.versions_object(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        version = publishing.history(obj).filter(pk=version_id).first()
        if version is None:
            raise Http404(_("There is no such version of this object."))
        try:
            problems = restore_problems(obj, version)
            now = history_diff.live_values(obj)
            # What the version brings; whether and when the object is published stays as it is.
            restored = {
                key: value
                for key, value in version.field_dict.items()
                if key not in publishing.NOT_FROM_DRAFTS
            }
            changes = history_diff.changes(self.model, now, {**now, **restored})
        except RevertError:
            return self.versions_refusal(request, obj, UNREADABLE)
        if request.method == "POST" and not problems:
            try:
                with transaction.atomic(using=router.db_for_write(self.model)):
                    publishing.version_restore(version=version, user=request.user)
                    _check_database_constraints(self.model)
            except IntegrityError:
                problems = [_("The database refused the version as it is.")]
            else:
                messages.success(request, _restored_message(obj, version))
                return redirect(self.versions_change_url(obj.pk))
        context = {
            "title": _("Restore an earlier version of “%(object)s”") % {"object": obj},
            "version": _side(version),
            "changes": changes,
            "problems": problems,
            "draft": publishing.draft_of(obj) if obj.is_published else None,
        }
        status = 409 if problems else 200
        return self.versions_response(
            request, obj, "admin/history_restore.html", context, status=status
        )

    # --- Recover ---------------------------------------------------------------------------

    def recover_list_view(self, request):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        deleted = (
            publishing.deleted_versions(self.model)
            .select_related("revision__history_entry")
            .order_by("-revision__date_created", "-pk")
        )
        page = Paginator(deleted, DELETED_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            "title": _("Recover deleted %(name)s") % {"name": self.opts.verbose_name_plural},
            "page": page,
            "deleted_action": Action.DELETED,
        }
        return self.versions_response(request, None, "admin/recover_list.html", context)

    def recover_view(self, request, version_id):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        version = self.versions_of_model().filter(pk=version_id).first()
        if version is None:
            raise Http404(_("There is no such deleted object."))
        try:
            problems = recover_problems(self.model, version)
            lines = history_diff.summary(self.model, version.field_dict)
        except RevertError:
            return self.versions_refusal(request, None, UNREADABLE)
        if request.method == "POST" and not problems:
            try:
                with transaction.atomic(using=router.db_for_write(self.model)):
                    obj = publishing.version_recover(version=version, user=request.user)
                    _check_database_constraints(self.model)
            except IntegrityError:
                problems = [_("The database refused the version as it is.")]
            else:
                messages.success(
                    request,
                    _(
                        "“%(object)s” is back, unpublished: visitors do not see it. "
                        "Check it, and publish it when it is ready."
                    )
                    % {"object": obj},
                )
                return redirect(self.versions_change_url(obj.pk))
        context = {
            "title": _("Recover “%(object)s”") % {"object": version.object_repr},
            "version": _side(version),
            "lines": lines,
            "problems": problems,
        }
        status = 409 if problems else 200
        return self.versions_response(
            request, None, "admin/recover_confirm.html", context, status=status
        )

    # --- Shared ----------------------------------------------------------------------------

    def versions_object(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("There is no such object."))
        return obj

    def versions_of_model(self):
        return Version.objects.get_for_model(self.model).select_related(
            "revision__user", "revision__history_entry"
        )

    def versions_change_url(self, pk):
        return self.versions_url("change", pk)

    def versions_response(self, request, obj, template, context, status=200):
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "preserved_filters": self.get_preserved_filters(request),
            **context,
        }
        return TemplateResponse(request, template, context, status=status)

    def versions_refusal(self, request, obj, message):
        context = {"title": _("This version cannot be used"), "problems": [message]}
        return self.versions_response(
            request, obj, "admin/history_refused.html", context, status=409
        )


def _version_id(value):
    try:
        return int(value)
    except ValueError:
        raise Http404(_("There is no such version of this object.")) from None


def _age(version):
    if version is None:
        return (1, timezone.now(), 0)
    return (0, version.revision.date_created, version.pk)


def _values(version, obj):
    return history_diff.live_values(obj) if version is None else version.field_dict


def _side(version):
    """What the pages say about one side of a comparison: when, who and what, or "now"."""
    if version is None:
        return {"version": None, "description": _("the object as it is now")}
    user = version.revision.user
    entry = getattr(version.revision, "history_entry", None)
    side = {
        "version": version,
        "when": version.revision.date_created,
        "who": (user.get_full_name() or user.get_username()) if user else _("Unknown"),
        "what": entry.get_action_display() if entry else "",
        "action": entry.action if entry else "",
    }
    side["description"] = _("the version of %(when)s by %(who)s (%(what)s)") % {
        **side,
        "when": formats.date_format(timezone.localtime(side["when"]), "DATETIME_FORMAT"),
    }
    return side


def _restored_message(obj, version):
    when = formats.date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")
    if obj.is_published:
        return _(
            "The version of %(when)s is now the draft of “%(object)s”. Visitors still see "
            "the published text until you publish the draft."
        ) % {"when": when, "object": obj}
    return _(
        "“%(object)s” now has the values of the version of %(when)s. It is not published, "
        "so visitors do not see it."
    ) % {"when": when, "object": obj}


# --- Whether a version still fits -------------------------------------------------------------


def restore_problems(obj, version):
    """What stands in the way of giving `obj` the values of `version`, in words; [] if nothing."""
    candidate = type(obj)._base_manager.get(pk=obj.pk)
    draft = Draft(content_type=version.content_type, object_id=obj.pk, version=version)
    m2m = publishing.apply_draft(candidate, draft)
    return _fit_problems(candidate, m2m)


def recover_problems(model, version):
    """What stands in the way of bringing a deleted object back from `version`; [] if nothing."""
    values = version.field_dict
    existing = model._base_manager.filter(pk=version.object_id).first()
    if existing is not None:
        return [
            _(
                "“%(object)s” has the same number (%(id)s) now: it has been recovered already, "
                "or the number has been given to another object. Nothing has been changed."
            )
            % {"object": existing, "id": existing.pk}
        ]
    m2m = {}
    candidate = model(pk=version.object_id)
    for name, value in values.items():
        if model._meta.get_field(name).many_to_many:
            m2m[name] = value
        else:
            setattr(candidate, name, value)
    return _fit_problems(candidate, m2m)


def _fit_problems(candidate, m2m):
    model = type(candidate)
    problems = []
    # Clean first: it normalises dates as a save would, before the constraints look.
    for check in (
        candidate.clean,
        functools.partial(candidate.validate_unique, exclude=[model._meta.pk.name]),
        candidate.validate_constraints,
    ):
        try:
            check()
        except ValidationError as error:
            problems.extend(error.messages)
    for model_field in model._meta.concrete_fields:
        value = getattr(candidate, model_field.attname)
        if model_field.many_to_one and value is not None:
            related = model_field.related_model
            if not related._base_manager.filter(pk=value).exists():
                problems.append(
                    _(
                        "%(field)s: the %(kind)s it belonged to has been deleted. "
                        "Recover that first."
                    )
                    % {
                        "field": capfirst(model_field.verbose_name),
                        "kind": related._meta.verbose_name,
                    }
                )
    for name, ids in m2m.items():
        related = model._meta.get_field(name).related_model
        missing = set(ids) - set(
            related._base_manager.filter(pk__in=ids).values_list("pk", flat=True)
        )
        if missing:
            problems.append(
                ngettext(
                    "%(field)s: %(count)s of them has been deleted since. Recover it first.",
                    "%(field)s: %(count)s of them have been deleted since. Recover them first.",
                    len(missing),
                )
                % {
                    "field": capfirst(model._meta.get_field(name).verbose_name),
                    "count": len(missing),
                }
            )
    return list(dict.fromkeys(problems))


def _check_database_constraints(model):
    """Run the checks the database defers to the commit now, inside the transaction.

    Foreign keys are checked at the commit (both PostgreSQL and SQLite, as
    Django creates them); a failure there would be an error page after the
    fact instead of a refusal that writes nothing.
    """
    tables = [
        model._meta.db_table,
        *(f.remote_field.through._meta.db_table for f in model._meta.many_to_many),
    ]
    connections[router.db_for_write(model)].check_constraints(table_names=tables)
