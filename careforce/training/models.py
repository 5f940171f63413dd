"""Training (教育培训): bases, courses and their sessions, enrolments with attendance and completion, online
lessons with per-worker progress, and the yearly tallies the dashboards read. (Training targets are rows of the
indicators' one targets table.)"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careforce.core.models import District, EnglishName
from careforce.institutions.models import Institution
from careforce.registry.models import Worker


class BaseKind(models.TextChoices):
    TRAINING = "training", _("Training base (培训基地)")
    PRACTICAL = "practical", _("Practical-training base (实习实训基地)")


class TrainingBase(models.Model):
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=BaseKind.choices)
    host = models.CharField(_("host organisation"), max_length=120)
    host_institution = models.ForeignKey(
        Institution, verbose_name=_("host institution"), null=True, blank=True, on_delete=models.PROTECT
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    accredited_on = models.DateField(_("accreditation date"))
    capacity = models.PositiveIntegerField(_("capacity (trainees)"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["district__sort_order", "name", "id"]
        verbose_name = _("training base")
        verbose_name_plural = _("training bases")

    def __str__(self) -> str:
        return self.name


class Tier(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    INSTITUTION = "institution", _("Institution")


class CourseKind(models.TextChoices):
    PRE_JOB = "pre_job", _("Pre-job (岗前)")
    IN_SERVICE = "in_service", _("In-service rotation (在岗轮训)")
    TRANSFER = "transfer", _("Transfer (转岗)")
    HEADS = "heads", _("Heads' course (领雁)")
    ONLINE = "online", _("Online (互联网+培训)")


class TrainingValidity(models.Model):
    """How long a completed training of a kind stays valid, in months; no months: it never expires (data an
    administrator edits; loaded with defaults by a migration)."""

    kind = models.CharField(_("kind"), max_length=20, choices=CourseKind.choices, unique=True)
    months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Empty: never expires.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("training validity")
        verbose_name_plural = _("training validity periods")
        constraints = [
            models.CheckConstraint(
                name="training_validity_months_positive", condition=Q(months__isnull=True) | Q(months__gt=0)
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.months or '∞'}"


class ValidityStatus(models.TextChoices):
    """Stored: valid, or what an authority decided. Expired follows from `valid_until` (status_on)."""

    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class TrainingSettings(models.Model):
    """The one row of training settings (pk=1), edited in the admin and loaded by a migration."""

    class_hour_minutes = models.PositiveSmallIntegerField(
        _("minutes of study per class hour (学时)"),
        default=45,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "An online course that sets no minimum per lesson asks for its hours times this, spread evenly "
            "over its lessons."
        ),
    )

    class Meta:
        verbose_name = _("training settings")
        verbose_name_plural = _("training settings")

    def __str__(self) -> str:
        return str(_("training settings"))


class ContentModule(EnglishName):
    """A content module (law, ethics, dementia care …): data, so new modules need no release."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("content module")
        verbose_name_plural = _("content modules")

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    title = models.CharField(_("title"), max_length=120)
    tier = models.CharField(_("organiser tier"), max_length=20, choices=Tier.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=CourseKind.choices)
    organiser_district = models.ForeignKey(
        District, verbose_name=_("organising district"), null=True, blank=True, on_delete=models.PROTECT
    )
    organiser_institution = models.ForeignKey(
        Institution, verbose_name=_("organising institution"), null=True, blank=True, on_delete=models.PROTECT
    )
    modules = models.ManyToManyField(ContentModule, verbose_name=_("content modules"), blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    description = models.TextField(_("description"), blank=True)
    # Online courses: how long each lesson must stay open before the learner may mark it studied, measured by
    # the server (services.minutes_still_needed). Empty: derived from the course's hours spread over its lessons
    # (TrainingSettings.class_hour_minutes a class hour), so a course that sets nothing still asks for the time
    # its hours credit; 0 only when the organiser deliberately sets it (audited).
    lesson_min_minutes = models.PositiveSmallIntegerField(
        _("minimum minutes per lesson"), null=True, blank=True, default=None
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                name="course_organiser_matches_tier",
                condition=Q(tier="city")
                | Q(tier="district", organiser_district__isnull=False)
                | Q(tier="institution", organiser_institution__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_online(self) -> bool:
        return self.kind == CourseKind.ONLINE


class Session(models.Model):
    """One run of a course: dates, venue or base, capacity. An online course has a session too (its
    availability window) so that its completions are recorded like any other."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    base = models.ForeignKey(
        TrainingBase, verbose_name=_("training base"), null=True, blank=True, on_delete=models.PROTECT
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        indexes = [models.Index(fields=["start_date"], name="session_start")]
        constraints = [
            models.CheckConstraint(
                name="session_end_not_before_start", condition=Q(end_date__gte=models.F("start_date"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.course.title} {self.start_date:%Y-%m-%d}"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", _("Completed")
    NOT_COMPLETED = "not_completed", _("Not completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Enrolment(models.Model):
    """A worker on a session. A completion keeps the worker's district and institution of that moment, so
    a later transfer does not move last year's person-times."""

    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="enrolments"
    )
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    enrolled_at = models.DateTimeField(auto_now_add=True)
    completed_on = models.DateField(_("completion date"), null=True, blank=True)
    completed_year = models.PositiveSmallIntegerField(null=True, editable=False)
    hours = models.DecimalField(_("hours credited"), max_digits=6, decimal_places=1, default=0)
    exam_score = models.DecimalField(_("exam score"), max_digits=5, decimal_places=1, null=True, blank=True)
    exam_passed = models.BooleanField(_("exam passed"), null=True, blank=True)
    district = models.ForeignKey(
        District, null=True, on_delete=models.PROTECT, editable=False, related_name="+"
    )
    institution = models.ForeignKey(
        Institution, null=True, on_delete=models.PROTECT, editable=False, related_name="+"
    )
    # Validity of a completion of a kind that expires (TrainingValidity); null: never expires.
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # The earlier completion of the same kind this one renews (a refresher), if any.
    renews = models.ForeignKey(
        "self",
        verbose_name=_("renews"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewed_by",
    )
    validity_status = models.CharField(
        _("validity"), max_length=10, choices=ValidityStatus.choices, default=ValidityStatus.VALID
    )
    validity_changed_on = models.DateField(_("suspension or revocation date"), null=True, blank=True)
    validity_reason = models.CharField(_("reason"), max_length=200, blank=True)
    validity_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["session", "worker"], name="enrolment_once_per_session")
        ]
        indexes = [
            models.Index(fields=["worker", "completed_on"], name="enrolment_worker_done"),
            models.Index(fields=["completed_year", "worker"], name="enrolment_year_worker"),
            models.Index(fields=["valid_until"], name="enrolment_valid_until"),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} @ {self.session_id}"

    @property
    def is_completed(self) -> bool:
        return self.status == EnrolmentStatus.COMPLETED

    def status_on(self, day: datetime.date) -> str:
        """valid, expired, suspended or revoked (for a completion)."""
        if self.validity_status != ValidityStatus.VALID:
            return self.validity_status
        if self.valid_until is not None and self.valid_until < day:
            return "expired"
        return ValidityStatus.VALID

    @property
    def status_today(self) -> str:
        return self.status_on(timezone.localdate())

    @property
    def status_today_label(self) -> str:
        today = self.status_today
        return str(_("Expired")) if today == "expired" else str(ValidityStatus(today).label)


class Attendance(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendance")
    day = models.DateField(_("day"))
    present = models.BooleanField(_("present"), default=True)

    class Meta:
        ordering = ["day"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["enrolment", "day"], name="attendance_once_a_day")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.day}"


class Lesson(models.Model):
    """A part of an online course, taken on its own (a few minutes on a phone)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=120)
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    content = models.TextField(_("content"), blank=True)

    class Meta:
        ordering = ["course", "order", "id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        constraints = [models.UniqueConstraint(fields=["course", "order"], name="lesson_order_unique")]

    def __str__(self) -> str:
        return self.title


class LessonOpening(models.Model):
    """When a learner first opened a lesson, stamped by the server: the start of the minimum study time
    (Course.lesson_min_minutes); opening it again does not move it."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="openings")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(_("opened at"))

    class Meta:
        verbose_name = _("lesson opening")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="opening_once_per_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.lesson_id} {self.opened_at:%Y-%m-%d %H:%M}"


class LessonProgress(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "lesson"], name="progress_once_per_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.lesson_id}"


class TrainingTally(models.Model):
    """Completions (person-times) and hours per year and district, kept by the completion services in the
    same transaction, so the yearly figures are a read of ~40 rows however many records there are."""

    year = models.PositiveSmallIntegerField()
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    completions = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(max_digits=14, decimal_places=1, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "district"], name="training_tally_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.district_id}: {self.completions}"
