"""The credit score of every worker (信用评价) and the dishonesty list (失信名单).

The score is computed from explicit factors by a versioned rule (CreditRule + CreditFactor + CreditBand
rows): a used version is never edited — a change is a new version — so a score always names the rule that
produced it and can be explained factor by factor. The current score of each worker is one row of
CreditScore (with the measured inputs); CreditScoreHistory gets a row only when a worker's score, grade or
rule version changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careforce.core.models import District
from careforce.institutions.models import Institution
from careforce.registry.models import Worker


class CreditRule(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    base_score = models.DecimalField(_("base score"), max_digits=5, decimal_places=1, default=60)
    min_score = models.DecimalField(_("lowest score"), max_digits=5, decimal_places=1, default=0)
    max_score = models.DecimalField(_("highest score"), max_digits=5, decimal_places=1, default=100)
    is_active = models.BooleanField(_("in force"), default=False)
    activated_at = models.DateTimeField(_("put in force"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("credit rule version")
        verbose_name_plural = _("credit rule versions")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="credit_one_rule_in_force"
            ),
            models.CheckConstraint(
                name="credit_rule_range", condition=Q(min_score__lt=models.F("max_score"))
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"


class Measure(models.TextChoices):
    """What a factor measures. Each is computed in bulk by careforce.credit.compute."""

    YEARS_OF_SERVICE = "years_of_service", _("Years of service")
    TRAINING_HOURS = "training_hours", _("Training hours")
    SKILL_LEVEL = "skill_level", _("Skill level (0 none … 8 chief technician)")
    EVALUATIONS = "evaluations", _("Evaluations: average score above 3 (neutral)")
    COMPLAINTS = "complaints", _("Substantiated complaints")
    PENALTY_WARNING = "penalty_warning", _("Penalties: warnings")
    PENALTY_FINE = "penalty_fine", _("Penalties: fines")
    PENALTY_DISMISSAL = "penalty_dismissal", _("Penalties: dismissals")
    PENALTY_TRADE_BAN = "penalty_trade_ban", _("Penalties: bans from the trade")
    DISHONESTY_LISTED = "dishonesty_listed", _("On the dishonesty list")


class CreditFactor(models.Model):
    """points = weight × measure, kept between min_points and max_points (the caps)."""

    rule = models.ForeignKey(CreditRule, on_delete=models.CASCADE, related_name="factors")
    measure = models.CharField(_("measure"), max_length=30, choices=Measure.choices)
    weight = models.DecimalField(_("points per unit"), max_digits=7, decimal_places=2)
    min_points = models.DecimalField(_("lowest points"), max_digits=6, decimal_places=1)
    max_points = models.DecimalField(_("highest points"), max_digits=6, decimal_places=1)
    window_years = models.PositiveSmallIntegerField(
        _("years counted back"), null=True, blank=True, help_text=_("Empty: the whole record.")
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("credit factor")
        verbose_name_plural = _("credit factors")
        constraints = [
            models.UniqueConstraint(fields=["rule", "measure"], name="credit_factor_once_per_rule"),
            models.CheckConstraint(
                name="credit_factor_caps", condition=Q(min_points__lte=models.F("max_points"))
            ),
        ]

    def __str__(self) -> str:
        return self.get_measure_display()


class CreditBand(models.Model):
    """A grade for scores from min_score up to the next band."""

    rule = models.ForeignKey(CreditRule, on_delete=models.CASCADE, related_name="bands")
    grade = models.CharField(_("grade"), max_length=4)
    label = models.CharField(_("label"), max_length=40)
    min_score = models.DecimalField(_("from score"), max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["-min_score"]
        verbose_name = _("credit band")
        verbose_name_plural = _("credit bands")
        constraints = [models.UniqueConstraint(fields=["rule", "grade"], name="credit_band_once_per_rule")]

    def __str__(self) -> str:
        return f"{self.grade} {self.label}"


class Measures(models.Model):
    """The measured inputs of a score, kept with it so that it can be explained later."""

    years_of_service = models.DecimalField(_("years of service"), max_digits=4, decimal_places=1, default=0)
    training_hours = models.DecimalField(_("training hours"), max_digits=8, decimal_places=1, default=0)
    skill_level = models.PositiveSmallIntegerField(_("skill level"), default=0)
    evaluation_count = models.PositiveIntegerField(_("evaluations"), default=0)
    evaluation_average = models.DecimalField(
        _("average evaluation"), max_digits=3, decimal_places=2, null=True, blank=True
    )
    complaints = models.PositiveIntegerField(_("substantiated complaints"), default=0)
    penalty_warning = models.PositiveIntegerField(_("warnings"), default=0)
    penalty_fine = models.PositiveIntegerField(_("fines"), default=0)
    penalty_dismissal = models.PositiveIntegerField(_("dismissals"), default=0)
    penalty_trade_ban = models.PositiveIntegerField(_("bans from the trade"), default=0)
    dishonesty_listed = models.BooleanField(_("on the dishonesty list"), default=False)

    class Meta:
        abstract = True


MEASURE_FIELDS = (
    "years_of_service",
    "training_hours",
    "skill_level",
    "evaluation_count",
    "evaluation_average",
    "complaints",
    "penalty_warning",
    "penalty_fine",
    "penalty_dismissal",
    "penalty_trade_ban",
    "dishonesty_listed",
)


class CreditScore(Measures):
    """The current score of one worker."""

    # Derived rows without database constraints (see CreditScoreHistory); Django applies the CASCADE.
    worker = models.OneToOneField(
        Worker, primary_key=True, on_delete=models.CASCADE, related_name="credit", db_constraint=False
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    grade = models.CharField(_("grade"), max_length=4)
    # No index on the rule: a handful of values over a million rows; it would only slow the writes.
    rule = models.ForeignKey(
        CreditRule,
        verbose_name=_("rule version"),
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("credit score")
        verbose_name_plural = _("credit scores")

    def __str__(self) -> str:
        return f"{self.worker_id}: {self.score} {self.grade}"


class CreditScoreHistory(Measures):
    """A past (or the current) score; appended when score, grade or rule version change."""

    # The (worker, computed_at) index serves the worker's lookups; no separate index on either key.
    # No database constraints on the worker and the rule, here and in CreditScore: the rows are derived,
    # written only by the recompute from the worker table and the rule in force in the same statement, and
    # a database foreign key costs a per-row check (~15 µs each; the first full run writes two million rows
    # and spent 40 % of its time in them). Django still applies on_delete (CASCADE, PROTECT) as always.
    worker = models.ForeignKey(
        Worker,
        on_delete=models.CASCADE,
        related_name="credit_history",
        db_index=False,
        db_constraint=False,
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    grade = models.CharField(_("grade"), max_length=4)
    rule = models.ForeignKey(
        CreditRule,
        verbose_name=_("rule version"),
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("credit score history")
        verbose_name_plural = _("credit score history")
        indexes = [models.Index(fields=["worker", "computed_at"], name="credit_history_worker")]

    def __str__(self) -> str:
        return f"{self.worker_id}: {self.score} {self.grade} @ {self.computed_at}"


# ---------------------------------------------------------------- dishonesty list


class DishonestySituation(models.Model):
    """A situation that puts a worker on the list (the nine of the national measures), as data."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    min_years_before_removal = models.PositiveSmallIntegerField(
        _("years before removal may be applied for"), default=2
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("dishonesty situation")
        verbose_name_plural = _("dishonesty situations")

    def __str__(self) -> str:
        return self.name


class DishonestyListing(models.Model):
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="dishonesty_listings"
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    situation = models.ForeignKey(DishonestySituation, verbose_name=_("situation"), on_delete=models.PROTECT)
    deciding_body = models.CharField(_("deciding body"), max_length=120)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    facts = models.TextField(_("facts"), blank=True, max_length=4000)
    start_date = models.DateField(_("listed from"))
    end_date = models.DateField(_("listed until"), null=True, blank=True)
    complaint = models.ForeignKey(
        "conduct.Complaint", verbose_name=_("complaint"), null=True, blank=True, on_delete=models.PROTECT
    )
    penalty = models.ForeignKey(
        "conduct.Penalty", verbose_name=_("penalty"), null=True, blank=True, on_delete=models.PROTECT
    )
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_applied_on = models.DateField(_("removal applied for on"), null=True, blank=True)
    removal_reason = models.TextField(_("reason for removal"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("dishonesty listing")
        verbose_name_plural = _("dishonesty list")
        indexes = [
            models.Index(fields=["worker", "removed_on"], name="listing_worker"),
            models.Index(fields=["district", "id"], name="listing_district"),
        ]
        constraints = [
            models.CheckConstraint(
                name="listing_end_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.situation}"

    def is_active_on(self, day) -> bool:
        return (
            self.removed_on is None
            and self.start_date <= day
            and (self.end_date is None or self.end_date >= day)
        )

    @property
    def is_active(self) -> bool:
        return self.is_active_on(timezone.localdate())


def active_listings_q(day, prefix: str = "") -> Q:
    """The listings in force on `day` (for a queryset of listings, or through `prefix`)."""
    return Q(**{f"{prefix}removed_on__isnull": True, f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


class HireAction(models.TextChoices):
    EMPLOYMENT = "employment", _("Employment recorded")
    TRANSFER = "transfer", _("Transfer recorded")


class HireOverride(models.Model):
    """An institution went on to employ a listed worker, with its reason."""

    listing = models.ForeignKey(DishonestyListing, on_delete=models.PROTECT, related_name="overrides")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=HireAction.choices)
    reason = models.CharField(_("reason to go on"), max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("employment of a listed worker")
        verbose_name_plural = _("employments of listed workers")

    def __str__(self) -> str:
        return f"{self.worker_id} @ {self.institution_id}"


class NotificationKind(models.TextChoices):
    LISTED_WORKER_HIRED = "listed_worker_hired", _("A listed worker was employed")


class Notification(models.Model):
    """A message for the administrators of a district; the text is rendered from the kind at display time
    (in the reader's language)."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind.choices)
    worker = models.ForeignKey(Worker, null=True, on_delete=models.CASCADE, related_name="+")
    institution = models.ForeignKey(Institution, null=True, on_delete=models.CASCADE, related_name="+")
    override = models.ForeignKey(HireOverride, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["district", "read_at"], name="notification_district")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at}"


class PreEmploymentCheck(models.Model):
    """One look-up of an ID number against the list: who asked, about which (masked) number, the answer."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    id_number_hash = models.CharField(max_length=64, db_index=True)
    id_masked = models.CharField(_("ID number"), max_length=20)
    listed = models.BooleanField(_("listed"))
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("pre-employment check")
        verbose_name_plural = _("pre-employment checks")

    def __str__(self) -> str:
        return f"{self.id_masked} {self.listed}"
