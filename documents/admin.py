import logging

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect
from modeltranslation.admin import TabbedTranslationAdmin

from programme.admin import PhaseChoiceMixin

from .forms import VersionUploadForm
from .models import Document, DocumentVersion
from .responses import file_response
from .services import document_delete, version_create, version_delete, version_save
from .upload_handlers import DocumentSizeLimitUploadHandler
from .validators import allowed_extensions_text, max_upload_size

logger = logging.getLogger(__name__)

ACTIVE_CONTENT_MESSAGE = _(
    "%(name)s has active content: JavaScript, an action that starts a program, embedded "
    "files or rich media. It is stored, but it will always be downloaded, never opened in "
    "the browser. If it should not have any, save it again as PDF (for example “Save as "
    "PDF” / “Print to PDF”) and upload that copy."
)
STORAGE_FAILED_MESSAGE = _(
    "The file could not be written to the server's storage (the disk may be full), so "
    "nothing was stored. Try again later; if it keeps happening, tell whoever runs the site."
)


def version_file_link(version):
    """A link staff can always use, published or not; it does not count downloads."""
    if not version.pk:
        return "–"
    url = reverse("admin:documents_documentversion_file", args=[version.pk])
    return format_html('<a href="{}">{}</a>', url, version.original_filename)


class VersionFactsMixin:
    """Read-only columns that show a version's file and its computed facts."""

    @admin.display(description=_("file"))
    def file_link(self, version):
        return version_file_link(version)

    @admin.display(description=_("facts"))
    def facts(self, version):
        if version.has_active_content:
            return format_html(
                "{} <strong>{}</strong>",
                version.facts,
                gettext("Active content: always downloaded, never opened in the browser."),
            )
        return version.facts


class DocumentVersionInline(VersionFactsMixin, admin.TabularInline):
    """The versions of a document. New ones come through "Upload a new version"."""

    model = DocumentVersion
    extra = 0
    fields = [
        "file_link",
        "facts",
        "note",
        "is_published",
        "published_at",
        "uploaded_at",
        "download_count",
    ]
    readonly_fields = [
        "file_link",
        "facts",
        "note",
        "published_at",
        "uploaded_at",
        "download_count",
    ]
    ordering = ["-uploaded_at", "-id"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # New files go through the upload page, which checks them.
        return False


@admin.register(Document)
class DocumentAdmin(PhaseChoiceMixin, TabbedTranslationAdmin):
    list_display = ["title", "kind", "programme", "is_published", "updated_at"]
    list_filter = ["is_published", "kind", "programme"]
    list_select_related = ["programme"]
    search_fields = ["title", "description", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["programme", "phase"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [DocumentVersionInline]
    version_name = DocumentVersion._meta.verbose_name

    def get_urls(self):
        upload_view = self.admin_site.admin_view(self.upload_version_view)

        def limit_then_upload(request, object_id):
            # Upload handlers must be set before anything reads the request body,
            # so CSRF is checked after this (csrf_protect on upload_version_view).
            request.upload_handlers.insert(0, DocumentSizeLimitUploadHandler(request))
            if request.method == "POST":
                try:
                    # Read the upload here, where failing to keep it (a full disk) can
                    # be answered; CSRF protection would otherwise read it first.
                    request.FILES  # noqa: B018
                except OSError:
                    logger.exception("Could not receive an upload for document %s", object_id)
                    messages.error(request, STORAGE_FAILED_MESSAGE)
                    return redirect("admin:documents_document_upload", object_id)
            return upload_view(request, object_id)

        limit_then_upload.csrf_exempt = True
        return [
            path(
                "<path:object_id>/upload/",
                limit_then_upload,
                name="documents_document_upload",
            ),
            *super().get_urls(),
        ]

    @method_decorator(csrf_protect)
    def upload_version_view(self, request, object_id):
        document = self.get_object(request, unquote(object_id))
        if document is None:
            raise Http404
        if not (
            self.has_change_permission(request, document)
            and request.user.has_perm("documents.add_documentversion")
        ):
            raise PermissionDenied
        if request.method == "POST":
            form = VersionUploadForm(
                request.POST,
                request.FILES,
                oversized_fields=getattr(request, "oversized_uploads", ()),
            )
            if form.is_valid():
                try:
                    version = version_create(
                        document=document,
                        uploaded_file=form.cleaned_data["file"],
                        notes=form.notes(),
                        uploaded_by=request.user,
                        publish=form.cleaned_data["publish"],
                    )
                except ValidationError as error:
                    form.add_error("file", error)
                except OSError:
                    # version_create has removed whatever part of the file was written.
                    logger.exception("Could not store a new version of document %s", document.pk)
                    form.add_error("file", STORAGE_FAILED_MESSAGE)
                else:
                    self.log_change(
                        request,
                        document,
                        [{"added": {"name": str(self.version_name), "object": str(version)}}],
                    )
                    messages.success(
                        request,
                        gettext("Uploaded %(name)s (%(facts)s).")
                        % {"name": version.original_filename, "facts": version.facts},
                    )
                    if version.has_active_content:
                        messages.warning(
                            request, ACTIVE_CONTENT_MESSAGE % {"name": version.original_filename}
                        )
                    return redirect("admin:documents_document_change", document.pk)
        else:
            form = VersionUploadForm()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Upload a new version of %(document)s") % {"document": document},
            "opts": self.opts,
            "original": document,
            "form": form,
            "allowed": allowed_extensions_text(),
            "max_size": max_upload_size(),
            "versions": document.versions.order_by("-uploaded_at", "-id"),
        }
        return TemplateResponse(request, "admin/documents/document/upload_version.html", context)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST or IS_POPUP_VAR in request.POST:
            return response
        # A new document has no file yet: go straight on to uploading one.
        return redirect("admin:documents_document_upload", obj.pk)

    def save_formset(self, request, form, formset, change):
        if formset.model is not DocumentVersion:
            return super().save_formset(request, form, formset, change)
        for version in formset.save(commit=False):
            version_save(version=version)

    def delete_model(self, request, obj):
        document_delete(document=obj)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            document_delete(document=document)


@admin.register(DocumentVersion)
class DocumentVersionAdmin(VersionFactsMixin, TabbedTranslationAdmin):
    list_display = [
        "document",
        "original_filename",
        "facts",
        "is_published",
        "published_at",
        "download_count",
    ]
    list_filter = ["is_published", "content_type"]
    list_select_related = ["document"]
    search_fields = ["document__title", "original_filename", "sha256"]
    date_hierarchy = "uploaded_at"
    computed_fields = [
        "file_link",
        "content_type",
        "size",
        "page_count",
        "has_active_content",
        "sha256",
        "uploaded_at",
        "uploaded_by",
        "published_at",
        "download_count",
    ]
    readonly_fields = ["document", "original_filename", *computed_fields]
    fieldsets = [
        (None, {"fields": ["document", "original_filename", "note", "is_published"]}),
        (_("Facts computed from the file"), {"fields": computed_fields}),
    ]

    def has_add_permission(self, request):
        # Versions are uploaded from their document's page, where the file is checked.
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name="documents_documentversion_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, object_id):
        """Let staff open any version, published or not, without counting it."""
        version = self.get_object(request, unquote(object_id))
        if version is None:
            raise Http404
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        storage, name = version.file.storage, version.file.name
        try:
            size = storage.size(name)
        except OSError:
            raise Http404(gettext("The file is missing from the storage.")) from None
        response, _counts = file_response(
            request,
            version=version,
            storage=storage,
            name=name,
            size=size,
            last_modified=version.uploaded_at,
            inline=version.opens_in_browser,
        )
        response["Cache-Control"] = "private, no-cache"
        return response

    def save_model(self, request, obj, form, change):
        version_save(version=obj)

    def delete_model(self, request, obj):
        version_delete(version=obj)

    def delete_queryset(self, request, queryset):
        for version in queryset.select_related("document"):
            version_delete(version=version)
