"""Reference data, accounts and roles, the audit trail, the personal-data access log, API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DistrictKind(models.TextChoices):
    DISTRICT = "district", _("District")
    COUNTY = "county", _("County")
    AUTONOMOUS_COUNTY = "autonomous_county", _("Autonomous county")
    FUNCTIONAL_ZONE = "functional_zone", _("Functional zone")


class District(models.Model):
    """A county-level unit of Chongqing (GB/T 2260 code) or one of the three functional zones."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=DistrictKind.choices)
    # Older people (60+) living in the district: the denominator of density and social-worker ratios.
    older_population = models.PositiveIntegerField(_("older population (60+)"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City administrator")
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    INSTITUTION_ADMIN = "institution_admin", _("Institution administrator")
    AUDITOR = "auditor", _("Auditor")
    WORKER = "worker", _("Worker")


class User(AbstractUser):
    """An account. Its role and the district / institution / worker it is bound to define its scope."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.WORKER)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    worker = models.OneToOneField(
        "registry.Worker",
        verbose_name=_("worker record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("unmask_pii", _("Can view unmasked ID numbers and phone numbers"))]
        constraints = [
            models.CheckConstraint(
                name="user_district_admin_has_district",
                condition=~Q(role="district_admin") | Q(district__isnull=False),
            ),
            models.CheckConstraint(
                name="user_institution_admin_has_institution",
                condition=~Q(role="institution_admin") | Q(institution__isnull=False),
            ),
            models.CheckConstraint(
                name="user_worker_has_record", condition=~Q(role="worker") | Q(worker__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    TRANSFER = "transfer", _("Transferred")
    END = "end", _("Ended")


class AuditEvent(models.Model):
    """One change to a record: who, when, what, before and after. Written in the change's transaction.

    Subject ids are plain integers, not foreign keys, so the trail outlives the records it describes.
    Personal data appears here masked only.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # No database constraint: the trail is written beside every change (two rows for each imported person)
    # and a foreign-key check at commit costs more than the row. The actor is always a saved user, and
    # Django still applies SET_NULL should an account ever be deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.BigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    changes = models.JSONField(_("changes"), default=dict)
    worker_id = models.BigIntegerField(null=True, db_index=True)
    institution_id = models.BigIntegerField(null=True, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class PiiField(models.TextChoices):
    ID_NUMBER = "id_number", _("Resident ID number")
    PHONE = "phone", _("Phone")


class PiiAccess(models.Model):
    """One unmasked view of a worker's ID number or phone: who saw whose, when and why."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("viewer"), on_delete=models.PROTECT)
    worker = models.ForeignKey(
        "registry.Worker", verbose_name=_("worker"), on_delete=models.PROTECT, related_name="pii_accesses"
    )
    field = models.CharField(_("field"), max_length=20, choices=PiiField.choices)
    reason = models.CharField(_("reason"), max_length=300)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, default="web")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")

    def __str__(self) -> str:
        return f"{self.actor_id} → {self.worker_id} {self.field}"


class ApiToken(models.Model):
    """A bearer token for a system client. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
