from modeltranslation.translator import TranslationOptions, register

from .models import Document, DocumentVersion


@register(Document)
class DocumentTranslationOptions(TranslationOptions):
    fields = ("title", "description")
    required_languages = {"nn": ("title",)}


@register(DocumentVersion)
class DocumentVersionTranslationOptions(TranslationOptions):
    fields = ("note",)
