"""Care institutions and community / home-care service organisations (养老服务机构)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from careforce.core.models import District


class InstitutionKind(models.TextChoices):
    INSTITUTION = "institution", _("Care institution")
    COMMUNITY = "community", _("Community service organisation")
    HOME_CARE = "home_care", _("Home-care service organisation")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")
    PUBLIC_BUILT_PRIVATE_RUN = "public_built_private_run", _("Public-built, privately run")


# The five ability levels of GB/T 42195-2022, as (field, label) pairs, in order.
RESIDENT_LEVEL_FIELDS = (
    ("residents_able", _("Fully able")),
    ("residents_mild", _("Mildly disabled")),
    ("residents_moderate", _("Moderately disabled")),
    ("residents_severe", _("Severely disabled")),
    ("residents_total", _("Totally disabled")),
)


class Institution(models.Model):
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=120)
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="institutions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices)
    ownership = models.CharField(_("ownership"), max_length=30, choices=Ownership.choices)
    is_public_service_unit = models.BooleanField(_("public-service unit (事业单位)"), default=False)
    star_grade = models.PositiveSmallIntegerField(
        _("star grade"), default=0, validators=[MaxValueValidator(5)]
    )
    beds = models.PositiveIntegerField(_("beds"), default=0)
    residents_able = models.PositiveIntegerField(_("residents: fully able"), default=0)
    residents_mild = models.PositiveIntegerField(_("residents: mildly disabled"), default=0)
    residents_moderate = models.PositiveIntegerField(_("residents: moderately disabled"), default=0)
    residents_severe = models.PositiveIntegerField(_("residents: severely disabled"), default=0)
    residents_total = models.PositiveIntegerField(_("residents: totally disabled"), default=0)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # The head (负责人): a worker of the registry holding a current post here or, until that person is
    # registered, their name. An institution with neither is a gap on the heads' training (领雁) list.
    head = models.ForeignKey(
        "registry.Worker",
        verbose_name=_("head (负责人)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_institutions",
    )
    head_pending_name = models.CharField(_("head pending registration"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["district__sort_order", "name", "id"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        indexes = [models.Index(fields=["district", "name"])]
        constraints = [
            models.CheckConstraint(name="institution_star_grade_0_5", condition=models.Q(star_grade__lte=5)),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_head(self) -> bool:
        return self.head_id is not None or bool(self.head_pending_name)

    @property
    def residents(self) -> int:
        return sum(getattr(self, field) for field, _label in RESIDENT_LEVEL_FIELDS)
