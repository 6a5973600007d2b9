import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from programme.models import RICH_TEXT_HELP, Phase, Programme, Publishable, live
from programme.richtext import RichTextField

from .validators import ALLOWED_CONTENT_TYPES, FORMATS_BY_CONTENT_TYPE, extension_of

# The download addresses with ?inline open a PDF in the browser instead of saving it.
INLINE_PARAMETER = "inline"


class DocumentKind(models.TextChoices):
    PROJECT_PLAN = "project_plan", _("Project plan")
    ANALYSIS = "analysis", _("Analysis")
    REPORT = "report", _("Report")
    DECISION = "decision", _("Decision")
    OTHER = "other", _("Other")


class DocumentQuerySet(models.QuerySet):
    def published(self):
        """Published documents that have at least one published version."""
        # EXISTS rather than a join to the versions and DISTINCT: the rows
        # need no de-duplicating, which would compare every selected column
        # (search selects a document's whole text).
        now = timezone.now()
        versions = DocumentVersion.objects.marked_published().filter(document=OuterRef("pk"))
        return self.filter(
            Exists(versions),
            live(now=now),
            Q(programme__isnull=True) | live("programme__", now=now),
        )

    def with_published_versions(self):
        """Prefetch published versions, newest first, as `published_versions`."""
        return self.prefetch_related(
            Prefetch(
                "versions",
                queryset=DocumentVersion.objects.published().newest_first(),
                to_attr="published_versions",
            )
        )


class Document(Publishable):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=_(
            "Part of the download address that people print and share. If you change it "
            "once the document is published, the old address leads to the new one."
        ),
    )
    description = RichTextField(_("description"), blank=True, help_text=RICH_TEXT_HELP)
    kind = models.CharField(
        _("kind"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
        verbose_name=_("programme"),
    )
    phase = models.ForeignKey(
        Phase,
        on_delete=models.SET_NULL,
        related_name="documents",
        null=True,
        blank=True,
        verbose_name=_("phase"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        permissions = [("publish_document", "Can publish, unpublish and schedule documents")]
        ordering = ["title"]
        constraints = [*Publishable.Meta.constraints]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("documents:document_detail", kwargs={"slug": self.slug})

    def get_download_url(self):
        """The stable address that always serves the current version."""
        return reverse("documents:document_download", kwargs={"slug": self.slug})

    def get_view_url(self):
        """The stable address for reading the current version in the browser."""
        return f"{self.get_download_url()}?{INLINE_PARAMETER}"

    @property
    def current_version(self):
        """The newest published version, or None.

        Read from the list that `with_published_versions()` or
        `document_with_newest_version()` attached; without it, one query.
        """
        versions = getattr(self, "published_versions", None)
        if versions is None:
            return self.versions.published().newest_first().first()
        return versions[0] if versions else None


def version_upload_to(instance, filename):
    """Store under a name the site makes up, with the extension of the checked format."""
    file_format = FORMATS_BY_CONTENT_TYPE.get(instance.content_type)
    extension = file_format.extension if file_format else "bin"
    return f"documents/{uuid.uuid4().hex}.{extension}"


class DocumentVersionQuerySet(models.QuerySet):
    def published(self):
        now = timezone.now()
        return self.marked_published().filter(
            live("document__", now=now),
            Q(document__programme__isnull=True) | live("document__programme__", now=now),
        )

    def marked_published(self):
        """Versions published in their own right, whether or not their document is public.

        For the search index, which holds every document's current text and
        leaves the document's own visibility to `Document.objects.published()`.
        """
        return self.filter(is_published=True)

    def newest_first(self):
        """Newest publication first: the first published one is the current version."""
        return self.order_by("-published_at", "-id")

    def document_with_newest_version(self):
        """The document of the newest published version among these, or None.

        One query reads that version and its document; the document comes back
        with the version attached as its `current_version`. For pages that show
        one document's download link (the home page's project plan).
        """
        version = self.published().select_related("document").newest_first().first()
        if version is None:
            return None
        document = version.document
        # The first of the published versions is all that current_version reads.
        document.published_versions = [version]
        return document


class DocumentVersion(models.Model):
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="versions", verbose_name=_("document")
    )
    file = models.FileField(_("file"), upload_to=version_upload_to, max_length=200)
    original_filename = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    text = models.TextField(
        _("text"),
        blank=True,
        default="",
        editable=False,
        help_text=_("Read from the file, for search."),
    )
    has_active_content = models.BooleanField(
        _("active content"),
        default=False,
        editable=False,
        help_text=_(
            "The PDF has JavaScript, an action that starts a program, embedded files or "
            "rich media. It is always downloaded, never opened in the browser."
        ),
    )
    note = models.CharField(
        _("what changed"),
        max_length=300,
        blank=True,
        help_text=_("Visitors see it next to the version, for example: Revised budget."),
    )
    is_published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_(
            "Visitors can download published versions only. The newest of them is the "
            "document's current version."
        ),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    download_count = models.PositiveBigIntegerField(_("downloads"), default=0, editable=False)

    objects = DocumentVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        # By id, not "document", which would join the document table to sort.
        ordering = ["document_id", "-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "sha256"],
                name="document_version_unique_file",
                violation_error_message=_("This exact file is already a version of the document."),
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="document_version_not_empty"),
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(published_at__isnull=False),
                name="document_version_published_has_date",
            ),
            # The upload checks decide the type from the bytes; the database makes
            # sure nothing else (HTML, SVG) can be stored as a document however it gets in.
            models.CheckConstraint(
                condition=Q(content_type__in=ALLOWED_CONTENT_TYPES),
                name="document_version_allowed_type",
            ),
        ]

    def __str__(self):
        return f"{self.document} ({self.original_filename})"

    def get_download_url(self):
        return reverse(
            "documents:version_download",
            kwargs={"slug": self.document.slug, "version_id": self.pk},
        )

    def get_view_url(self):
        return f"{self.get_download_url()}?{INLINE_PARAMETER}"

    @property
    def extension(self):
        return extension_of(self.original_filename).upper()

    @property
    def format_label(self):
        """A short name of the file's format for visitors: PDF, Word, Excel..."""
        file_format = FORMATS_BY_CONTENT_TYPE.get(self.content_type)
        return file_format.label if file_format else self.extension

    @property
    def is_pdf(self):
        return self.content_type == "application/pdf"

    @property
    def facts(self):
        """ "PDF, 12 pages, 1.2 MB" in English; "PDF, 12 sider, 1,2 MB" in Norwegian."""
        parts = [self.format_label]
        if self.page_count:
            pages = number_format(self.page_count, use_l10n=True, force_grouping=True)
            parts.append(
                ngettext("%(pages)s page", "%(pages)s pages", self.page_count) % {"pages": pages}
            )
        parts.append(filesizeformat(self.size))
        return ", ".join(parts)

    @property
    def opens_in_browser(self):
        """A PDF without active content: the ?inline addresses may show it in the browser.

        A browser's PDF viewer can run a file's JavaScript or follow its actions
        within our site's origin, so files that have any are only downloaded.
        """
        return self.is_pdf and not self.has_active_content
