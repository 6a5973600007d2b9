from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.translation import gettext_lazy as _

from programme.richtext import plain_text

from .models import DocumentVersion

FEED_LENGTH = 20


class NewDocumentsFeed(Feed):
    """Newly published documents and versions, in the language of the address."""

    feed_type = Atom1Feed
    # The language is the active one (the address's prefix): Feed.language stays None.
    title = _("New documents from the Hallingdal Regional Council")
    subtitle = _("Project plans, analyses and reports as they are published.")

    def get_object(self, request, *args, **kwargs):
        # Enclosure addresses must be absolute, and only the request knows the host.
        return {"domain": get_current_site(request).domain, "secure": request.is_secure()}

    def link(self):
        return reverse("documents:document_list")

    def feed_url(self):
        return reverse("documents:feed")

    def items(self, site):
        versions = list(
            DocumentVersion.objects.published()
            .select_related("document")
            .newest_first()[:FEED_LENGTH]
        )
        for version in versions:
            version.enclosure_url = add_domain(
                site["domain"], version.get_download_url(), site["secure"]
            )
        return versions

    def item_title(self, version):
        return version.document.title

    def item_description(self, version):
        parts = [version.note or plain_text(version.document.description), version.facts]
        return " — ".join(part for part in parts if part)

    def item_link(self, version):
        return version.document.get_absolute_url()

    def item_guid(self, version):
        return version.enclosure_url

    def item_pubdate(self, version):
        return version.published_at

    def item_updateddate(self, version):
        return version.published_at

    def item_enclosures(self, version):
        return [
            Enclosure(
                url=version.enclosure_url,
                length=str(version.size),
                mime_type=version.content_type,
            )
        ]
