"""Recognition (表彰激励, policy section 十二 and 三(三)): awards, skill competitions with judges drawn from the
competition-judge pool, skill-master studios (技能大师工作室) with the apprentices they teach (带徒传技), and the
direct household-registration flag (落户) for high-skill workers.

Award kinds, prize rules and the settlement threshold are data (rows an administrator edits), loaded with
sensible defaults by a migration."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from careforce.core.models import District
from careforce.institutions.models import Institution
from careforce.pools.models import Draw
from careforce.registry.models import Worker
from careforce.skills.models import SkillLevel


class Level(models.TextChoices):
    CITY = "city", _("City level (市级)")
    DISTRICT = "district", _("District level (区县级)")


class AwardKind(models.Model):
    """A kind of award, e.g. 最美护理员 (city level)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("award kind")
        verbose_name_plural = _("award kinds")

    def __str__(self) -> str:
        return self.name


class Award(models.Model):
    """One worker honoured with an award of a kind in a year. `district` is the worker's district when the
    award was made: the dashboard counts awards there (one definition, recognition.metrics)."""

    kind = models.ForeignKey(AwardKind, verbose_name=_("award"), on_delete=models.PROTECT)
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="awards"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    citation = models.TextField(_("citation"), blank=True)
    awarded_on = models.DateField(_("awarded on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-awarded_on", "-id"]
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        constraints = [
            models.UniqueConstraint(fields=["kind", "worker", "year"], name="award_once_per_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.kind}"


class PrizeRule(models.Model):
    """Which prize a final rank earns in a competition of a level, and how many rungs of the skill ladder
    above the winner's current level it makes them eligible for (0: none)."""

    level = models.CharField(_("competition level"), max_length=10, choices=Level.choices)
    best_rank = models.PositiveSmallIntegerField(_("from rank"))
    worst_rank = models.PositiveSmallIntegerField(_("to rank"))
    name = models.CharField(_("prize"), max_length=30)
    levels_up = models.PositiveSmallIntegerField(_("levels of promotion"), default=0)

    class Meta:
        ordering = ["level", "best_rank"]
        verbose_name = _("prize rule")
        verbose_name_plural = _("prize rules")
        constraints = [
            models.CheckConstraint(
                name="prize_rule_ranks_ordered", condition=Q(best_rank__lte=models.F("worst_rank"))
            )
        ]

    def __str__(self) -> str:
        return self.name


class CompetitionStatus(models.TextChoices):
    OPEN = "open", _("Open for entries")
    JUDGED = "judged", _("Judges drawn")
    PUBLISHED = "published", _("Results published")


class Competition(models.Model):
    """A skill competition (技能大赛). A city-level one has no district; a district-level one belongs to its
    district. Entries close when the judges are drawn; ranks and prizes are fixed when results are published."""

    title = models.CharField(_("title"), max_length=120)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT
    )
    held_on = models.DateField(_("held on"))
    status = models.CharField(
        _("status"), max_length=10, choices=CompetitionStatus.choices, default=CompetitionStatus.OPEN
    )
    judges_draw = models.ForeignKey(
        Draw,
        verbose_name=_("judges' draw"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("skill competition")
        verbose_name_plural = _("skill competitions")
        constraints = [
            models.CheckConstraint(
                name="competition_district_matches_level",
                condition=Q(level="city", district__isnull=True)
                | Q(level="district", district__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Entrant(models.Model):
    """A worker entered in a competition, with the institution and district at entry, the score, and once
    published the rank, prize and the skill level the prize makes them eligible for."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE, related_name="entrants")
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="competition_entries"
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), null=True, blank=True, on_delete=models.PROTECT
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    prize = models.CharField(_("prize"), max_length=30, blank=True)
    eligible_level = models.ForeignKey(
        SkillLevel,
        verbose_name=_("eligible for level"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("entrant")
        verbose_name_plural = _("entrants")
        constraints = [
            models.UniqueConstraint(fields=["competition", "worker"], name="entrant_once_per_competition")
        ]

    def __str__(self) -> str:
        return f"{self.competition_id}:{self.worker_id}"


class Studio(models.Model):
    """A skill-master studio (技能大师工作室) led by a worker."""

    name = models.CharField(_("name"), max_length=120)
    leader = models.ForeignKey(
        Worker, verbose_name=_("master (leader)"), on_delete=models.PROTECT, related_name="studios_led"
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    institution = models.ForeignKey(
        Institution, verbose_name=_("host institution"), null=True, blank=True, on_delete=models.PROTECT
    )
    founded_on = models.DateField(_("founded on"))
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("master studio")
        verbose_name_plural = _("master studios")

    def __str__(self) -> str:
        return self.name


class StudioRole(models.TextChoices):
    MEMBER = "member", _("Member")
    APPRENTICE = "apprentice", _("Apprentice (带徒传技)")


class StudioMember(models.Model):
    """A member of a studio or an apprentice its master teaches, from one date to another."""

    studio = models.ForeignKey(Studio, on_delete=models.CASCADE, related_name="members")
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="studio_memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=StudioRole.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["role", "started_on", "id"]
        verbose_name = _("studio member")
        verbose_name_plural = _("studio members")
        constraints = [
            models.UniqueConstraint(
                fields=["studio", "worker"],
                condition=Q(ended_on__isnull=True),
                name="studio_member_once_current",
            ),
            models.CheckConstraint(
                name="studio_member_dates_ordered",
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.studio_id}:{self.worker_id}"


class SettlementRule(models.Model):
    """The lowest skill level that qualifies for direct household registration (落户); one row."""

    min_level = models.ForeignKey(
        SkillLevel, verbose_name=_("lowest qualifying level"), on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("household-registration rule")
        verbose_name_plural = _("household-registration rules")

    def __str__(self) -> str:
        return str(self.min_level)


class SettlementFlag(models.Model):
    """A high-skill worker flagged for the city's direct household registration (落户), with the level that
    qualified them. Withdrawn flags are kept with the date and reason."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="settlement_flags"
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    level = models.ForeignKey(SkillLevel, verbose_name=_("skill level"), on_delete=models.PROTECT)
    flagged_on = models.DateField(_("flagged on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdraw_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-flagged_on", "-id"]
        verbose_name = _("household-registration flag")
        verbose_name_plural = _("household-registration flags")
        constraints = [
            models.UniqueConstraint(
                fields=["worker"], condition=Q(withdrawn_on__isnull=True), name="settlement_flag_once_current"
            )
        ]

    def __str__(self) -> str:
        return str(self.worker_id)


class RecognitionTally(models.Model):
    """Awards made and prizes of published competitions, per district and year, kept by the services in
    the transaction of each change (definitions: careforce/recognition/metrics.py)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    awards = models.PositiveIntegerField(default=0)
    prizes = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="recognition_tally_district_year")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.year}"
