"""Skill levels (新八级工), evaluation bodies and certificates, professional titles, the level ↔ title ↔
education equivalence table, learning-credit rules, and the summaries the certification rate reads."""

from __future__ import annotations

import calendar
import datetime
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careforce.core.models import District, EnglishName, verification_fields
from careforce.institutions.models import Institution
from careforce.registry.models import Education, Occupation, Worker


class SkillLevel(EnglishName):
    """A rung of the eight-level ladder. Only the five certified levels are issued as certificates."""

    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=20)
    national_grade = models.CharField(_("national grade"), max_length=10, blank=True)
    is_certified = models.BooleanField(_("certified level"), default=False)

    class Meta:
        ordering = ["rank"]
        verbose_name = _("skill level")
        verbose_name_plural = _("skill levels")

    def __str__(self) -> str:
        return self.name


class EvaluationBody(models.Model):
    """A registered (备案) skill-level evaluation institution (职业技能等级认定评价机构), the fifth pool."""

    name = models.CharField(_("name"), max_length=120)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    registration_number = models.CharField(_("registration number (备案编号)"), max_length=40, unique=True)
    registered_on = models.DateField(_("registration date"))
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    is_active = models.BooleanField(_("registration in force"), default=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("evaluation body")
        verbose_name_plural = _("evaluation bodies")

    def __str__(self) -> str:
        return self.name


class EvaluationRange(models.Model):
    """An occupation a body may certify, from one level to another (inclusive)."""

    body = models.ForeignKey(EvaluationBody, on_delete=models.CASCADE, related_name="ranges")
    occupation = models.ForeignKey(Occupation, verbose_name=_("occupation"), on_delete=models.PROTECT)
    lowest = models.ForeignKey(
        SkillLevel, verbose_name=_("lowest level"), on_delete=models.PROTECT, related_name="+"
    )
    highest = models.ForeignKey(
        SkillLevel, verbose_name=_("highest level"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("evaluation range")
        verbose_name_plural = _("evaluation ranges")
        constraints = [
            models.UniqueConstraint(fields=["body", "occupation"], name="range_once_per_occupation")
        ]

    def __str__(self) -> str:
        return f"{self.body_id}: {self.occupation_id} {self.lowest_id}–{self.highest_id}"


class CertificateStatus(models.TextChoices):
    """What is stored: valid, or what an authority decided (suspended, revoked). Expired is not stored: it
    follows from `valid_until` and the day (Certificate.status_on)."""

    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class ValidityState(models.TextChoices):
    """The status shown: the stored status, with expired computed from the date."""

    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(start: datetime.date, months: int | None) -> datetime.date | None:
    """The last valid day of something valid for `months` from `start` (None: never expires)."""
    return None if months is None else add_months(start, months) - datetime.timedelta(days=1)


class CertificateValidity(models.Model):
    """How long a certificate of a kind stays valid, in months; no months: it never expires. The most
    specific row applies: occupation and level, then occupation, then level, then the row for any."""

    occupation = models.ForeignKey(
        Occupation, verbose_name=_("occupation"), null=True, blank=True, on_delete=models.CASCADE
    )
    level = models.ForeignKey(
        SkillLevel, verbose_name=_("level"), null=True, blank=True, on_delete=models.CASCADE
    )
    months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Empty: never expires.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("certificate validity")
        verbose_name_plural = _("certificate validity periods")
        constraints = [
            models.UniqueConstraint(fields=["occupation", "level"], name="certificate_validity_once"),
            models.UniqueConstraint(
                fields=["occupation"], condition=Q(level__isnull=True), name="certificate_validity_occupation"
            ),
            models.UniqueConstraint(
                fields=["level"], condition=Q(occupation__isnull=True), name="certificate_validity_level"
            ),
            models.CheckConstraint(
                name="certificate_validity_months_positive",
                condition=Q(months__isnull=True) | Q(months__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occupation_id or '*'}/{self.level_id or '*'}: {self.months or '∞'}"


def certificate_number_key(raw: object) -> str:
    """How certificate numbers are matched: letters and digits only (NFKC, so full-width ones count),
    upper case. `CQ2026-YL-000123`, `cq2026 yl 000123` and `CQ2026YL000123` are one number."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw))
    return "".join(ch for ch in text if ch.isalnum()).upper()


class Certificate(models.Model):
    # Kept as issued (hyphens, case); matched on number_key, unique per issuing body.
    number = models.CharField(_("certificate number"), max_length=40)
    number_key = models.CharField(max_length=40, editable=False, default="")
    worker = models.ForeignKey(
        Worker, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="certificates"
    )
    occupation = models.ForeignKey(Occupation, verbose_name=_("occupation"), on_delete=models.PROTECT)
    level = models.ForeignKey(SkillLevel, verbose_name=_("level"), on_delete=models.PROTECT)
    issuer = models.ForeignKey(EvaluationBody, verbose_name=_("issuer"), on_delete=models.PROTECT)
    issued_on = models.DateField(_("issue date"))
    status = models.CharField(_("status"), max_length=10, choices=CertificateStatus.choices, default="valid")
    revoked_on = models.DateField(_("revocation date"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revocation"), max_length=200, blank=True)
    verification, verified_by, verified_at = verification_fields()
    created_at = models.DateTimeField(auto_now_add=True)
    # Validity (from CertificateValidity when issued, moved on by each renewal); null: never expires.
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    suspended_on = models.DateField(_("suspension date"), null=True, blank=True)
    suspend_reason = models.CharField(_("reason for suspension"), max_length=200, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("suspended or revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        indexes = [
            models.Index(fields=["worker", "status"], name="certificate_worker_status"),
            models.Index(fields=["valid_until"], name="certificate_valid_until"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["number_key", "issuer"], name="certificate_number_once_per_issuer"
            )
        ]

    def __str__(self) -> str:
        return self.number

    def status_on(self, day: datetime.date) -> str:
        """valid, expired (valid until a day before `day`), suspended or revoked."""
        if self.status != CertificateStatus.VALID:
            return self.status
        if self.valid_until is not None and self.valid_until < day:
            return ValidityState.EXPIRED
        return ValidityState.VALID

    @property
    def status_today(self) -> str:
        return self.status_on(timezone.localdate())

    @property
    def status_today_label(self) -> str:
        return str(ValidityState(self.status_today).label)


class CertificateRenewal(models.Model):
    """One renewal of a certificate: the validity it had and the one it was given (audited)."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="renewals")
    previous_valid_until = models.DateField(_("valid until before"), null=True)
    valid_until = models.DateField(_("valid until"), null=True)
    renewed_on = models.DateField(_("renewal date"))
    reason = models.CharField(_("note"), max_length=200, blank=True)
    renewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["certificate", "-renewed_on", "-id"]
        verbose_name = _("certificate renewal")
        verbose_name_plural = _("certificate renewals")

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.previous_valid_until} → {self.valid_until}"


class WorkerSkill(models.Model):
    """A worker's standing, kept by the certificate services: the highest valid rank, and whether the
    worker holds a certificate that counts for the certification rate (see skills.metrics)."""

    worker = models.OneToOneField(Worker, primary_key=True, on_delete=models.CASCADE, related_name="skill")
    current_rank = models.PositiveSmallIntegerField(default=0)
    care_certified = models.BooleanField(default=False)
    # The first day one of the certificates counted above is no longer valid (its valid_until + 1): the
    # daily roll refreshes the worker then (skills.tasks). Null: none of them expires.
    changes_on = models.DateField(null=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id}: {self.current_rank}"


class CertificationTally(models.Model):
    """Active care workers and how many of them are certified, per institution. Kept exact by the
    certificate services and by the registry's placement signal, so the rate is a read of small rows."""

    institution = models.OneToOneField(
        Institution, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    care_workers = models.PositiveIntegerField(default=0)
    certified = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.institution_id}: {self.certified}/{self.care_workers}"


class TitleGrade(models.TextChoices):
    JUNIOR = "junior", _("Junior (初级)")
    INTERMEDIATE = "intermediate", _("Intermediate (中级)")
    ASSOCIATE_SENIOR = "associate_senior", _("Associate senior (副高级)")
    SENIOR = "senior", _("Senior (正高级)")


class ProfessionalTitle(models.Model):
    """An elderly-care professional title (养老照护职称) held by a worker."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="titles"
    )
    grade = models.CharField(_("grade"), max_length=20, choices=TitleGrade.choices)
    name = models.CharField(_("title"), max_length=60)
    awarded_on = models.DateField(_("award date"))
    awarded_by = models.CharField(_("awarded by"), max_length=120)
    certificate_number = models.CharField(_("certificate number"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-awarded_on", "-id"]
        verbose_name = _("professional title")
        verbose_name_plural = _("professional titles")

    def __str__(self) -> str:
        return self.name


class Equivalence(models.Model):
    """One row of the two-way equivalence: a skill level ↔ a title grade ↔ an education level."""

    level = models.OneToOneField(SkillLevel, verbose_name=_("skill level"), on_delete=models.CASCADE)
    title_grade = models.CharField(_("title grade"), max_length=20, choices=TitleGrade.choices, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["level__rank"]
        verbose_name = _("equivalence")
        verbose_name_plural = _("equivalence table")

    def __str__(self) -> str:
        return str(self.level)


class CreditSource(models.TextChoices):
    TRAINING_HOUR = "training_hour", _("Per hour of completed training")
    CERTIFICATE = "certificate", _("Per valid certificate of a level")


class CreditRule(models.Model):
    """How learning outcomes convert into credits (学分转换): data an administrator edits."""

    source = models.CharField(_("source"), max_length=20, choices=CreditSource.choices)
    level = models.ForeignKey(
        SkillLevel, verbose_name=_("level"), null=True, blank=True, on_delete=models.CASCADE
    )
    credits = models.DecimalField(_("credits"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["source", "level__rank"]
        verbose_name = _("credit rule")
        verbose_name_plural = _("credit rules")
        constraints = [
            models.UniqueConstraint(fields=["source", "level"], name="credit_rule_unique"),
            models.UniqueConstraint(
                fields=["source"], condition=Q(level__isnull=True), name="credit_rule_one_hour_rate"
            ),
            models.CheckConstraint(
                name="credit_rule_level_for_certificates",
                condition=Q(source="training_hour", level__isnull=True)
                | Q(source="certificate", level__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.level_id or ''} {self.credits}"
