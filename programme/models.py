from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from .dates import DatePrecision, format_approximate_date, period_end, period_start
from .richtext import RichTextField
from .validators import (
    organisation_number_condition,
    validate_municipality_number,
    validate_organisation_number,
    validate_picture,
)

RICH_TEXT_HELP = _(
    "Headings, lists and links. Link to the site's own programmes, phases, municipalities "
    "and documents with the link button's list of pages, so that the link keeps working "
    "when their address changes."
)

# What really happens when a published page's slug changes: hallingdal/redirects.py.
PAGE_SLUG_HELP = _(
    "Part of the page address. If you change it once the page is published, the old "
    "address leads visitors to the new one."
)


def live(prefix="", *, now=None):
    """The condition for a row that visitors see now: published, within its time window.

    Checked when the query runs, so a scheduled publication shows, and an
    expiry hides, at its minute with no job to run. `prefix` names a
    relation ("programme__") whose row must be live too.
    """
    now = now or timezone.now()
    return (
        Q(**{f"{prefix}is_published": True})
        & (Q(**{f"{prefix}publish_at__isnull": True}) | Q(**{f"{prefix}publish_at__lte": now}))
        & (Q(**{f"{prefix}unpublish_at__isnull": True}) | Q(**{f"{prefix}unpublish_at__gt": now}))
    )


class Publishable(models.Model):
    """Published or not, and optionally only from or until a moment (publish_at, unpublish_at).

    New rows start unpublished: editors publish them when they are ready.
    """

    is_published = models.BooleanField(
        _("published"),
        default=False,
        help_text=_("Visitors see it only when it is published (and within the times below)."),
    )
    publish_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        help_text=_("Leave empty to publish at once. Visitors see it from this minute."),
    )
    unpublish_at = models.DateTimeField(
        _("unpublish at"),
        null=True,
        blank=True,
        help_text=_(
            "Leave empty to keep it published. Visitors no longer see it from this minute."
        ),
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(publish_at__isnull=True)
                | Q(unpublish_at__isnull=True)
                | Q(unpublish_at__gt=F("publish_at")),
                name="%(app_label)s_%(class)s_unpublished_after_published",
                violation_error_message=_("Unpublish it after it is published, not before."),
            ),
        ]

    def clean(self):
        super().clean()
        if self.publish_at and self.unpublish_at and self.unpublish_at <= self.publish_at:
            raise ValidationError(
                {"unpublish_at": _("Unpublish it after it is published, not before.")}
            )

    @property
    def is_live(self):
        """Whether visitors see it now (its own publication only, not its parents')."""
        now = timezone.now()
        return (
            self.is_published
            and (self.publish_at is None or self.publish_at <= now)
            and (self.unpublish_at is None or self.unpublish_at > now)
        )


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(live())


class Municipality(Publishable):
    number = models.CharField(
        _("municipality number"),
        max_length=4,
        unique=True,
        validators=[validate_municipality_number],
        help_text=_("Four digits from Statistics Norway, for example 3324 for Gol."),
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True, help_text=PAGE_SLUG_HELP)
    former_name = models.CharField(
        _("former name"),
        max_length=100,
        blank=True,
        help_text=_("The name the municipality had before, if it has changed."),
    )
    renamed_in = models.PositiveSmallIntegerField(
        _("renamed in (year)"), null=True, blank=True, help_text=_("A year, for example 2020.")
    )
    # Room for the spaces people type ("974 760 673"); clean_fields() removes
    # them and the database accepts nine digits only.
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=11,
        blank=True,
        help_text=_("Nine digits from the Register of Legal Entities. Leave empty if unknown."),
    )
    description = RichTextField(_("description"), blank=True, help_text=RICH_TEXT_HELP)
    website = models.URLField(_("website"), blank=True)
    coat_of_arms = models.ImageField(
        _("coat of arms"), upload_to="municipalities/", blank=True, validators=[validate_picture]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        permissions = [
            ("publish_municipality", "Can publish, unpublish and schedule municipalities")
        ]
        ordering = ["number"]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{4}$"),
                name="municipality_number_four_digits",
                violation_error_message=_("A municipality number has exactly four digits."),
            ),
            models.CheckConstraint(
                condition=organisation_number_condition("organisation_number"),
                name="municipality_organisation_number_mod11",
                violation_error_message=_("The organisation number is not valid."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("programme:municipality_detail", kwargs={"slug": self.slug})

    def clean_fields(self, exclude=None):
        self.organisation_number = self.organisation_number.replace(" ", "")
        super().clean_fields(exclude)

    def clean(self):
        super().clean()
        if self.organisation_number:
            try:
                validate_organisation_number(self.organisation_number)
            except ValidationError as error:
                raise ValidationError({"organisation_number": error.messages}) from error
        if bool(self.former_name) != bool(self.renamed_in):
            raise ValidationError(
                {"renamed_in": _("Give both the former name and the year it changed, or neither.")}
            )


class ProgrammeQuerySet(PublishedQuerySet):
    def with_public_relations(self):
        """Prefetch what a programme page shows, published rows only."""
        return self.prefetch_related(
            models.Prefetch("phases", queryset=Phase.objects.published()),
            models.Prefetch(
                "grants",
                queryset=Grant.objects.published().select_related("phase"),
            ),
            models.Prefetch("municipalities", queryset=Municipality.objects.published()),
        )


class Programme(Publishable):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        help_text=PAGE_SLUG_HELP,
    )
    scheme = models.CharField(
        _("national scheme"),
        max_length=200,
        blank=True,
        help_text=_("The national programme this project belongs to, if any."),
    )
    scheme_owner = models.CharField(_("scheme owner"), max_length=200, blank=True)
    scheme_description = RichTextField(_("about the scheme"), blank=True, help_text=RICH_TEXT_HELP)
    run_by = models.CharField(_("run by"), max_length=200, blank=True)
    summary = models.TextField(
        _("summary"),
        max_length=300,
        help_text=_("One or two sentences, shown in lists and to search engines."),
    )
    goal = RichTextField(_("main goal"), blank=True)
    body = RichTextField(_("text"), blank=True, help_text=RICH_TEXT_HELP)
    total_budget = models.DecimalField(
        _("total budget (NOK)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "The project's total financial frame, in kroner. Visitors see it on the "
            "programme's page with the grants' share of it. Leave empty if unknown."
        ),
    )
    planned_end_year = models.PositiveSmallIntegerField(
        _("planned to end (year)"),
        null=True,
        blank=True,
        help_text=_(
            "A year, for example 2027. A phase with no end date of its own that is still in "
            "progress after this year shows visitors its last known status and when it was "
            "checked, and is listed on the admin's front page."
        ),
    )
    municipalities = models.ManyToManyField(
        Municipality,
        related_name="programmes",
        blank=True,
        verbose_name=_("municipalities"),
    )
    image = models.ImageField(
        _("picture"), upload_to="programmes/", blank=True, validators=[validate_picture]
    )
    image_description = models.CharField(
        _("picture description"),
        max_length=300,
        blank=True,
        help_text=_("What the picture shows, for people who cannot see it."),
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=0,
        help_text=_(
            "Lower numbers come first in the list of programmes. The first is shown on the "
            "front page."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        permissions = [("publish_programme", "Can publish, unpublish and schedule programmes")]
        ordering = ["position", "id"]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(total_budget__isnull=True) | Q(total_budget__gt=0),
                name="programme_total_budget_positive",
                violation_error_message=_("The total budget must be more than zero."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("programme:programme_detail", kwargs={"slug": self.slug})

    # The funding figures below read `self.grants.all()`, which is the
    # prefetched list of published grants on public pages.

    @property
    def awarded_total(self):
        return sum((grant.amount for grant in self.grants.all()), Decimal("0"))

    @property
    def awarded_share(self):
        """Share of the total budget covered by known grants, 0 to 1, or None."""
        if not self.total_budget:
            return None
        return self.awarded_total / self.total_budget

    @property
    def budget_not_accounted_for(self):
        """The part of the total budget whose funding the site has no record of."""
        if not self.total_budget:
            return None
        return max(self.total_budget - self.awarded_total, Decimal("0"))


class PhaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("In progress")
    COMPLETED = "completed", _("Completed")


class PhaseQuerySet(PublishedQuerySet):
    def published(self):
        now = timezone.now()
        return self.filter(live(now=now), live("programme__", now=now))

    def overdue(self):
        """Phases still marked in progress after they were planned to end (see is_overdue)."""
        today = timezone.localdate()
        return self.filter(status=PhaseStatus.ACTIVE).filter(
            Q(ends_on__lt=today)
            | Q(ends_on__isnull=True, programme__planned_end_year__lt=today.year)
        )


class Phase(Publishable):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="phases", verbose_name=_("programme")
    )
    number = models.PositiveSmallIntegerField(
        _("phase number"),
        help_text=_("Visitors see it, as in “Phase 2”. Phases are listed in this order."),
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_(
            "One or two sentences, shown at the top of the phase's page and to search engines."
        ),
    )
    body = RichTextField(_("text"), blank=True, help_text=RICH_TEXT_HELP)
    outcome = RichTextField(
        _("results"), blank=True, help_text=_("What the phase produced or decided.")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PhaseStatus.choices,
        default=PhaseStatus.PLANNED,
        help_text=_("Visitors see it. Changing it sets “status checked” to today."),
    )
    status_checked_on = models.DateField(
        _("status checked"),
        null=True,
        blank=True,
        help_text=_(
            "When the status was last confirmed. Set by itself when the status changes; "
            "set it when you confirm that an unchanged status still holds. Visitors see it "
            "when a phase is still in progress after its planned end."
        ),
    )
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    starts_on_precision = models.CharField(
        _("start known to"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_("Choose month or year when the exact day is not known."),
    )
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    ends_on_precision = models.CharField(
        _("end known to"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_("Choose month or year when the exact day is not known."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PhaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        permissions = [("publish_phase", "Can publish, unpublish and schedule phases")]
        # By id, not "programme": ordering by a relation would join its table
        # (to use its own ordering) on every query of phases.
        ordering = ["programme_id", "number"]
        constraints = [
            *Publishable.Meta.constraints,
            models.UniqueConstraint(
                fields=["programme", "number"],
                name="phase_number_unique_in_programme",
                violation_error_message=_("This programme already has a phase with this number."),
            ),
            # Lets grants refer to (programme, phase) together; see Grant.
            models.UniqueConstraint(fields=["programme", "id"], name="phase_programme_id_unique"),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gt=F("starts_on")),
                name="phase_ends_after_it_starts",
                violation_error_message=_("A phase must end after it starts."),
            ),
        ]

    def __str__(self):
        return _("Phase %(number)s: %(title)s") % {"number": self.number, "title": self.title}

    def save(self, *args, **kwargs):
        self.normalise_dates()
        stored_status = getattr(self, "_stored_status", None)
        if stored_status is not None and stored_status != self.status:
            # A changed status is a checked one; an unknown date stays unknown.
            self.status_checked_on = timezone.localdate()
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def get_absolute_url(self):
        return reverse(
            "programme:phase_detail",
            kwargs={"slug": self.programme.slug, "number": self.number},
        )

    @classmethod
    def from_db(cls, db, field_names, values):
        phase = super().from_db(db, field_names, values)
        phase._stored_status = phase.__dict__.get("status")
        return phase

    def clean(self):
        super().clean()
        # Before the constraints are validated, so they compare whole periods.
        self.normalise_dates()

    def normalise_dates(self):
        self.starts_on = period_start(self.starts_on, self.starts_on_precision)
        self.ends_on = period_end(self.ends_on, self.ends_on_precision)

    @property
    def starts_display(self):
        return format_approximate_date(self.starts_on, self.starts_on_precision)

    @property
    def ends_display(self):
        return format_approximate_date(self.ends_on, self.ends_on_precision)

    @property
    def planned_end_display(self):
        """When the phase was planned to end: its end date, else its programme's end year."""
        if self.ends_on:
            return self.ends_display
        if self.programme.planned_end_year:
            return str(self.programme.planned_end_year)
        return ""

    @property
    def is_overdue(self):
        """Still marked in progress after it was planned to end."""
        if self.status != PhaseStatus.ACTIVE:
            return False
        today = timezone.localdate()
        if self.ends_on:
            return self.ends_on < today
        planned_end_year = self.programme.planned_end_year
        return bool(planned_end_year) and planned_end_year < today.year

    @property
    def status_label(self):
        """The status as visitors may read it: no "in progress" long after the planned end."""
        if self.is_overdue:
            return _("Planned to end %(end)s") % {"end": self.planned_end_display}
        return self.get_status_display()

    @property
    def status_css(self):
        return "overdue" if self.is_overdue else self.status

    @property
    def period_display(self):
        """The phase's dates, only as precisely as they are known."""
        if self.starts_on and self.ends_on:
            return _("%(start)s to %(end)s") % {
                "start": self.starts_display,
                "end": self.ends_display,
            }
        if self.ends_on:
            return _("To end %(end)s") % {"end": self.ends_display}
        if self.starts_on:
            return _("From %(start)s") % {"start": self.starts_display}
        return _("Dates not published")

    @property
    def title_with_programme(self):
        """The phase with its programme, for lists of phases of every programme.

        Every programme has a "Phase 1"; select the programme with the phase.
        """
        return f"{self.programme} – {self}"


class GrantQuerySet(PublishedQuerySet):
    def published(self):
        now = timezone.now()
        return self.filter(live(now=now), live("programme__", now=now)).filter(
            Q(phase__isnull=True) | live("phase__", now=now)
        )


class Grant(Publishable):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="grants", verbose_name=_("programme")
    )
    phase = models.ForeignKey(
        Phase,
        on_delete=models.PROTECT,
        related_name="grants",
        null=True,
        blank=True,
        verbose_name=_("phase"),
        help_text=_("Leave empty if the grant is for the whole programme."),
    )
    funder = models.CharField(
        _("funder"), max_length=200, help_text=_("Who awarded the money, for example KMD.")
    )
    amount = models.DecimalField(
        _("amount (NOK)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_(
            "In kroner, as in the decision. Visitors see it in the programme's list of grants."
        ),
    )
    awarded_on = models.DateField(_("awarded"), null=True, blank=True)
    awarded_on_precision = models.CharField(
        _("award date known to"),
        max_length=5,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text=_("Choose month when only the month is known, as in June 2015."),
    )
    description = models.TextField(_("description"), blank=True)
    source_url = models.URLField(
        _("source"), blank=True, help_text=_("A link to the decision or press release.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        permissions = [("publish_grant", "Can publish, unpublish and schedule grants")]
        ordering = ["awarded_on", "id"]
        constraints = [
            *Publishable.Meta.constraints,
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="grant_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
        ]
        # The rule "a grant's phase belongs to the grant's programme" spans two
        # tables, so it is enforced by a composite foreign key (PostgreSQL) or
        # triggers (SQLite) in migration 0002, and explained by clean().

    def __str__(self):
        return f"{self.funder}: kr {number_format(self.amount, 0, force_grouping=True)}"

    def save(self, *args, **kwargs):
        self.awarded_on = period_start(self.awarded_on, self.awarded_on_precision)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.awarded_on = period_start(self.awarded_on, self.awarded_on_precision)
        if self.phase_id and self.programme_id and self.phase.programme_id != self.programme_id:
            raise ValidationError(
                {"phase": _("The phase must belong to the same programme as the grant.")}
            )

    @property
    def awarded_display(self):
        return format_approximate_date(self.awarded_on, self.awarded_on_precision)
