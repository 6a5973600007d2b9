from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from .models import Document, DocumentVersion


class DocumentVersionInline(TranslationTabularInline):
    model = DocumentVersion
    extra = 0
    fields = [
        "original_filename",
        "note",
        "content_type",
        "size",
        "page_count",
        "is_published",
        "published_at",
        "download_count",
    ]
    readonly_fields = [
        "original_filename",
        "content_type",
        "size",
        "page_count",
        "published_at",
        "download_count",
    ]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # New versions are uploaded through the version form, which checks them.
        return False


@admin.register(Document)
class DocumentAdmin(TabbedTranslationAdmin):
    list_display = ["title", "kind", "programme", "is_published", "updated_at"]
    list_filter = ["is_published", "kind", "programme"]
    list_select_related = ["programme"]
    search_fields = ["title", "description", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["programme", "phase"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [DocumentVersionInline]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(TabbedTranslationAdmin):
    list_display = [
        "document",
        "original_filename",
        "size",
        "is_published",
        "published_at",
        "download_count",
    ]
    list_filter = ["is_published", "content_type"]
    list_select_related = ["document"]
    search_fields = ["document__title", "original_filename", "sha256"]
    autocomplete_fields = ["document"]
    readonly_fields = [
        "content_type",
        "size",
        "sha256",
        "page_count",
        "uploaded_at",
        "uploaded_by",
        "download_count",
    ]
    fieldsets = [
        (None, {"fields": ["document", "file", "original_filename", "note", "is_published"]}),
        (_("Facts computed from the file"), {"fields": readonly_fields}),
    ]
