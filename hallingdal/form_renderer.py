"""The site's form renderer: Django's, without rendering templates for empty error lists.

An admin change form asks every field and every line for its errors, so a
programme's form with its ten phases renders about 500 error lists, nearly
all empty; each was a template render that printed nothing. The list
templates print nothing for an empty list, so skipping them changes no page.
"""

from django.forms.renderers import DjangoTemplates

ERROR_LIST_TEMPLATES = {
    "django/forms/errors/list/default.html",
    "django/forms/errors/list/ul.html",
    "django/forms/errors/list/text.txt",
}


class FormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name in ERROR_LIST_TEMPLATES and not context.get("errors"):
            return ""
        return super().render(template_name, context, request)
