from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
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

    class Meta:
        verbose_name = _("page generation")
        verbose_name_plural = _("page generations")

    def __str__(self):
        return str(self.number)


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
