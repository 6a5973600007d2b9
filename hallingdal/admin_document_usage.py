"""The document admin's "Used on" panel, and its warnings before a used document goes away.

Composed into the document's ModelAdmin by the site (hallingdal/admin.py),
as locking and history are, so the documents app needs to know nothing of
the other apps' texts.
"""

import functools

from django.contrib import messages
from django.db.models.base import ModelBase
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

from documents.models import Document

from .document_usage import usages_of, usages_of_document


def usage_links(usages):
    return format_html_join(
        ", ",
        '<a href="{}">{}</a> ({}, {})',
        ((usage.admin_url, usage.label, usage.field, usage.language) for usage in usages),
    )


def with_usage_warning(delete_selected):
    """The bulk delete action, its confirmation page also listing where each document is used."""

    @functools.wraps(delete_selected)
    def action(modeladmin, request, queryset):
        response = delete_selected(modeladmin, request, queryset)
        if isinstance(response, TemplateResponse):
            documents = list(queryset)
            found = usages_of(document.pk for document in documents)
            response.context_data["document_usage_groups"] = [
                (document, found[document.pk]) for document in documents if found[document.pk]
            ]
        return response

    return action


class DocumentUsageAdminMixin:
    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["document_usages"] = usages_of_document(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_delete_form(self, request, context):
        document = context["object"]
        context["document_usage_groups"] = [
            (document, usages) for usages in [usages_of_document(document)] if usages
        ]
        return super().render_delete_form(request, context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (with_usage_warning(func), name, description)
        return actions

    # Unchecking "published", an unpublishing time in the past or hiding the
    # last published version all take the document from visitors: compare
    # before the save and after its versions are saved.
    def save_model(self, request, obj, form, change):
        request.document_was_visible = change and is_visible(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        document = form.instance
        if getattr(request, "document_was_visible", False) and not is_visible(document):
            self.after_unpublish(request, document)

    def after_unpublish(self, request, document):
        """Warn that the places using the document now lead nowhere (the Unpublish button too)."""
        usages = usages_of_document(document)
        if usages:
            message = gettext(
                "Visitors can no longer open “%(document)s”, but these places still link "
                "to it or show it:"
            ) % {"document": document}
            messages.warning(request, format_html("{} {}", message, usage_links(usages)))


def is_visible(document):
    return Document.objects.published().filter(pk=document.pk).exists()


def with_document_usage(admin_class, model_or_iterable):
    """Return `admin_class` with the usage panel and warnings, if it is the document's admin."""
    models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
    if Document not in models or issubclass(admin_class, DocumentUsageAdminMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (DocumentUsageAdminMixin, admin_class),
        {"__module__": admin_class.__module__},
    )
