from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


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
