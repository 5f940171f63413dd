"""Vacancies and trainee posts (就业见习岗位) published by institutions, job seekers from the policy's key
groups registered with consent, and hires that put the person into the registry.

A job seeker's ID number and phone are kept as the registry keeps a worker's: encrypted, a blind index for
uniqueness and lookups, region and last four digits for the mask. When consent is withdrawn the personal
data is erased (anonymised row: district, key group, education and dates stay, for the counts).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from careforce.core.masking import mask_id_number, mask_phone
from careforce.core.models import District
from careforce.registry.models import Education, HukouType, SourceChannel

# Education in rising order: a vacancy's minimum is met by this level or any after it.
EDUCATION_ORDER = [value for value, _label in Education.choices]


class VacancyKind(models.TextChoices):
    JOB = "job", pgettext_lazy("vacancy kind", "Vacancy")
    TRAINEE = "trainee", pgettext_lazy("vacancy kind", "Trainee post")


class VacancyStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FILLED = "filled", _("Filled")
    CLOSED = "closed", _("Closed")


class SeekerStatus(models.TextChoices):
    SEEKING = "seeking", _("Seeking work")
    HIRED = "hired", _("Hired")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")


class ConsentText(models.Model):
    """The consent text a job seeker agrees to, versioned (data: a new wording is a new row)."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    text = models.TextField(_("text"))
    published_on = models.DateField(_("published on"))

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")

    def __str__(self) -> str:
        return self.version


class Vacancy(models.Model):
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="vacancies",
    )
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=10, choices=VacancyKind.choices, default=VacancyKind.JOB)
    # The post as the institution typed it, and what it resolved to (resolve_post).
    post_text = models.CharField(_("post"), max_length=60)
    occupation = models.ForeignKey(
        "registry.Occupation", verbose_name=_("occupation"), on_delete=models.PROTECT
    )
    number = models.PositiveSmallIntegerField(_("number of posts"))
    filled = models.PositiveSmallIntegerField(_("filled"), default=0)
    requirements = models.TextField(_("requirements"), blank=True)
    min_education = models.CharField(
        _("minimum education"), max_length=20, choices=Education.choices, blank=True
    )
    pay_min = models.PositiveIntegerField(_("pay from (yuan a month)"))
    pay_max = models.PositiveIntegerField(_("pay up to (yuan a month)"))
    closing_date = models.DateField(_("closing date"))
    status = models.CharField(
        _("status"), max_length=10, choices=VacancyStatus.choices, default=VacancyStatus.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        indexes = [models.Index(fields=["district", "status", "closing_date"], name="vacancy_matching")]
        constraints = [
            models.CheckConstraint(
                name="vacancy_filled_within_number", condition=Q(filled__lte=models.F("number"))
            ),
            models.CheckConstraint(name="vacancy_pay_range", condition=Q(pay_min__lte=models.F("pay_max"))),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.post_text}"

    @property
    def remaining(self) -> int:
        return self.number - self.filled


class JobSeeker(models.Model):
    """A person from a key group looking for work in elderly care, registered with their consent."""

    name = models.CharField(_("name"), max_length=60)
    id_number_encrypted = models.BinaryField(editable=False)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False)
    id_region = models.CharField(max_length=6, blank=True, editable=False)
    id_last4 = models.CharField(max_length=4, blank=True, editable=False)
    phone_encrypted = models.BinaryField(null=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_prefix = models.CharField(max_length=3, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)

    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    source_channel = models.CharField(_("key group"), max_length=30, choices=SourceChannel.choices)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    hukou_type = models.CharField(_("hukou type"), max_length=10, choices=HukouType.choices)
    wanted_post_text = models.CharField(_("post wanted"), max_length=60)
    wanted_occupation = models.ForeignKey(
        "registry.Occupation", verbose_name=_("occupation wanted"), on_delete=models.PROTECT
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SeekerStatus.choices, default=SeekerStatus.SEEKING
    )
    consent_at = models.DateTimeField(_("consent given at"))
    consent_text = models.ForeignKey(ConsentText, verbose_name=_("consent text"), on_delete=models.PROTECT)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn at"), null=True, blank=True)
    worker = models.ForeignKey(
        "registry.Worker",
        verbose_name=_("worker record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("job seeker")
        verbose_name_plural = _("job seekers")
        indexes = [models.Index(fields=["district", "status", "wanted_occupation"], name="seeker_matching")]
        constraints = [
            # One registration per person; erased rows (no hash) do not count.
            models.UniqueConstraint(
                fields=["id_number_hash"], condition=~Q(id_number_hash=""), name="seeker_id_once"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_region) if self.id_region else "—"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone_prefix, self.phone_last4)

    @property
    def is_erased(self) -> bool:
        return self.consent_withdrawn_at is not None


class Hire(models.Model):
    """A job seeker taken on for a vacancy: the employment it opened in the registry."""

    vacancy = models.ForeignKey(Vacancy, on_delete=models.PROTECT, related_name="hires")
    seeker = models.ForeignKey(JobSeeker, on_delete=models.PROTECT, related_name="hires")
    worker = models.ForeignKey("registry.Worker", on_delete=models.PROTECT, related_name="+")
    # The key group at the time of the hire (kept when the seeker's data is erased later).
    source_channel = models.CharField(_("key group"), max_length=30, choices=SourceChannel.choices)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("start date"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("hire")
        verbose_name_plural = _("hires")
        constraints = [models.UniqueConstraint(fields=["vacancy", "seeker"], name="hire_once_per_vacancy")]

    def __str__(self) -> str:
        return f"{self.vacancy_id} ← {self.seeker_id}"
