"""Preview from a change or add form: the public page with the form's unsaved content.

The form's "Preview" button submits the whole form, in a new tab, to this
module's preview view. The view binds the ModelAdmin's own form to the data,
builds the unsaved object with `form.save(commit=False)` and keeps the data
(not the files: a new picture shows once saved) in the session under a key
for that object. The preview page then shows a toolbar (language, phone or
desktop width) and, in a frame, the render view: the public template of the
object's page, with the context its public view builds, in the chosen
language. Nothing is saved or published, so neither the public pages nor the
page cache notice anything.

What the page shows besides the object itself is read as it is now: rows
published in their own right (an unpublished programme's page previews with
its published phases, as it will look once published). Of the form's
inlines only the saved rows show. A grant has no page of its own: its
preview is its programme's page, with the grant as the form has it.

Previews are for staff who may change the object (or add one, from the add
form), are never cached (`never_cache`, which the page cache also skips),
are kept out of search engines, and run under the site's policy with only
the framing of the render view by the preview page allowed.
"""

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass

from csp.decorators import csp_replace, csp_update
from django.conf import settings
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.db.models.base import ModelBase
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import path, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from documents.models import Document, DocumentVersion
from programme.models import Grant, Municipality, Phase, Programme, live

from . import publishing
from .admin_locking import TOKEN_FIELD

SESSION_PREFIX = "admin-preview"
# Not content: the CSRF token, and the locking token, which would have the
# form compare itself with what is stored (a preview overwrites nothing).
NOT_STORED = {"csrfmiddlewaretoken", TOKEN_FIELD}
PHONE_WIDTH = "375"
NOINDEX = "noindex"


# --- What each page shows -------------------------------------------------------------------


@dataclass(frozen=True)
class PublicPage:
    """The public page that shows an object: its template, context and address."""

    template: str
    context: Callable
    address: Callable


def _documents_of(**filters):
    """Published documents with a published version, as the document list shows them."""
    documents = Document.objects.filter(live(), **filters).prefetch_related(
        Prefetch(
            "versions",
            queryset=DocumentVersion.objects.marked_published().newest_first(),
            to_attr="published_versions",
        )
    )
    return [document for document in documents if document.published_versions]


def _set_related(obj, name, rows):
    """Have `obj.<name>.all()` answer with `rows`, as a prefetch would."""
    queryset = obj._meta.get_field(name).related_model._default_manager.none()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    obj._prefetched_objects_cache = {
        **getattr(obj, "_prefetched_objects_cache", {}),
        name: queryset,
    }


def _with_programme_relations(programme, *, municipalities=None, grant=None):
    """Attach what a programme page shows: its published phases, grants and municipalities.

    `municipalities`: the form's choice instead of the stored one. `grant`: a
    grant as its form has it, in place of its stored self.
    """
    saved = programme.pk is not None
    phases = Phase.objects.filter(live(), programme=programme) if saved else []
    grants = []
    if saved:
        grants = list(
            Grant.objects.filter(live(), programme=programme)
            .filter(Q(phase__isnull=True) | live("phase__"))
            .select_related("phase")
        )
    if grant is not None:
        # In the stored grant's place, or after the others for a new one.
        stored = [row.pk for row in grants]
        if grant.pk in stored:
            grants[stored.index(grant.pk)] = grant
        else:
            grants.append(grant)
    if municipalities is None:
        municipalities = Municipality.objects.filter(live(), programmes=programme) if saved else []
    else:
        municipalities = Municipality.objects.filter(
            live(), pk__in=[row.pk for row in municipalities]
        )
    if not saved:
        # Never saved: a stand-in key lets the related managers answer from the lists.
        programme.pk = 0
    _set_related(programme, "phases", phases)
    _set_related(programme, "grants", grants)
    _set_related(programme, "municipalities", municipalities)
    return programme


def programme_context(programme, form):
    documents = _documents_of(programme=programme) if programme.pk is not None else []
    _with_programme_relations(programme, municipalities=form.cleaned_data.get("municipalities"))
    return {"programme": programme, "object": programme, "documents": documents}


def phase_context(phase, form):
    saved = phase.pk is not None
    siblings = [
        row
        for row in Phase.objects.filter(live(), programme=phase.programme_id)
        if row.pk != phase.pk
    ]
    siblings = sorted([*siblings, phase], key=lambda row: row.number or 0)
    return {
        "phase": phase,
        "object": phase,
        "grants": Grant.objects.filter(live(), phase=phase) if saved else [],
        "documents": _documents_of(phase=phase) if saved else [],
        "sibling_phases": siblings,
    }


def municipality_context(municipality, form):
    programmes = []
    if municipality.pk is not None:
        programmes = Programme.objects.published().filter(municipalities=municipality)
    return {"municipality": municipality, "object": municipality, "programmes": programmes}


def grant_context(grant, form):
    programme = Programme.objects.get(pk=grant.programme_id)
    _with_programme_relations(programme, grant=grant)
    documents = _documents_of(programme=programme)
    return {"programme": programme, "object": programme, "documents": documents}


def document_context(document, form):
    versions = []
    if document.pk is not None:
        versions = list(
            DocumentVersion.objects.marked_published().filter(document=document).newest_first()
        )
    document.published_versions = versions
    return {"document": document, "object": document}


PUBLIC_PAGES = {
    "programme.Programme": PublicPage(
        "programme/programme_detail.html", programme_context, lambda obj: obj.get_absolute_url()
    ),
    "programme.Phase": PublicPage(
        "programme/phase_detail.html", phase_context, lambda obj: obj.get_absolute_url()
    ),
    "programme.Municipality": PublicPage(
        "programme/municipality_detail.html",
        municipality_context,
        lambda obj: obj.get_absolute_url(),
    ),
    "programme.Grant": PublicPage(
        "programme/programme_detail.html",
        grant_context,
        lambda obj: obj.programme.get_absolute_url(),
    ),
    "documents.Document": PublicPage(
        "documents/document_detail.html", document_context, lambda obj: obj.get_absolute_url()
    ),
}


def visitor_request(request, address):
    """The request as a visitor's for the object's public address.

    The public templates build their canonical and language links from the
    request; they then name the public page, not the admin's render view.
    """
    public = copy.copy(request)
    public.path = public.path_info = address
    public.resolver_match = resolve(address)
    public.GET = QueryDict()
    return public


def _noindex(view):
    """Keep every response of `view` out of search engines, should an address ever leak."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        response = view(*args, **kwargs)
        response["X-Robots-Tag"] = NOINDEX
        return response

    return wrapped


def _frames_render_view(view):
    """Say outright that the preview page frames the site's own render view, and nothing else."""
    return csp_update({"frame-src": ["'self'"]})(view)


def _frameable(view):
    """Let the preview page, and only it, frame this view: same origin only."""
    framed = xframe_options_sameorigin(view)
    return csp_replace({"frame-ancestors": ["'self'"]})(framed)


def _chosen(value, choices, default):
    codes = [code for code, _name in choices]
    return value if value in codes else default


def _form_errors(form):
    """The form's errors as (label, messages) pairs, in the order of the form."""
    errors = []
    if form.non_field_errors():
        errors.append((None, list(form.non_field_errors())))
    for field in form:
        if field.errors:
            errors.append((field.label, list(field.errors)))
    return errors


# --- The admin side -------------------------------------------------------------------------


class PreviewAdminMixin:
    """Adds the preview views to a ModelAdmin, and the button's address to its forms."""

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            # Before the admin's own, whose <path:object_id>/ would claim these.
            path("add/preview/", view(self.preview_view), name=self.preview_name("preview_add")),
            path(
                "add/preview/render/",
                view(self.preview_render_view),
                name=self.preview_name("preview_render_add"),
            ),
            path(
                "<path:object_id>/preview/",
                view(self.preview_view),
                name=self.preview_name("preview"),
            ),
            path(
                "<path:object_id>/preview/render/",
                view(self.preview_render_view),
                name=self.preview_name("preview_render"),
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        saved = obj is not None and obj.pk is not None and not add
        context["preview_url"] = self.preview_url(quote(obj.pk) if saved else None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Addresses and the session

    def preview_name(self, view):
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def admin_url(self, view, *args, query=""):
        url = reverse(
            f"admin:{self.preview_name(view)}", args=args, current_app=self.admin_site.name
        )
        return f"{url}?{query}" if query else url

    def preview_url(self, object_id, *, render=False, query=""):
        view = "preview_render" if render else "preview"
        if object_id is None:
            return self.admin_url(f"{view}_add", query=query)
        return self.admin_url(view, object_id, query=query)

    def preview_session_key(self, object_id):
        return f"{SESSION_PREFIX}:{self.opts.label_lower}:{object_id or 'add'}"

    # Checks

    def preview_object(self, request, object_id):
        """The stored object (None from the add form), once the editor may preview it."""
        if object_id is None:
            if not self.has_add_permission(request):
                raise PermissionDenied
            return None
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("There is nothing with this id to preview."))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def preview_form(self, request, obj, data):
        form_class = self.get_form(request, obj, change=obj is not None)
        return form_class(data, instance=obj)

    # Views

    @_noindex
    @_frames_render_view
    def preview_view(self, request, object_id=None):
        """POST: keep the form's data and show its preview. GET: show the kept preview."""
        obj = self.preview_object(request, object_id)
        key = self.preview_session_key(object_id)
        if request.method == "POST":
            data = {name: values for name, values in request.POST.lists() if name not in NOT_STORED}
            form = self.preview_form(request, obj, self.preview_data(data))
            if not form.is_valid():
                request.session.pop(key, None)
                return self.preview_page(request, obj, form=form)
            request.session[key] = data
            return redirect(request.get_full_path())
        data = request.session.get(key)
        if data is None:
            return self.preview_page(request, obj, missing=True)
        form = self.preview_form(request, obj, self.preview_data(data))
        if not form.is_valid():
            return self.preview_page(request, obj, form=form)
        return self.preview_page(request, obj, form=form, object_id=object_id)

    def preview_data(self, data):
        query = QueryDict(mutable=True)
        for name, values in data.items():
            query.setlist(name, values)
        return query

    def preview_page(self, request, obj, *, form=None, object_id=None, missing=False):
        language = _chosen(request.GET.get("lang"), settings.LANGUAGES, settings.LANGUAGE_CODE)
        width = PHONE_WIDTH if request.GET.get("width") == PHONE_WIDTH else "desktop"
        valid = form is not None and form.is_valid()
        title = _("Preview of “%(object)s”") % {
            "object": form.instance if valid else (obj or self.opts.verbose_name)
        }
        form_url = self.admin_url("add") if obj is None else self.admin_url("change", quote(obj.pk))
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": self.opts,
            "original": obj,
            "form_url": form_url,
            "missing": missing,
            "errors": _form_errors(form) if form is not None and not valid else [],
            "languages": [
                {
                    "code": code,
                    "name": name,
                    "url": f"?lang={code}" + (f"&width={width}" if width == PHONE_WIDTH else ""),
                    "is_current": code == language,
                }
                for code, name in settings.LANGUAGES
            ],
            "widths": [
                {
                    "name": _("Phone (375 px)"),
                    "url": f"?lang={language}&width={PHONE_WIDTH}",
                    "is_current": width == PHONE_WIDTH,
                },
                {
                    "name": _("Desktop"),
                    "url": f"?lang={language}",
                    "is_current": width != PHONE_WIDTH,
                },
            ],
            "width": width,
            "frame_url": (
                self.preview_url(object_id, render=True, query=f"lang={language}")
                if valid
                else None
            ),
        }
        request.current_app = self.admin_site.name
        response = TemplateResponse(
            request, "admin/preview.html", context, status=404 if missing else 200
        )
        return response

    @_noindex
    @_frameable
    def preview_render_view(self, request, object_id=None):
        """The public page with the kept data, in `?lang=`, for the preview page's frame."""
        obj = self.preview_object(request, object_id)
        data = request.session.get(self.preview_session_key(object_id))
        if data is None:
            raise Http404(_("There is no preview to show. Use the Preview button on the form."))
        language = _chosen(request.GET.get("lang"), settings.LANGUAGES, settings.LANGUAGE_CODE)
        page = PUBLIC_PAGES[self.opts.label]
        with translation.override(language):
            form = self.preview_form(request, obj, self.preview_data(data))
            if not form.is_valid():
                raise Http404(_("The form's data can no longer be previewed."))
            # Never save(): the object stays in memory, its form unsaved.
            instance = form.save(commit=False)
            context = {**page.context(instance, form), "preview": True}
            public = visitor_request(request, page.address(instance))
            response = render(public, page.template, context)
        response["Content-Language"] = language
        return response


def with_preview(admin_class, model_or_iterable):
    """Return `admin_class` with the preview views, if it is for a model with a public page."""
    models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
    if issubclass(admin_class, PreviewAdminMixin) or not all(
        publishing.is_publishable(model) and model._meta.label in PUBLIC_PAGES for model in models
    ):
        return admin_class
    return type(
        admin_class.__name__,
        (PreviewAdminMixin, admin_class),
        {"__module__": admin_class.__module__},
    )
