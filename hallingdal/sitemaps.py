"""sitemap.xml: every public page, in each language, with hreflang alternates."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from documents.models import Document
from programme.models import Municipality, Phase, Programme


class TranslatedSitemap(Sitemap):
    """Each item once per language, linked to its translations and to x-default
    (the unprefixed address, where the browser's language decides)."""

    i18n = True
    alternates = True
    x_default = True


class ContentSitemap(TranslatedSitemap):
    """Rows of a model, last changed when the row was."""

    def lastmod(self, item):
        return item.updated_at


class PageSitemap(TranslatedSitemap):
    changefreq = "monthly"

    def items(self):
        return [
            "home",
            "programme:programme_list",
            "programme:funding",
            "programme:open_data",
            "programme:municipality_list",
            "documents:document_list",
            "accessibility",
            "privacy",
        ]

    def location(self, item):
        return reverse(item)


class ProgrammeSitemap(ContentSitemap):
    def items(self):
        return Programme.objects.published()


class PhaseSitemap(ContentSitemap):
    def items(self):
        return Phase.objects.published().select_related("programme")


class MunicipalitySitemap(ContentSitemap):
    def items(self):
        return Municipality.objects.published()


class DocumentSitemap(ContentSitemap):
    def items(self):
        return Document.objects.published()


SITEMAPS = {
    "pages": PageSitemap,
    "programmes": ProgrammeSitemap,
    "phases": PhaseSitemap,
    "municipalities": MunicipalitySitemap,
    "documents": DocumentSitemap,
}
