"""The service-quality ranking of institutions (服务质量排行榜).

A Ranking is a working computation for one period by one method version (recomputable while a draft).
Publishing copies it into a RankingSnapshot: the rows and the methodology are copied, and a snapshot and
its rows are never updated or deleted (no service does it, and save() / delete() refuse it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Indicator(models.TextChoices):
    EVALUATIONS = "evaluations", _("Service-recipient evaluations")
    COMPLAINTS = "complaints", _("Substantiated complaints per 100 beds")
    CERTIFICATION = "certification", _("Care-worker certification rate")
    STAFFING = "staffing", _("Staffing compliance")
    TRAINING = "training", _("Training coverage of staff")


class RankingMethod(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("in use"), default=False)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("ranking method")
        verbose_name_plural = _("ranking methods")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="ranking_one_method_in_use"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"


class RankingIndicator(models.Model):
    """One indicator's weight in a method; `scale` is the points lost per complaint per 100 beds."""

    method = models.ForeignKey(RankingMethod, on_delete=models.CASCADE, related_name="indicators")
    indicator = models.CharField(_("indicator"), max_length=20, choices=Indicator.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    scale = models.DecimalField(_("scale"), max_digits=6, decimal_places=2, default=1)
    description = models.CharField(_("how it is scored"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("ranking indicator")
        verbose_name_plural = _("ranking indicators")
        constraints = [
            models.UniqueConstraint(fields=["method", "indicator"], name="ranking_indicator_once"),
            models.CheckConstraint(name="ranking_weight_not_negative", condition=Q(weight__gte=0)),
        ]

    def __str__(self) -> str:
        return self.get_indicator_display()


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class RowValues(models.Model):
    """One institution's figures and place; copied whole into a snapshot."""

    institution_id = models.BigIntegerField(db_index=True)
    institution_name = models.CharField(_("institution"), max_length=120)
    district_id = models.BigIntegerField()
    district_name = models.CharField(_("district"), max_length=40)
    # Frozen with the row like the Chinese name, so that the English page of a published ranking names the
    # district as it was named then.
    district_name_en = models.CharField(_("district (English)"), max_length=120, blank=True, default="")
    beds = models.PositiveIntegerField(_("beds"), default=0)
    evaluation_count = models.PositiveIntegerField(_("evaluations"), default=0)
    evaluation_average = models.DecimalField(
        _("average evaluation"), max_digits=3, decimal_places=2, null=True
    )
    complaints = models.PositiveIntegerField(_("substantiated complaints"), default=0)
    complaints_per_100_beds = models.DecimalField(
        _("complaints per 100 beds"), max_digits=8, decimal_places=2, null=True
    )
    certified = models.PositiveIntegerField(_("certified care workers"), default=0)
    care_workers = models.PositiveIntegerField(_("care workers"), default=0)
    certification_rate = models.DecimalField(
        _("certification rate %"), max_digits=5, decimal_places=1, null=True
    )
    trained = models.PositiveIntegerField(_("staff trained this year"), default=0)
    staff = models.PositiveIntegerField(_("staff"), default=0)
    training_coverage = models.DecimalField(
        _("training coverage %"), max_digits=5, decimal_places=1, null=True
    )
    # Staffing: care staff in post against what the residents call for (the dashboard's shortfall).
    care_staff = models.PositiveIntegerField(_("care staff"), null=True)
    required_care_staff = models.PositiveIntegerField(_("care staff required"), null=True)
    staffing_rate = models.DecimalField(_("staffing compliance %"), max_digits=5, decimal_places=1, null=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True)
    rank_city = models.PositiveIntegerField(_("city rank"), null=True)
    rank_district = models.PositiveIntegerField(_("district rank"), null=True)

    class Meta:
        abstract = True

    @property
    def district_label(self) -> str:
        """The district's name in the page's language (English when frozen with one)."""
        language = translation.get_language() or ""
        if language.startswith("en") and self.district_name_en:
            return self.district_name_en
        return self.district_name


ROW_VALUE_FIELDS = [f.name for f in RowValues._meta.local_fields]


class Ranking(models.Model):
    method = models.ForeignKey(RankingMethod, verbose_name=_("method"), on_delete=models.PROTECT)
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    institutions = models.PositiveIntegerField(_("institutions"), default=0)

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("ranking")
        verbose_name_plural = _("rankings")

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end}"


class RankingRow(RowValues):
    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="rows")

    class Meta:
        ordering = ["rank_city", "institution_name"]
        indexes = [models.Index(fields=["ranking", "rank_city"], name="ranking_row_rank")]

    def __str__(self) -> str:
        return f"{self.rank_city} {self.institution_name}"


class FrozenError(Exception):
    """A published snapshot was about to be changed."""


class Frozen(models.Model):
    """Rows that are written once: save() refuses an update, delete() refuses always."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise FrozenError(f"{self._meta.label} {self.pk} is published and cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenError(f"{self._meta.label} {self.pk} is published and cannot be deleted")


class RankingSnapshot(Frozen):
    ranking = models.OneToOneField(Ranking, on_delete=models.PROTECT, related_name="snapshot")
    title = models.CharField(_("title"), max_length=120)
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    method_version = models.PositiveIntegerField(_("method version"))
    # The methodology as it was: [{"indicator", "label", "weight", "scale", "description"}].
    methodology = models.JSONField(_("methodology"))
    computed_at = models.DateTimeField(_("computed at"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    institutions = models.PositiveIntegerField(_("institutions"), default=0)

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("published ranking")
        verbose_name_plural = _("published rankings")

    def __str__(self) -> str:
        return self.title


class SnapshotRow(RowValues, Frozen):
    snapshot = models.ForeignKey(RankingSnapshot, on_delete=models.PROTECT, related_name="rows")

    class Meta:
        ordering = ["rank_city", "institution_name"]
        indexes = [
            models.Index(fields=["snapshot", "rank_city"], name="snapshot_row_rank"),
            models.Index(fields=["snapshot", "district_id", "rank_district"], name="snapshot_row_district"),
        ]

    def __str__(self) -> str:
        return f"{self.rank_city} {self.institution_name}"
