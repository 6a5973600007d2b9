from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class PageGeneration(models.Model):
    """The one row that counts content changes, for the page cache of every process.

    Every save or deletion of content adds one to `number` in the same
    transaction, so every process of the installation (gunicorn workers,
    management commands, other servers) agrees on it; see hallingdal/cache.py.
    """

    number = models.BigIntegerField(_("number"), default=0)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)
    # When what visitors see next changes by itself (a scheduled publication).
    next_change_at = models.DateTimeField(_("next scheduled change"), null=True, blank=True)

    class Meta:
        verbose_name = _("page generation")
        verbose_name_plural = _("page generations")

    def __str__(self):
        return str(self.number)


class Action(models.TextChoices):
    """What an entry in an object's history did."""

    SAVED = "saved", _("Saved")
    DRAFT_SAVED = "draft_saved", _("Draft saved")
    PUBLISHED = "published", _("Published")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED_ON_SCHEDULE = "published_on_schedule", _("Published on schedule")
    UNPUBLISHED = "unpublished", _("Unpublished")
    DRAFT_DISCARDED = "draft_discarded", _("Draft discarded")
    RESTORED = "restored", _("Earlier version restored as a draft")
    DELETED = "deleted", _("Deleted")
    RECOVERED = "recovered", _("Recovered after deletion")


class HistoryEntry(models.Model):
    """What a revision (django-reversion) of content did: one per revision."""

    revision = models.OneToOneField(
        "reversion.Revision",
        on_delete=models.CASCADE,
        related_name="history_entry",
        verbose_name=_("revision"),
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history entries")

    def __str__(self):
        return self.get_action_display()


class Draft(models.Model):
    """Unpublished changes to a published object: what visitors will see once it is published.

    The changes themselves are a version in the object's history; the live row
    stays as visitors see it until the draft is published (now, or at
    `go_live_at`) or discarded.
    """

    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    version = models.ForeignKey(
        "reversion.Version", on_delete=models.CASCADE, related_name="+", verbose_name=_("version")
    )
    go_live_at = models.DateTimeField(
        _("goes live at"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The changes are published at this minute. Empty: not scheduled."),
    )
    created_at = models.DateTimeField(_("unpublished changes since"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last saved by"),
    )

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="one_draft_per_object"
            ),
        ]

    def __str__(self):
        return self.version.object_repr


class Redirect(models.Model):
    """An address a published page had before its slug changed, and the page it leads to.

    The redirect names the object, not an address: it always leads to the
    object's current address, so a page renamed A -> B -> C sends A straight
    to C. See hallingdal/redirects.py.
    """

    old_path = models.CharField(
        _("old address"),
        max_length=300,
        unique=True,
        error_messages={
            "unique": _(
                "This old address already redirects. Find it in the list of redirects and "
                "change where it leads instead."
            )
        },
        help_text=_(
            "The address without the language part, for example /programmes/old-name/. "
            "It redirects in every language, and so do the addresses below it."
        ),
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, verbose_name=_("kind of page")
    )
    object_id = models.PositiveBigIntegerField(_("page id"))
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("redirect")
        verbose_name_plural = _("redirects")
        ordering = ["-created_at", "-id"]
        indexes = [
            # An object's redirects: when it is renamed back, or deleted.
            models.Index(fields=["content_type", "object_id"], name="redirect_object"),
        ]

    def __str__(self):
        return self.old_path


class SearchEntry(models.Model):
    """What the search reads about one object in one language (see search_index.py).

    An entry says nothing about whether its object may be shown: every search
    keeps only the entries whose object is in its model's `.published()`.
    """

    # The model's label ("programme.phase") and the object's id.
    source = models.CharField(_("source"), max_length=100)
    object_id = models.PositiveBigIntegerField(_("object id"))
    language = models.CharField(_("language"), max_length=8)
    # In this language, Nynorsk where it is empty: what the pages show.
    title = models.TextField(_("title"), blank=True)
    text = models.TextField(_("text"), blank=True)
    # PostgreSQL only (NULL on SQLite): title weighed A, texts B, the file's
    # text C. Its GIN indexes (one per language) are made by migration 0002.
    vector = SearchVectorField(_("search vector"), null=True, editable=False)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "object_id", "language"], name="search_entry_unique"
            ),
        ]

    def __str__(self):
        return f"{self.source} {self.object_id} ({self.language})"
