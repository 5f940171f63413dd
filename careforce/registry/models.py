"""The talent registry (人才信息库): one record per person, city-wide, and the employment history."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from careforce.core import crypto
from careforce.core.masking import age_band, mask_id_number, mask_phone
from careforce.core.models import District, EnglishName, verification_fields
from careforce.institutions.models import Institution


class Team(models.TextChoices):
    CARE = "care", _("Care")
    PROFESSIONAL = "professional", _("Professional and technical")
    MANAGEMENT = "management", _("Management")
    SUPPORT = "support", _("Support")


class Education(models.TextChoices):
    JUNIOR_HIGH_OR_BELOW = "junior_high", _("Junior high school or below")
    SENIOR_HIGH = "senior_high", _("Senior high / secondary vocational")
    COLLEGE = "college", _("College (associate)")
    BACHELOR = "bachelor", _("Bachelor")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


class HukouType(models.TextChoices):
    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")


class SourceChannel(models.TextChoices):
    """Where the worker came from (来源渠道), the policy's list in section (一)."""

    RELATED_GRADUATE = "related_graduate", _("Graduate of a related major")
    RURAL_MIGRANT = "rural_migrant", _("Rural migrant worker")
    REGISTERED_UNEMPLOYED = "registered_unemployed", _("Registered unemployed")
    LIFTED_FROM_POVERTY = "lifted_from_poverty", _("Lifted out of poverty")
    RELAPSE_MONITORED = "relapse_monitored", _("Household monitored for relapse into poverty")
    UNEMPLOYED_GRADUATE = "unemployed_graduate", _("Unemployed graduate")
    HOUSEKEEPING_TRANSFER = "housekeeping_transfer", _("Transferred from housekeeping or property services")
    RETIRED_MEDICAL = "retired_medical", _("Retired doctor or nurse")
    YOUNGER_OLD = "younger_old", _("Healthy younger-old person")
    INTRODUCED_TALENT = "introduced_talent", _("Talent introduced from outside the city")
    TRAINEE_POST = "trainee_post", _("Intern on a trainee post")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Occupation(EnglishName):
    """An occupation within a team. Data, so administrators can add new posts without a release."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60, unique=True)
    team = models.CharField(_("team"), max_length=20, choices=Team.choices)
    standard_code = models.CharField(_("national occupation code"), max_length=20, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")

    def __str__(self) -> str:
        return self.name


class Worker(models.Model):
    name = models.CharField(_("name"), max_length=50)
    # Search keys derived from the name: full pinyin ("zhangsan") and initials ("zs").
    name_pinyin = models.CharField(max_length=200, editable=False)
    name_initials = models.CharField(max_length=50, editable=False)

    id_number_encrypted = models.BinaryField(editable=False)
    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_region = models.CharField(max_length=6, editable=False)
    id_last4 = models.CharField(max_length=4, db_index=True, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)

    phone_encrypted = models.BinaryField(null=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_prefix = models.CharField(max_length=3, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)

    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    hukou_type = models.CharField(_("hukou type"), max_length=10, choices=HukouType.choices)
    source_channel = models.CharField(_("source channel"), max_length=30, choices=SourceChannel.choices)
    team = models.CharField(_("team"), max_length=20, choices=Team.choices)
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("occupation"), on_delete=models.PROTECT, db_index=False
    )

    # Placement, kept by the employment services: the current (or last) institution and its district.
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, db_index=False
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
    )
    is_active = models.BooleanField(_("currently employed"), default=False)
    verification, verified_by, verified_at = verification_fields()

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        indexes = [
            models.Index(fields=["district", "team", "id"], name="worker_district_team"),
            models.Index(fields=["district", "is_active", "id"], name="worker_district_active"),
            models.Index(fields=["institution", "id"], name="worker_institution"),
            models.Index(fields=["occupation", "id"], name="worker_occupation"),
            models.Index(fields=["name"], name="worker_name"),
        ]
        # Every index is paid for on each insert (an import writes 100,000 rows), so none twice: the foreign
        # keys are covered by the composite indexes above that start with them, the name keys by the
        # pattern-ops indexes of migration 0003; migration 0006 also drops PostgreSQL's LIKE indexes on the
        # hashes and last digits, which are only ever compared for equality.

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_region)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone_prefix, self.phone_last4)

    @property
    def age_band(self) -> str:
        """What a viewer without the unmask permission sees of the age (calendar-year band, "30-39")."""
        return age_band(self.birth_date)

    def reveal_id_number(self) -> str:
        """Decrypt. Call only from the logging service `pii_reveal`, never from a template or view."""
        return crypto.decrypt(self.id_number_encrypted, context=b"worker.id_number")

    def reveal_phone(self) -> str:
        if not self.phone_encrypted:
            return ""
        return crypto.decrypt(self.phone_encrypted, context=b"worker.phone")


class Employment(models.Model):
    """One period at one institution (从业经历)."""

    # Both keys are covered by the indexes below that start with them.
    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="employments", db_index=False)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="employments",
        db_index=False,
    )
    post = models.CharField(_("post"), max_length=60)
    # The catalogue post the typed text names (resolved through the "post" synonyms); None: not recognised.
    post_ref = models.ForeignKey(
        "staffing.Post",
        verbose_name=_("catalogue post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="employments",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    has_labour_contract = models.BooleanField(_("labour contract signed"), default=False)
    is_part_time = models.BooleanField(_("part-time"), default=False)
    end_reason = models.CharField(_("reason for leaving"), max_length=100, blank=True)
    verification, verified_by, verified_at = verification_fields()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        indexes = [
            models.Index(fields=["institution", "end_date"], name="employment_institution_open"),
            models.Index(fields=["worker", "start_date"], name="employment_worker_start"),
        ]
        constraints = [
            # One current full-time post per worker; part-time posts may run beside it.
            models.UniqueConstraint(
                fields=["worker"],
                condition=Q(end_date__isnull=True, is_part_time=False),
                name="employment_one_current_full_time",
            ),
            models.CheckConstraint(
                name="employment_end_not_before_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker_id} @ {self.institution_id} {self.start_date}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None
