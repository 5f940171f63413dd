"""Targets and supervision (R8): policy targets as data, denominators, staffing ratios, monthly figures,
frozen period reports.

The indicators themselves (what is counted) are code, in definitions.py; everything an official may
need to correct without a release — target values, dates, district shares, thresholds, populations,
staffing ratios — is a row here.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from careforce.core.models import District


class Recurrence(models.TextChoices):
    ONCE = "once", _("By the due date")
    YEARLY = "yearly", _("Every year")


class ShareBasis(models.TextChoices):
    """How a city-wide count target is split among districts when no explicit share is set."""

    WORKERS = "workers", _("In proportion to each district's current workers")
    OLDER_POPULATION = "older_population", _("In proportion to each district's older population")
    EQUAL = "equal", _("Equal shares")
    CITY_ONLY = "city_only", _("Not split: a city-wide target only")


class Target(models.Model):
    """One quantitative target of the policy (requirements R8), city-wide or for one district."""

    indicator = models.CharField(_("indicator"), max_length=60, db_index=True)
    value = models.DecimalField(_("target value"), max_digits=14, decimal_places=4)
    due_date = models.DateField(_("due date"))
    recurrence = models.CharField(
        _("recurrence"), max_length=10, choices=Recurrence.choices, default=Recurrence.ONCE
    )
    district = models.ForeignKey(
        District,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty for a city-wide target."),
    )
    share_basis = models.CharField(
        _("default district shares"), max_length=20, choices=ShareBasis.choices, default=ShareBasis.WORKERS
    )
    at_risk_ratio = models.DecimalField(
        _("at-risk threshold"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.9"),
        help_text=_("A projection below the target but at or above this share of it is 'at risk'."),
    )
    trend_months = models.PositiveSmallIntegerField(_("months of trend for the projection"), default=24)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["indicator", "due_date", "id"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.indicator} {self.value} ({self.due_date:%Y})"


class TargetShare(models.Model):
    """An explicit district share of a city-wide count target (a fraction; shares need not sum to 1
    while being edited, the page shows the sum)."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="shares")
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    share = models.DecimalField(_("share"), max_digits=7, decimal_places=6)

    class Meta:
        verbose_name = _("district share of a target")
        verbose_name_plural = _("district shares of targets")
        constraints = [
            models.UniqueConstraint(fields=["target", "district"], name="target_share_unique"),
            models.CheckConstraint(
                name="target_share_0_1", condition=models.Q(share__gte=0) & models.Q(share__lte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.district_id} {self.share}"


class PopulationBasis(models.TextChoices):
    RESIDENT = "resident", _("Resident population (常住)")
    REGISTERED = "registered", _("Registered residence (户籍)")


class OlderPopulation(models.Model):
    """People aged 60+ (the denominator of density and social-worker ratios), city-wide or per district,
    with where the figure comes from. The newest year per place is used."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT
    )
    year = models.PositiveSmallIntegerField(_("year"))
    count = models.PositiveIntegerField(_("people aged 60+"))
    aged_65_plus = models.PositiveIntegerField(_("people aged 65+"), null=True, blank=True)
    basis = models.CharField(
        _("basis"), max_length=12, choices=PopulationBasis.choices, default=PopulationBasis.RESIDENT
    )
    source = models.CharField(_("source"), max_length=300)
    is_estimate = models.BooleanField(_("estimate"), default=False)

    class Meta:
        ordering = ["district_id", "-year"]
        verbose_name = _("older population")
        verbose_name_plural = _("older population")
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="older_population_unique"),
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(district__isnull=True), name="older_population_city_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district or '—'} {self.year}: {self.count}"


class StaffingRatio(models.Model):
    """Residents per care worker, by ability level (*unverified* defaults attributed to MZ/T 187-2021)."""

    level = models.CharField(_("ability level"), max_length=30, unique=True)
    residents_per_care_worker = models.DecimalField(
        _("residents per care worker"), max_digits=6, decimal_places=2
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("staffing ratio")
        verbose_name_plural = _("staffing ratios")

    def __str__(self) -> str:
        return f"{self.level} 1:{self.residents_per_care_worker}"


class MonthlyFigure(models.Model):
    """An indicator's value at the end of a month, stored by `careforce indicators_snapshot`, for the
    indicators whose history cannot be read back from dated records."""

    month = models.DateField(_("month"))  # the first day of the month
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.CASCADE)
    indicator = models.CharField(max_length=60)
    numerator = models.DecimalField(max_digits=16, decimal_places=4)
    denominator = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("monthly figure")
        verbose_name_plural = _("monthly figures")
        constraints = [
            models.UniqueConstraint(fields=["month", "district", "indicator"], name="monthly_figure_unique"),
            models.UniqueConstraint(
                fields=["month", "indicator"],
                condition=models.Q(district__isnull=True),
                name="monthly_figure_city_unique",
            ),
        ]
        indexes = [models.Index(fields=["indicator", "district", "month"], name="monthly_figure_series")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.month:%Y-%m} {self.district_id or ''}".strip()


class PeriodReport(models.Model):
    """A frozen supervision report (督导报告) for one period: its full content is stored when generated and
    never changes afterwards (save refuses updates)."""

    period = models.CharField(_("period"), max_length=7)  # YYYY-MM
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT
    )
    generated_at = models.DateTimeField(_("generated at"), auto_now_add=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("generated by"), on_delete=models.PROTECT, related_name="+"
    )
    content = models.JSONField(_("content"))
    content_sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        ordering = ["-generated_at", "-id"]
        verbose_name = _("period report")
        verbose_name_plural = _("period reports")
        indexes = [models.Index(fields=["district", "period"], name="period_report_district")]

    def __str__(self) -> str:
        return f"{self.period} {self.district or ''}".strip()

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("A generated report cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A generated report cannot be deleted."))


# ---------------------------------------------------------------- the dashboard's persisted summary
# Derived data owned by this app (facts.py keeps it): never edited, rebuilt by `careforce indicators_rebuild`.
# Ids are plain integers, not foreign keys: a fact must outlive a deleted record until its contribution
# has been taken out of the counters.


class WorkerFact(models.Model):
    """One narrow row per worker: what the indicators count about them, as last seen by facts.refresh."""

    worker_id = models.BigIntegerField(primary_key=True)
    district_id = models.BigIntegerField(null=True)
    institution_id = models.BigIntegerField(null=True, db_index=True)
    is_active = models.BooleanField(default=False)
    team = models.CharField(max_length=40, blank=True)
    occupation_id = models.BigIntegerField(null=True)
    gender = models.CharField(max_length=10, blank=True)
    birth_date = models.DateField(null=True, db_index=True)
    education = models.CharField(max_length=40, blank=True)
    source_channel = models.CharField(max_length=40, blank=True)
    ownership = models.CharField(max_length=40, null=True)  # of the worker's institution
    kind = models.CharField(max_length=40, null=True)
    first_post = models.DateField(null=True, db_index=True)
    trained = models.BooleanField(default=False)  # heads only: trained in the state's year (领雁 rule)
    # Every post: "employment id|district of its institution|start|end or empty|1 if part-time", ";"-joined.
    posts = models.TextField(blank=True)
    is_head = models.BooleanField(default=False)  # the head (负责人) its institution names
    verified = models.BooleanField(default=False)  # registry/verification.py VERIFIED

    class Meta:
        indexes = [
            models.Index(fields=["occupation_id", "district_id"], name="worker_fact_occupation"),
        ]

    def __str__(self) -> str:
        return f"fact {self.worker_id}"


class DistrictCounter(models.Model):
    """A counter of a district's figures (e.g. "team:care", "age:F:30-39", "ft_start:2024-03"), kept equal
    to the sum of the workers' contributions (facts.contribution) by adding differences."""

    district_id = models.BigIntegerField()
    key = models.CharField(max_length=60)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district_id", "key"], name="district_counter_key")]

    def __str__(self) -> str:
        return f"{self.district_id} {self.key}={self.n}"


class InstitutionCounter(models.Model):
    """The same for an institution's current staff ("workers", "team:care", "occ:<id>", "heads", …)."""

    institution_id = models.BigIntegerField()
    key = models.CharField(max_length=60)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["institution_id", "key"], name="institution_counter_key")
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.key}={self.n}"


class DistrictVersion(models.Model):
    """A number each change to a district's figures increases, in the change's own transaction
    (marks.py); district 0 stands for "every district". A page compares these with the versions of the
    figures it holds in memory and reads again only what changed: a read never catches up or writes."""

    district_id = models.BigIntegerField(primary_key=True)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.district_id} v{self.version}"


class FactState(models.Model):
    """The one row saying how far the facts are: the day their date bands are computed for. Absent until
    the first build."""

    as_of = models.DateField()
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"facts as of {self.as_of}"
