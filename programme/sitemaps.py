"""sitemap.xml: every public page, in each language, with hreflang alternates."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from documents.models import Document

from .models import Municipality, Phase, Programme


class TranslatedSitemap(Sitemap):
    """Each item once per language, linked to its translations and x-default (Nynorsk)."""

    i18n = True
    alternates = True
    x_default = True


class PageSitemap(TranslatedSitemap):
    changefreq = "monthly"

    def items(self):
        return [
            "programme:home",
            "programme:programme_list",
            "programme:funding",
            "programme:open_data",
            "programme:municipality_list",
            "documents:document_list",
            "programme:accessibility",
            "programme:privacy",
        ]

    def location(self, item):
        return reverse(item)


class ProgrammeSitemap(TranslatedSitemap):
    def items(self):
        return Programme.objects.published()

    def lastmod(self, programme):
        return programme.updated_at


class PhaseSitemap(TranslatedSitemap):
    def items(self):
        return Phase.objects.published().select_related("programme")

    def lastmod(self, phase):
        return phase.updated_at


class MunicipalitySitemap(TranslatedSitemap):
    def items(self):
        return Municipality.objects.published()

    def lastmod(self, municipality):
        return municipality.updated_at


class DocumentSitemap(TranslatedSitemap):
    def items(self):
        return Document.objects.published()

    def lastmod(self, document):
        return document.updated_at


SITEMAPS = {
    "pages": PageSitemap,
    "programmes": ProgrammeSitemap,
    "phases": PhaseSitemap,
    "municipalities": MunicipalitySitemap,
    "documents": DocumentSitemap,
}
