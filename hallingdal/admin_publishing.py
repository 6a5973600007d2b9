"""Publishing from the admin's change forms: drafts of live pages, publish, schedule, unpublish.

What the buttons under a change form do to the public page:

- On an unpublished object, "Save" keeps it out of sight and "Publish"
  saves it and makes it live (or live from its "publish at" minute).
- On a published object, "Save draft" keeps the changes as the object's
  draft: visitors go on seeing the published page, in every language, until
  the draft is published. "Schedule" does the same and publishes the draft
  at the chosen minute. "Save" publishes the form as it stands at once.
  "Discard draft" forgets the draft (the history keeps it) and "Unpublish"
  takes the object off the site.

A change form opens with the draft when there is one, so the editor goes on
where the draft left off. A draft holds the object's own fields: changes to
the rows of its inlines (a programme's phases) are saved on their own.
The work is done by hallingdal/publishing.py; this module is the admin's side.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.base import ModelBase
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import publishing
from .admin_widgets import LabelledSplitDateTime
from .models import Action, Draft

SAVE_DRAFT = "_save_draft"
SCHEDULE = "_schedule"
PUBLISH = "_publish"
# Who may publish decides these; others edit the rest of the form.
PUBLISHING_FIELDS = ("is_published", "publish_at", "unpublish_at")

DRAFT_KEEPS_OWN_FIELDS = _(
    "A draft keeps only the fields of this %(model)s. You have also changed rows "
    "below it, which would go live at once: save those changes first with “Save”, "
    "or on each row's own page, then save the draft."
)


class ScheduleForm(forms.Form):
    """When a draft of a live object is to go live."""

    go_live_at = forms.SplitDateTimeField(
        label=_("Publish the draft at"),
        widget=LabelledSplitDateTime,
        help_text=_("Visitors see the published page until this minute, and the draft from it."),
    )

    def clean_go_live_at(self):
        go_live_at = self.cleaned_data["go_live_at"]
        if go_live_at <= timezone.now():
            raise forms.ValidationError(
                _("Choose a time in the future, or publish the draft now with “Save”.")
            )
        return go_live_at


def _when(moment, format="DATETIME_FORMAT"):
    return formats.date_format(timezone.localtime(moment), format)


class PublishingFormMixin:
    """The change form checks the chosen publishing button before anything is saved."""

    # Set by the admin for each request: the request, the action, whether it keeps a draft.
    publishing_request = None
    publishing_action = None
    publishing_keeps_draft = False

    def clean(self):
        cleaned_data = super().clean()
        if self.publishing_keeps_draft:
            request = self.publishing_request
            formsets = getattr(request, "publishing_formsets", ())
            if any(formset.has_changed() for formset in formsets):
                self.add_error(
                    None, DRAFT_KEEPS_OWN_FIELDS % {"model": self._meta.model._meta.verbose_name}
                )
            schedule = getattr(request, "publishing_schedule", None)
            if self.publishing_action == SCHEDULE and not (schedule and schedule.is_valid()):
                self.add_error(None, _("Choose when the draft is to be published."))
        return cleaned_data


class PublishingState(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Published, with a draft")),
            ("scheduled", _("Draft scheduled")),
            ("published", _("Published")),
            ("unpublished", _("Not published")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "draft":
            return queryset.filter(is_published=True, has_draft=True)
        if value == "scheduled":
            return queryset.filter(draft_go_live_at__isnull=False)
        if value == "published":
            return queryset.filter(is_published=True)
        if value == "unpublished":
            return queryset.filter(is_published=False)
        return queryset


class PublishingAdminMixin:
    """The admin's side of publishing, for the publishable models' ModelAdmins."""

    # --- Rights ---

    def has_publish_permission(self, request, obj=None):
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.publish_{opts.model_name}")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request, obj):
            fields += [name for name in PUBLISHING_FIELDS if name not in fields]
        return fields

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            # Inline instances are made for each request, so this is the editor's own.
            opts = inline.model._meta
            if publishing.is_publishable(inline.model) and not request.user.has_perm(
                f"{opts.app_label}.publish_{opts.model_name}"
            ):
                readonly = list(inline.get_readonly_fields(request, obj))
                inline.readonly_fields = [*readonly, "is_published"]
        return inlines

    # --- The list ---

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        if match and match.url_name and match.url_name.endswith("_changelist"):
            drafts = Draft.objects.filter(
                content_type=ContentType.objects.get_for_model(self.model),
                object_id=OuterRef("pk"),
            )
            queryset = queryset.annotate(
                has_draft=Exists(drafts),
                draft_since=Subquery(drafts.values("created_at")[:1]),
                draft_go_live_at=Subquery(drafts.values("go_live_at")[:1]),
            )
        return queryset

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        return ["publishing_state" if name == "is_published" else name for name in shown]

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        return [PublishingState if name == "is_published" else name for name in filters]

    @admin.display(description=_("state"), ordering="is_published")
    def publishing_state(self, obj):
        if getattr(obj, "draft_go_live_at", None):
            return gettext("Published; the draft goes live %(when)s") % {
                "when": _when(obj.draft_go_live_at, "SHORT_DATETIME_FORMAT")
            }
        if getattr(obj, "has_draft", False):
            return gettext("Published; draft since %(when)s") % {
                "when": _when(obj.draft_since, "SHORT_DATETIME_FORMAT")
            }
        if obj.is_published and obj.publish_at and obj.publish_at > timezone.now():
            return gettext("Goes live %(when)s") % {
                "when": _when(obj.publish_at, "SHORT_DATETIME_FORMAT")
            }
        if obj.is_published and not obj.is_live:
            return gettext("Published, out of its time window")
        return gettext("Published") if obj.is_published else gettext("Not published")

    # --- The change form ---

    def publishing_action_of(self, request):
        for name in (SAVE_DRAFT, SCHEDULE, PUBLISH):
            if name in request.POST:
                return name
        return None

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            return None
        # What the row holds now, before a form changes it in memory.
        obj.publishing_was_live = obj.is_published
        obj.publishing_draft = None
        if getattr(request, "publishing_opens_draft", False):
            draft = publishing.draft_of(obj)
            if draft is not None:
                m2m = publishing.apply_draft(obj, draft)
                # The form reads many-to-many values through the prefetch cache.
                obj._prefetched_objects_cache = publishing.related_rows(type(obj), m2m)
                obj.publishing_draft = draft
        return obj

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        request.publishing_opens_draft = True
        action = self.publishing_action_of(request) if request.method == "POST" else None
        if action == PUBLISH and not self.has_publish_permission(request):
            raise PermissionDenied
        if action == SCHEDULE and not self.has_publish_permission(request):
            raise PermissionDenied
        request.publishing_schedule = ScheduleForm(
            request.POST if action == SCHEDULE else None, prefix="schedule"
        )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        action = self.publishing_action_of(request) if request.method == "POST" else None
        return type(
            form.__name__,
            (PublishingFormMixin, form),
            {
                "__module__": form.__module__,
                "publishing_action": action,
                "publishing_keeps_draft": self.keeps_draft(request, obj, change),
                "publishing_request": request,
            },
        )

    def _create_formsets(self, request, obj, change):
        # The form checks, before saving, that a draft does not leave inline
        # changes behind; this is where the admin makes the formsets.
        formsets, inlines = super()._create_formsets(request, obj, change)
        request.publishing_formsets = formsets
        return formsets, inlines

    def keeps_draft(self, request, obj, change):
        """Whether this save keeps the changes as a draft, leaving the live row as it is.

        It does when the editor chose "Save draft" or "Schedule" on a published
        object, and for any save of one by an editor who may not publish.
        """
        if request.method != "POST" or not change or obj is None:
            return False
        if not getattr(obj, "publishing_was_live", False):
            return False
        action = self.publishing_action_of(request)
        return action in (SAVE_DRAFT, SCHEDULE) or not self.has_publish_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if self.keeps_draft(request, obj, change):
            return  # The row stays as visitors see it; save_related keeps the draft.
        was_live = getattr(obj, "publishing_was_live", False)
        if self.publishing_action_of(request) == PUBLISH:
            obj.is_published = True
        if obj.is_published and not was_live:
            future = obj.publish_at and obj.publish_at > timezone.now()
            request.history_action = Action.SCHEDULED if future else Action.PUBLISHED
        elif was_live and not obj.is_published:
            request.history_action = Action.UNPUBLISHED
        elif getattr(obj, "publishing_draft", None) is not None:
            request.history_action = Action.PUBLISHED
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        if self.keeps_draft(request, obj, change):
            schedule = request.publishing_schedule
            m2m = {
                name: form.cleaned_data[name]
                for name in form.cleaned_data
                if name in {field.name for field in obj._meta.many_to_many}
            }
            request.publishing_draft = publishing.draft_save(
                obj=obj,
                user=request.user,
                m2m=m2m,
                go_live_at=schedule.cleaned_data["go_live_at"]
                if self.publishing_action_of(request) == SCHEDULE
                else None,
            )
            return
        super().save_related(request, form, formsets, change)
        draft = getattr(obj, "publishing_draft", None)
        if draft is not None:
            # The form opened with the draft: saving it has made it live.
            draft.delete()
            publishing.schedule_changed()

    def response_change(self, request, obj):
        draft = getattr(request, "publishing_draft", None)
        if draft is None:
            if getattr(request, "history_action", None) == Action.PUBLISHED:
                messages.success(request, gettext("“%(object)s” is published.") % {"object": obj})
            elif getattr(request, "history_action", None) == Action.SCHEDULED:
                messages.success(
                    request,
                    gettext("“%(object)s” goes live %(when)s.")
                    % {"object": obj, "when": _when(obj.publish_at)},
                )
            return super().response_change(request, obj)
        if draft.go_live_at:
            message = gettext(
                "The draft of “%(object)s” is scheduled: it goes live %(when)s. "
                "Until then visitors see the published page."
            ) % {"object": obj, "when": _when(draft.go_live_at)}
        else:
            message = gettext(
                "The draft of “%(object)s” is saved. Visitors still see the published page; "
                "it changes when you publish the draft."
            ) % {"object": obj}
        messages.success(request, message)
        return HttpResponseRedirect(request.path)

    def response_add(self, request, obj, post_url_continue=None):
        if self.publishing_action_of(request) == PUBLISH:
            messages.success(request, gettext("“%(object)s” is published.") % {"object": obj})
        return super().response_add(request, obj, post_url_continue)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        can_publish = self.has_publish_permission(request, obj)
        draft = getattr(obj, "publishing_draft", None) if obj is not None else None
        live = bool(obj is not None and change and obj.publishing_was_live)
        context["publishing"] = {
            "live": live,
            "visible": live and obj.is_live,
            "draft": draft,
            "can_publish": can_publish,
            "schedule_form": getattr(request, "publishing_schedule", None),
            "discard_url": self._url("discard_draft", obj) if draft else None,
            "unpublish_url": self._url("unpublish", obj) if live and can_publish else None,
        }
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- Discarding a draft and unpublishing: actions on the object, not saves of the form ---

    def _url(self, name, obj):
        info = (self.opts.app_label, self.opts.model_name, name)
        return reverse("admin:{}_{}_{}".format(*info), args=[obj.pk])

    def get_urls(self):
        info = (self.opts.app_label, self.opts.model_name)
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/discard-draft/",
                wrap(self.discard_draft_view),
                name="{}_{}_discard_draft".format(*info),
            ),
            path(
                "<path:object_id>/unpublish/",
                wrap(self.unpublish_view),
                name="{}_{}_unpublish".format(*info),
            ),
            *super().get_urls(),
        ]

    def _object_for_action(self, request, object_id):
        if request.method != "POST":
            return None, HttpResponseNotAllowed(["POST"])
        obj = super().get_object(request, unquote(object_id))
        if obj is None:
            return None, self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj, None

    def discard_draft_view(self, request, object_id):
        obj, response = self._object_for_action(request, object_id)
        if response:
            return response
        draft = publishing.draft_of(obj)
        if draft is None:
            messages.info(request, gettext("“%(object)s” has no draft.") % {"object": obj})
        else:
            publishing.draft_discard(draft=draft, user=request.user)
            messages.success(
                request,
                gettext(
                    "The draft of “%(object)s” is discarded; the form shows the published "
                    "page again. The draft is kept in the history."
                )
                % {"object": obj},
            )
        return HttpResponseRedirect(self._url("change", obj))

    def unpublish_view(self, request, object_id):
        obj, response = self._object_for_action(request, object_id)
        if response:
            return response
        if not self.has_publish_permission(request, obj):
            raise PermissionDenied
        if obj.is_published:
            publishing.object_unpublish(obj=obj, user=request.user)
            messages.success(
                request,
                gettext("“%(object)s” is unpublished: visitors no longer see it.")
                % {"object": obj},
            )
            # Another part of the admin may have more to say (a document's usages).
            if hasattr(self, "after_unpublish"):
                self.after_unpublish(request, obj)
        return HttpResponseRedirect(self._url("change", obj))


def with_publishing(admin_class, model_or_iterable):
    """Return `admin_class` with the publishing buttons, if it is for publishable models."""
    models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
    if issubclass(admin_class, PublishingAdminMixin) or not all(
        publishing.is_publishable(model) for model in models
    ):
        return admin_class
    return type(
        admin_class.__name__,
        (PublishingAdminMixin, admin_class),
        {"__module__": admin_class.__module__},
    )
