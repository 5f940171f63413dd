"""The specialist pools (专家库 等): members who join and leave, and random draws for a task."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from careforce.core.models import District
from careforce.institutions.models import Institution
from careforce.registry.models import Worker
from careforce.skills.models import EvaluationBody


class PoolKind(models.TextChoices):
    EXPERT = "expert", _("Elderly-care experts (专家库)")
    GRADING_ASSESSOR = "grading_assessor", _("Institution-grading assessors (机构等级评定人员库)")
    COMPETITION_JUDGE = "competition_judge", _("Skill-competition judges (竞赛裁判员库)")
    ABILITY_ASSESSOR = "ability_assessor", _("Elderly-ability assessors (老年人能力评估人员库)")
    EVALUATION_BODY = "evaluation_body", _("Skill-level evaluation institutions (评价机构库)")


class PoolMember(models.Model):
    """A person (a registry worker, or someone from outside the registry) or an evaluation body in a pool."""

    pool = models.CharField(_("pool"), max_length=20, choices=PoolKind.choices)
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), null=True, blank=True, on_delete=models.PROTECT
    )
    evaluation_body = models.ForeignKey(
        EvaluationBody, verbose_name=_("evaluation body"), null=True, blank=True, on_delete=models.PROTECT
    )
    name = models.CharField(_("name"), max_length=120, help_text=_("For members outside the registry."))
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    employer = models.ForeignKey(
        Institution,
        verbose_name=_("employing institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("For members outside the registry who work at a care institution (conflict check)."),
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    qualifications = models.CharField(_("qualifications"), max_length=300)
    joined_on = models.DateField(_("joined"))
    left_on = models.DateField(_("left"), null=True, blank=True)
    leave_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pool", "id"]
        verbose_name = _("pool member")
        verbose_name_plural = _("pool members")
        indexes = [models.Index(fields=["pool", "left_on"], name="pool_member_current")]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "worker"],
                condition=Q(left_on__isnull=True, worker__isnull=False),
                name="pool_worker_once_current",
            ),
            models.UniqueConstraint(
                fields=["pool", "evaluation_body"],
                condition=Q(left_on__isnull=True, evaluation_body__isnull=False),
                name="pool_body_once_current",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.left_on is None

    @property
    def is_outside_registry(self) -> bool:
        """Neither a registry worker nor an evaluation body: organisation and employer are kept here."""
        return self.worker_id is None and self.evaluation_body_id is None


class TaskKind(models.TextChoices):
    GRADING = "grading", _("Institution grading (等级评定)")
    COMPETITION = "competition", _("Skill competition (技能大赛)")
    ASSESSMENT = "assessment", _("Ability assessment (能力评估)")
    OTHER = "other", _("Other task")


class Draw(models.Model):
    """A random draw of N members for a task, with what is needed to replay it: the seed and the ordered
    list of eligible candidates at that moment (random.Random(seed).sample over it gives the picks).

    The seed always comes from the server (`secrets`), never from the caller. A task is drawn once; a redraw
    is a new Draw linked to the first (`redraw_of`, numbered by `sequence`, with its reason): the first
    redraw by the administrators who may draw for the task, any further one by a city administrator."""

    pool = models.CharField(_("pool"), max_length=20, choices=PoolKind.choices)
    task_kind = models.CharField(_("task"), max_length=20, choices=TaskKind.choices)
    task_title = models.CharField(_("task title"), max_length=200)
    subject_institutions = models.ManyToManyField(
        Institution, verbose_name=_("subject institutions"), blank=True, related_name="+"
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    count = models.PositiveSmallIntegerField(_("number to draw"))
    seed = models.BigIntegerField(_("seed"))
    candidate_ids = models.JSONField(_("eligible candidates"), default=list)
    excluded_ids = models.JSONField(_("excluded for conflict of interest"), default=list)
    picked = models.ManyToManyField(PoolMember, verbose_name=_("drawn members"), related_name="draws")
    picked_ids = models.JSONField(default=list)
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    redraw_of = models.ForeignKey(
        "self",
        verbose_name=_("redraw of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redraws",
    )
    sequence = models.PositiveSmallIntegerField(_("redraw number"), default=0)  # 0: the first draw
    reason = models.CharField(_("reason for the redraw"), max_length=300, blank=True)

    class Meta:
        ordering = ["-drawn_at", "-id"]
        verbose_name = _("draw")
        verbose_name_plural = _("draws")
        constraints = [
            models.UniqueConstraint(
                fields=["redraw_of", "sequence"],
                condition=Q(redraw_of__isnull=False),
                name="draw_redraw_numbered_once",
            ),
            models.CheckConstraint(
                name="draw_redraw_has_reason",
                condition=Q(redraw_of__isnull=True, sequence=0) | (Q(sequence__gte=1) & ~Q(reason="")),
            ),
        ]

    def __str__(self) -> str:
        return self.task_title

    @property
    def first(self) -> Draw:
        return self.redraw_of if self.redraw_of_id else self
