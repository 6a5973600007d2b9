from modeltranslation.translator import TranslationOptions, register

from .models import Grant, Municipality, Phase, Programme


@register(Programme)
class ProgrammeTranslationOptions(TranslationOptions):
    fields = (
        "title",
        "scheme",
        "scheme_owner",
        "scheme_description",
        "run_by",
        "summary",
        "goal",
        "body",
        "image_description",
    )
    required_languages = {"nn": ("title", "summary")}


@register(Phase)
class PhaseTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "body", "outcome")
    required_languages = {"nn": ("title",)}


@register(Municipality)
class MunicipalityTranslationOptions(TranslationOptions):
    fields = ("description",)


@register(Grant)
class GrantTranslationOptions(TranslationOptions):
    fields = ("funder", "description")
    required_languages = {"nn": ("funder",)}
