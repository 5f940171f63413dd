"""Evaluations by service recipients (服务对象评价), complaints (投诉) and penalties (处罚).

Each record names a worker and/or an institution, and keeps the district it belongs to (the institution's,
else the worker's at the time of recording) so that scope filters are one indexed column.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careforce.core.models import District, EnglishName
from careforce.institutions.models import Institution
from careforce.registry.models import Worker


class EvaluationDimension(EnglishName):
    """One aspect scored 1–5 (attitude, skill, punctuality…). Data, so the bureau can add or retire one."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    is_active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("evaluation dimension")
        verbose_name_plural = _("evaluation dimensions")

    def __str__(self) -> str:
        return self.name


class ConductSettings(models.Model):
    """Settings of this capability as one editable row (pk=1)."""

    evaluation_link_days = models.PositiveSmallIntegerField(
        _("days a public evaluation link stays valid"), default=30
    )
    public_evaluations_per_hour = models.PositiveSmallIntegerField(
        _("public evaluations accepted per hour from one address"), default=10
    )

    class Meta:
        verbose_name = _("conduct settings")
        verbose_name_plural = _("conduct settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> ConductSettings:
        return cls.objects.get_or_create(pk=1)[0]


class EvaluatorKind(models.TextChoices):
    ELDER = "elder", _("Elder")
    FAMILY = "family", _("Family member")


class EvaluationSource(models.TextChoices):
    INSTITUTION = "institution", _("Entered by the institution")
    PUBLIC_LINK = "public_link", _("Public link or QR code")
    IMPORT = "import", _("Imported")
    API = "api", _("API")


class Evaluation(models.Model):
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="evaluations"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="evaluations"
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    evaluator_kind = models.CharField(_("evaluated by"), max_length=10, choices=EvaluatorKind.choices)
    source = models.CharField(_("source"), max_length=20, choices=EvaluationSource.choices)
    evaluated_on = models.DateField(_("date"))
    # Mean of the dimension scores, kept so that aggregates over millions of rows read one column.
    average = models.DecimalField(_("average score"), max_digits=3, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-evaluated_on", "-id"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        indexes = [
            models.Index(fields=["worker", "evaluated_on"], name="evaluation_worker"),
            models.Index(fields=["institution", "evaluated_on"], name="evaluation_institution"),
            models.Index(fields=["district", "id"], name="evaluation_district"),
        ]
        constraints = [
            models.CheckConstraint(
                name="evaluation_average_1_5", condition=Q(average__gte=1) & Q(average__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.evaluated_on} {self.average}"


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    dimension = models.ForeignKey(EvaluationDimension, verbose_name=_("dimension"), on_delete=models.PROTECT)
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        ordering = ["dimension__sort_order", "dimension_id"]
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "dimension"], name="evaluation_score_once"),
            models.CheckConstraint(name="evaluation_score_1_5", condition=Q(score__gte=1) & Q(score__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.dimension_id}: {self.score}"


class ComplaintChannel(EnglishName):
    """How a complaint came in, and the working days allowed to conclude it (data, per channel; holidays and
    adjusted working weekends from core.CalendarDay)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    deadline_days = models.PositiveSmallIntegerField(_("working days to conclude"), default=30)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("complaint channel")
        verbose_name_plural = _("complaint channels")

    def __str__(self) -> str:
        return self.name


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    INVESTIGATING = "investigating", _("Investigating")
    SUBSTANTIATED = "substantiated", _("Substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (ComplaintStatus.RECEIVED, ComplaintStatus.INVESTIGATING)


class Finding(models.TextChoices):
    SUBSTANTIATED = "substantiated", _("Substantiated")
    UNSUBSTANTIATED = "unsubstantiated", _("Unsubstantiated")


class Complaint(models.Model):
    channel = models.ForeignKey(ComplaintChannel, verbose_name=_("channel"), on_delete=models.PROTECT)
    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    content = models.TextField(_("content"), max_length=4000)
    received_on = models.DateField(_("received on"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=20, choices=ComplaintStatus.choices, default=ComplaintStatus.RECEIVED
    )
    # The investigation's outcome stays when the complaint is closed.
    finding = models.CharField(_("finding"), max_length=20, choices=Finding.choices, blank=True)
    finding_note = models.TextField(_("investigation outcome"), blank=True, max_length=4000)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["district", "status", "deadline"], name="complaint_district_open"),
            models.Index(fields=["worker", "finding"], name="complaint_worker"),
            models.Index(fields=["institution", "finding", "received_on"], name="complaint_institution"),
        ]
        constraints = [
            models.CheckConstraint(
                name="complaint_names_a_subject",
                condition=Q(worker__isnull=False) | Q(institution__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.received_on}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline < timezone.localdate()


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")
    DISMISSAL = "dismissal", _("Dismissal")
    TRADE_BAN = "trade_ban", _("Ban from the trade")


class Penalty(models.Model):
    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalties",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PenaltyKind.choices)
    deciding_body = models.CharField(_("deciding body"), max_length=120)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    decision_number = models.CharField(_("decision number"), max_length=60, blank=True)
    fine_amount = models.DecimalField(
        _("fine (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    decided_on = models.DateField(_("decided on"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        indexes = [
            models.Index(fields=["worker", "decided_on"], name="penalty_worker"),
            models.Index(fields=["institution", "decided_on"], name="penalty_institution"),
            models.Index(fields=["district", "id"], name="penalty_district"),
        ]
        constraints = [
            models.CheckConstraint(
                name="penalty_names_a_subject",
                condition=Q(worker__isnull=False) | Q(institution__isnull=False),
            ),
            models.CheckConstraint(
                name="penalty_effective_to_after_from",
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decided_on}"
