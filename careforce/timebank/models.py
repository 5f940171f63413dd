"""The time bank (时间储蓄): volunteers, service sites, verified service records, an append-only double-entry
ledger of hours and of points (积分), withdrawals as service orders, rules as data.

The ledger: every Movement has exactly two Entry rows whose amounts sum to zero (one account debited, one
credited). Entries and movements are append-only: the database refuses UPDATE and DELETE on them (triggers,
careforce.timebank.db). A correction is a reversal movement. Each account keeps its balance on its row,
changed in the movement's transaction under a row lock; a person's account may never go below zero (a check
constraint, and the services refuse first). System accounts (the verified-service source, the public pool,
holds, redeemed) are exempt by design.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from careforce.core.masking import mask_id_number, mask_phone
from careforce.core.models import District, EnglishName

ZERO = Decimal("0")


class Unit(models.TextChoices):
    HOURS = "hours", pgettext_lazy("time bank", "Hours")
    POINTS = "points", _("Points")


class SiteKind(models.TextChoices):
    INSTITUTION = "institution", _("Care institution")
    COMMUNITY = "community", _("Community station")
    OTHER = "other", _("Other site")


class Organisation(models.Model):
    """A volunteer organisation (志愿服务组织)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)

    class Meta:
        ordering = ["name"]
        verbose_name = _("volunteer organisation")
        verbose_name_plural = _("volunteer organisations")

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A service site that verifies service done there: a care institution or a community station."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=SiteKind.choices)
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    # The institution whose administrators verify at this site (none: the district verifies).
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("service site")
        verbose_name_plural = _("service sites")

    def __str__(self) -> str:
        return self.name


class ServiceKind(EnglishName):
    """A kind of service (陪伴, 助餐, 助洁…) and the points one verified hour of it earns."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    points_per_hour = models.DecimalField(_("points per hour"), max_digits=8, decimal_places=2, default=10)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("service kind")
        verbose_name_plural = _("service kinds")

    def __str__(self) -> str:
        return self.name


class Rules(models.Model):
    """The time bank's rules (one row, edited by an administrator; defaults from the migration)."""

    cap_hours = models.DecimalField(
        _("cap on a person's hours"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("1500"),
        help_text=_("Hours above the cap are donated to the public pool."),
    )
    daily_limit_hours = models.DecimalField(
        _("hours one account may withdraw per day"), max_digits=8, decimal_places=2, default=Decimal("8")
    )
    min_withdrawal_age = models.PositiveSmallIntegerField(
        _("minimum age to withdraw for oneself"), default=60
    )
    district_check_above_hours = models.DecimalField(
        _("a record above this many hours needs the district's second check"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("8"),
    )
    expiry_months = models.PositiveSmallIntegerField(
        _("months after which deposited hours expire"),
        null=True,
        blank=True,
        help_text=_(
            "Empty: hours never expire. Set: hours deposited more than this many months ago and not spent "
            "since (oldest hours are spent first) expire every night."
        ),
    )
    points_per_hour = models.DecimalField(
        _("points per verified hour (kinds without their own rate)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("10"),
    )

    class Meta:
        verbose_name = _("time-bank rules")
        verbose_name_plural = _("time-bank rules")

    def __str__(self) -> str:
        return str(_("time-bank rules"))


class ProtectedIdentity(models.Model):
    """An ID number and a phone kept as the registry keeps workers': encrypted, a blind index for lookups and
    uniqueness, the region and last four for the mask. The birth date (for the withdrawal age) is never shown."""

    name = models.CharField(_("name"), max_length=60)
    id_number_encrypted = models.BinaryField(editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_region = models.CharField(max_length=6, editable=False)
    id_last4 = models.CharField(max_length=4, editable=False)
    birth_date = models.DateField(editable=False)
    phone_encrypted = models.BinaryField(null=True, editable=False)
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    phone_prefix = models.CharField(max_length=3, blank=True, editable=False)
    phone_last4 = models.CharField(max_length=4, blank=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_region)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone_prefix, self.phone_last4)


class Volunteer(ProtectedIdentity):
    """A person who serves and holds a time account: a registry worker or not (younger-old people, students,
    residents)."""

    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    worker = models.OneToOneField(
        "registry.Worker",
        verbose_name=_("worker record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sign-in account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [models.UniqueConstraint(fields=["id_number_hash"], name="volunteer_id_once")]


class Relationship(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")


class Relative(ProtectedIdentity):
    """A relative registered by a volunteer, who may receive services paid from the volunteer's hours and,
    when registered as a volunteer too, receive transfers."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="relatives"
    )
    relationship = models.CharField(_("relationship"), max_length=10, choices=Relationship.choices)
    district = models.ForeignKey(District, verbose_name=_("district"), on_delete=models.PROTECT)
    as_volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("the relative's own volunteer record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("relative")
        verbose_name_plural = _("relatives")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "id_number_hash"], name="relative_once_per_volunteer"
            )
        ]


class AccountKind(models.TextChoices):
    PERSON = "person", _("Volunteer")
    SOURCE = "source", _("Verified service (source)")
    POOL = "pool", _("Public pool")
    HELD = "held", _("Held for open orders")
    REDEEMED = "redeemed", _("Redeemed")
    EXPIRED = "expired", _("Expired")


class Account(models.Model):
    """A ledger account: a volunteer's hours or points, or a system account (one per kind and unit)."""

    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    volunteer = models.ForeignKey(
        Volunteer, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["id"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "unit"], condition=Q(kind="person"), name="account_one_per_person_unit"
            ),
            models.UniqueConstraint(
                fields=["kind", "unit"], condition=~Q(kind="person"), name="account_one_system_per_unit"
            ),
            models.CheckConstraint(
                name="account_person_has_volunteer",
                condition=Q(kind="person", volunteer__isnull=False)
                | (~Q(kind="person") & Q(volunteer__isnull=True)),
            ),
            # A person's balance never goes negative; the source account is negative by design.
            models.CheckConstraint(
                name="account_person_not_negative", condition=~Q(kind="person") | Q(balance__gte=0)
            ),
        ]

    def __str__(self) -> str:
        if self.kind == AccountKind.PERSON:
            return f"{self.volunteer} · {self.get_unit_display()}"
        return f"{self.get_kind_display()} · {self.get_unit_display()}"


class MovementKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit of verified service")
    DONATION = "donation", _("Donation to the public pool")
    HOLD = "hold", _("Held for a service order")
    RELEASE = "release", _("Order cancelled, hours returned")
    REDEEM = "redeem", _("Service order confirmed")
    TRANSFER = "transfer", _("Transfer to a relative")
    POOL_GRANT = "pool_grant", _("Grant from the public pool")
    POINTS_EARN = "points_earn", _("Points earned")
    POINTS_REDEEM = "points_redeem", _("Points redeemed")
    REVERSAL = "reversal", _("Reversal")
    EXPIRY = "expiry", _("Hours expired")


class Movement(models.Model):
    """One movement of hours or points: always two entries summing to zero. Append-only."""

    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # What caused it, unique: a service record credits once, an order holds once, a batch re-run adds nothing.
    source_key = models.CharField(_("source key"), max_length=120, unique=True, null=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    memo = models.CharField(_("memo"), max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("ledger movement")
        verbose_name_plural = _("ledger movements")
        constraints = [models.CheckConstraint(name="movement_amount_positive", condition=Q(amount__gt=0))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class Entry(models.Model):
    """One side of a movement: a signed amount on one account, and that account's balance after it."""

    movement = models.ForeignKey(Movement, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries", db_index=False)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=14, decimal_places=2)
    at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        # The statement reads an account's newest entries first: one index walk, whatever the ledger's size.
        indexes = [models.Index(fields=["account", "-id"], name="entry_account_newest")]
        constraints = [models.CheckConstraint(name="entry_amount_not_zero", condition=~Q(amount=0))]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"


class RecordStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting the site's verification")
    DISTRICT_CHECK = "district_check", _("Awaiting the district's second check")
    CREDITED = "credited", _("Verified and credited")
    REJECTED = "rejected", _("Rejected")


class ServiceRecord(models.Model):
    """A service done by a volunteer: who served whom, where, when, how long, what kind. Hours reach the
    volunteer's account only once verified (and checked by the district above the threshold)."""

    source_key = models.CharField(_("source key"), max_length=100, unique=True)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="records"
    )
    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="records")
    kind = models.ForeignKey(ServiceKind, verbose_name=_("kind of service"), on_delete=models.PROTECT)
    recipient = models.CharField(_("served person"), max_length=120)
    served_on = models.DateField(_("served on"))
    hours = models.DecimalField(pgettext_lazy("time bank", "hours"), max_digits=6, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=20, choices=RecordStatus.choices, default=RecordStatus.SUBMITTED
    )
    site_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    site_verified_at = models.DateTimeField(null=True, blank=True)
    district_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district_checked_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        indexes = [models.Index(fields=["site", "status"], name="record_site_status")]
        constraints = [
            models.CheckConstraint(name="record_hours_positive", condition=Q(hours__gt=0) & Q(hours__lte=24))
        ]

    def __str__(self) -> str:
        return self.source_key


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    DELIVERED = "delivered", _("Delivered")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceOrder(models.Model):
    """A withdrawal: hours paid for a service a site delivers (anywhere in the city, 通存通兑) to the volunteer
    or a registered relative, and the recipient confirms. The hours are held from the request on."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("paying volunteer"), on_delete=models.PROTECT, related_name="orders"
    )
    relative = models.ForeignKey(
        Relative,
        verbose_name=_("relative served"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty: the volunteer is served."),
    )
    site = models.ForeignKey(
        Site, verbose_name=_("providing site"), on_delete=models.PROTECT, related_name="orders"
    )
    kind = models.ForeignKey(ServiceKind, verbose_name=_("kind of service"), on_delete=models.PROTECT)
    hours = models.DecimalField(pgettext_lazy("time bank", "hours"), max_digits=6, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.REQUESTED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        indexes = [models.Index(fields=["site", "status"], name="order_site_status")]
        constraints = [
            models.CheckConstraint(name="order_hours_positive", condition=Q(hours__gt=0) & Q(hours__lte=24))
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.hours}"

    @property
    def recipient_name(self) -> str:
        return self.relative.name if self.relative_id else self.volunteer.name


class Reward(models.Model):
    """An item of the points catalogue."""

    name = models.CharField(_("name"), max_length=120)
    points = models.DecimalField(_("points"), max_digits=10, decimal_places=2)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["points", "id"]
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        constraints = [models.CheckConstraint(name="reward_points_positive", condition=Q(points__gt=0))]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="redemptions")
    reward = models.ForeignKey(Reward, on_delete=models.PROTECT)
    points = models.DecimalField(_("points"), max_digits=10, decimal_places=2)
    movement = models.OneToOneField(Movement, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.reward}"


class DistrictTally(models.Model):
    """The time bank's figures per district, kept by the services in the transaction of each change (so a
    read of the desk or the dashboard reads one row per district, whatever the ledger's size). Definitions:
    careforce/timebank/tally.py; `careforce timebank_reconcile` proves them equal to the records."""

    district = models.OneToOneField(District, on_delete=models.PROTECT, primary_key=True, related_name="+")
    volunteers = models.PositiveIntegerField(default=0)
    deposited = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    withdrawn = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    open = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    donated = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    expired = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("time-bank district tally")
        verbose_name_plural = _("time-bank district tallies")

    def __str__(self) -> str:
        return f"{self.district_id}"
