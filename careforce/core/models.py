"""Reference data, accounts and roles, the audit trail, the personal-data access log, API tokens."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin


class EnglishName(models.Model):
    """A reference row named in Chinese (the policy's words, matched by imports and synonyms) that the English
    pages show in English: `label` chooses by the active language. Filled by data migration from
    careforce.core.english_names; kept as data (the Django admin edits it)."""

    name_en = models.CharField(_("name in English"), max_length=120, blank=True)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        return localized_name(self)


def localized_name(row) -> str:
    """The row's name in the active language: English when the page is English and the row has one."""
    language = translation.get_language() or ""
    if language.startswith("en") and getattr(row, "name_en", ""):
        return row.name_en
    return row.name


class DistrictKind(models.TextChoices):
    DISTRICT = "district", _("District")
    COUNTY = "county", _("County")
    AUTONOMOUS_COUNTY = "autonomous_county", _("Autonomous county")
    FUNCTIONAL_ZONE = "functional_zone", _("Functional zone")


class District(EnglishName):
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
    # The bodies the bureau registers: a training base runs the sessions held there, an evaluation body
    # records the certificates it issues (within its registered range).
    TRAINING_BASE = "training_base", _("Training base")
    EVALUATION_BODY = "evaluation_body", _("Evaluation body")
    # The three administrators of MLPS level 3 (三员分立): each holds one duty and sees no personal record.
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    # An account the system administrator made and the security administrator has not yet given a role.
    NONE = "none", _("No role yet")


# Roles that run the platform rather than its records: they use the Django admin and see no personal record.
ADMINISTRATOR_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class User(AbstractUser):
    """An account. Its role and the district / institution / worker it is bound to define its scope."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.NONE)
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
    training_base = models.ForeignKey(
        "training.TrainingBase",
        verbose_name=_("training base"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    evaluation_body = models.ForeignKey(
        "skills.EvaluationBody",
        verbose_name=_("evaluation body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    # Bumped in the same transaction as any change of the account's groups, permissions or second-factor
    # devices (careforce/core/account_cache.py): the row every request loads anyway then tells each process
    # whether what it keeps in memory about the account is still current, without another statement.
    access_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("unmask_pii", _("Can view unmasked ID numbers and phone numbers")),
            # Separation of duties: who may give roles, who unlocks and resets, who reads the trail.
            ("assign_roles", _("Can assign roles and scopes to accounts")),
            ("manage_sign_in", _("Can unlock accounts and reset their second factor")),
            ("view_sign_in_failures", _("Can see failed sign-ins and lockouts")),
            ("view_audit_trail", _("Can read the audit trail and the access logs")),
        ]
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
            models.CheckConstraint(
                name="user_training_base_has_base",
                condition=~Q(role="training_base") | Q(training_base__isnull=False),
            ),
            models.CheckConstraint(
                name="user_evaluation_body_has_body",
                condition=~Q(role="evaluation_body") | Q(evaluation_body__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        # A superuser holds every duty at once (records, accounts, roles, the audit trail), which separation of
        # duties forbids: production runs with the system, security and audit administrators instead.
        if self.is_superuser and not settings.DEVELOPMENT:
            raise PermissionDenied(
                "Production has no superuser: create the three administrators with "
                "`careforce create-account USERNAME --role system_admin|security_admin|audit_admin` "
                "(docs/operations.md)."
            )
        super().save(*args, **kwargs)


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
    # The digest chain (careforce/core/audit_chain.py): filled after commit by the sealing task, in the order
    # it seals, so writers never wait on one another for the chain's head.
    seal_seq = models.BigIntegerField(null=True, unique=True, editable=False)
    seal_digest = models.CharField(max_length=80, blank=True, editable=False)

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


class AccessKind(models.TextChoices):
    VIEW = "view", _("Viewed the record")
    REVEAL = "reveal", _("Unmasked a value")
    LOOKUP_ID = "lookup_id", _("Looked up a full ID number")
    LOOKUP_PHONE = "lookup_phone", _("Looked up a full phone number")


class AccessChannel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")


class RecordAccess(models.Model):
    """The access log of reads: a view of a person's record by someone else, an unmasking, or a lookup by a
    full ID number or phone (whom: the person the number belongs to, whether or not the searcher could see
    them; empty when it belongs to nobody). Written on a read — the one kind of write a read may do
    (docs/security.md) —, one row, no foreign-key checks (like the audit trail)."""

    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )
    worker = models.ForeignKey(
        "registry.Worker",
        verbose_name=_("whom"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AccessKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=AccessChannel.choices)
    result_count = models.PositiveIntegerField(_("results"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("record access")
        verbose_name_plural = _("access log of reads")
        indexes = [
            models.Index(fields=["worker", "at"], name="record_access_worker_at"),
            models.Index(fields=["actor", "at"], name="record_access_actor_at"),
            models.Index(fields=["at"], name="record_access_at"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.kind} {self.worker_id}"


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


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A user's one-time recovery codes for the second factor, kept as SHA-256 digests only.

    django-otp's static device stores its codes as typed; these are stored hashed, like API tokens. Each
    code is 80 random bits, so a plain SHA-256 cannot be reversed by trying codes. A code is deleted when
    used; the set is replaced when regenerated.
    """

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        digest = RecoveryCode.digest(str(token))
        used, _deleted = self.codes.filter(code_hash=digest).delete()
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment()
        return bool(used)


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return f"{self.code_hash[:8]}…"

    @staticmethod
    def normalize(code: str) -> str:
        """What a person types, as it was issued: case, spaces and hyphens do not matter."""
        return "".join(ch for ch in code.lower() if ch.isalnum())

    @classmethod
    def digest(cls, code: str) -> str:
        return hashlib.sha256(cls.normalize(code).encode()).hexdigest()


class ChainHead(models.Model):
    """The head of one digest chain ("audit", or a frozen report table): last sequence number and digest."""

    chain = models.CharField(max_length=60, unique=True)
    seq = models.BigIntegerField(default=0)
    digest = models.CharField(max_length=80, blank=True)
    sealed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}"


class RecordSeal(models.Model):
    """A link of the digest chain over a table of frozen rows (period reports, published rankings): those
    rows are written once, so their digest lives beside them, not in them."""

    chain = models.CharField(max_length=60)
    seq = models.BigIntegerField()
    object_id = models.BigIntegerField()
    digest = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="record_seal_seq"),
            models.UniqueConstraint(fields=["chain", "object_id"], name="record_seal_object"),
        ]

    def __str__(self) -> str:
        return f"{self.chain} #{self.seq}"


class RotationProgress(models.Model):
    """How far `careforce rotate-pii-keys` got in one table, committed with each batch, so that a run
    killed half way resumes where it stopped (while it moves to the same suite and key)."""

    step = models.CharField(max_length=80, unique=True)
    target = models.CharField(max_length=120)
    last_pk = models.BigIntegerField(default=0)
    moved = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.step} > {self.last_pk}"


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday (no work)")
    ADJUSTED_WORKDAY = "adjusted_workday", _("Adjusted working day (weekend worked, 调休)")


class CalendarDay(models.Model):
    """A day that breaks the Monday-to-Friday rule: a public holiday, or a weekend day worked in exchange
    (调休). Loaded from the State Council's yearly notice; the next year's rows are added in the admin."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=40, blank=True)  # 春节, 国庆节…

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self) -> str:
        return f"{self.date} {self.name or self.get_kind_display()}"


class Verification(models.TextChoices):
    """How far a record has been checked (核验): as the person reported it, confirmed by the institution
    that employs them, or checked against the authority that issued it (a certificate's evaluation body)."""

    SELF_REPORTED = "self_reported", _("Self-reported")
    INSTITUTION_CONFIRMED = "institution_confirmed", _("Confirmed by the institution")
    AUTHORITY_CHECKED = "authority_checked", _("Checked against the issuing authority")


def verification_fields() -> tuple[models.Field, models.Field, models.Field]:
    """The three columns of a verified record: its status, by whom and when (set by the verify services)."""
    return (
        models.CharField(
            _("verification"), max_length=24, choices=Verification.choices, default=Verification.SELF_REPORTED
        ),
        models.ForeignKey(
            settings.AUTH_USER_MODEL,
            verbose_name=_("verified by"),
            null=True,
            blank=True,
            on_delete=models.PROTECT,
            related_name="+",
            db_index=False,
        ),
        models.DateTimeField(_("verified at"), null=True, blank=True),
    )


class SynonymOrigin(models.TextChoices):
    POLICY = "policy", _("Wording of the policy")
    OFFICIAL = "official", _("Common official variant")
    OLD_LABEL = "old_label", _("Former label")
    ADDED = "added", _("Added by an administrator")


class Synonym(models.Model):
    """Another phrase for an entry of a reference list (careforce.core.vocabulary): what officials write.

    Matched on `key` (the phrase's match key), unique per list, so one phrase names one entry. The phrase is
    kept as typed; the record a phrase resolves to is stored as that list's entry, never as the phrase."""

    list_name = models.CharField(_("list"), max_length=30)
    entry = models.CharField(_("entry"), max_length=40, help_text=_("The code of the list's entry."))
    phrase = models.CharField(_("phrase"), max_length=60)
    key = models.CharField(_("match key"), max_length=60, editable=False)
    origin = models.CharField(
        _("origin"), max_length=10, choices=SynonymOrigin.choices, default=SynonymOrigin.ADDED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["list_name", "entry", "id"]
        verbose_name = _("synonym")
        verbose_name_plural = _("synonyms")
        constraints = [
            models.UniqueConstraint(fields=["list_name", "key"], name="synonym_one_entry_per_phrase")
        ]

    def __str__(self) -> str:
        return self.phrase
