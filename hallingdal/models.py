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
