"""Labour contracts and insurance per worker; subsidy schemes kept as data, their eligibility runs, public
notices with objections, district review, and the payments, which are never paid twice and never edited.

Eligibility results are one row per worker and run with the conditions met as a bit set (`conditions_met`,
bit n = `CONDITIONS[n]`), so a run over a million workers writes a million narrow rows, not one per
condition, and the explanation is read back from the bits.

Payments: a row is written once. A correction or clawback is a reversal entry (a row with the opposite
amount that names the payment it reverses); the only change the database lets through on a payment is
marking it reversed (triggers in the migration refuse every other UPDATE and every DELETE). The partial
unique indexes over payments that are neither reversed nor reversals make a second payment of the same
scheme and key (tranche, period or level) impossible, also across schemes of one combination group, while a
reversed payment can be paid again correctly.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from careforce.core.models import District, User
from careforce.institutions.models import Institution
from careforce.registry.models import Worker


class ContractType(models.TextChoices):
    FIXED_TERM = "fixed_term", _("Fixed-term")
    OPEN_ENDED = "open_ended", _("Open-ended")
    PART_TIME = "part_time", _("Part-time")
    AGENCY = "agency", _("Agency (labour dispatch)")
    PUBLIC_INSTITUTION = "public_institution", _("Public-institution post (事业编制)")


class LabourContract(models.Model):
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="labour_contracts"
    )
    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.PROTECT)
    contract_type = models.CharField(_("contract type"), max_length=20, choices=ContractType.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # Whole months of the agreed term (None: open-ended), so "a contract of at least N years" is one
    # comparison in SQL on both databases.
    term_months = models.PositiveIntegerField(null=True, editable=False)
    renewal_of = models.ForeignKey(
        "self",
        verbose_name=_("renewal of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewals",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("labour contract")
        verbose_name_plural = _("labour contracts")
        indexes = [
            models.Index(fields=["worker", "start_date"], name="contract_worker"),
            models.Index(fields=["institution", "end_date"], name="contract_institution_end"),
        ]
        constraints = [
            models.CheckConstraint(
                name="contract_end_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.get_contract_type_display()}"


class InsuranceKind(models.TextChoices):
    WORK_INJURY = "work_injury", _("Work-injury insurance")
    ACCIDENT = "accident", _("Accident insurance")
    SUPPLEMENTARY_MEDICAL = "supplementary_medical", _("Supplementary medical insurance")
    ENTERPRISE_ANNUITY = "enterprise_annuity", _("Enterprise annuity")


class InsuranceCover(models.Model):
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="insurance_covers"
    )
    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.PROTECT)
    kind = models.CharField(_("insurance"), max_length=30, choices=InsuranceKind.choices)
    insurer = models.CharField(_("insurer"), max_length=120)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("insurance cover")
        verbose_name_plural = _("insurance covers")
        indexes = [
            models.Index(fields=["worker", "kind"], name="cover_worker"),
            models.Index(fields=["institution", "end_date"], name="cover_institution_end"),
        ]
        constraints = [
            models.CheckConstraint(
                name="cover_end_after_start", condition=Q(end_date__gte=models.F("start_date"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {self.get_kind_display()}"


class SchemeKind(models.TextChoices):
    ENTRY = "entry", _("Entry subsidy by education, in tranches")
    MONTHLY_POST = "monthly_post", _("Monthly post allowance by skill level")
    ONE_OFF_SKILL = "one_off_skill", _("One-off skill subsidy per level")
    TRAINING = "training", _("Training subsidy")


class SchemeLevel(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")


class Scheme(models.Model):
    """A subsidy scheme (补贴方案). Amounts are kept as data: `amounts` maps an education code (entry) or a
    skill-level rank (monthly post, one-off skill) to yuan, or "*" to one amount for everyone; `tranches`
    lists (years of continuous service, percent) for entry subsidies paid in parts."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=SchemeKind.choices)
    level = models.CharField(_("level"), max_length=10, choices=SchemeLevel.choices, default=SchemeLevel.CITY)
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT
    )
    is_example = models.BooleanField(
        _("example from another city"),
        default=False,
        help_text=_("Not a Chongqing scheme; loaded to show how rules are written."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    amounts = models.JSONField(_("amounts (yuan)"), default=dict)
    tranches = models.JSONField(_("tranches"), default=list, blank=True)
    # Conditions (empty: not required).
    min_years_in_care = models.PositiveSmallIntegerField(
        _("years in care posts at least"), null=True, blank=True
    )
    min_continuous_years = models.PositiveSmallIntegerField(
        _("years of continuous service at least"), null=True, blank=True
    )
    min_contract_years = models.PositiveSmallIntegerField(
        _("labour contract of at least (years)"), null=True, blank=True
    )
    min_skill_rank = models.PositiveSmallIntegerField(_("skill level rank at least"), null=True, blank=True)
    exclude_dishonest = models.BooleanField(_("not on the dishonesty list"), default=True)
    exclude_public_institution = models.BooleanField(
        _("not in a public-institution post (事业编制)"), default=False
    )
    min_completeness_percent = models.PositiveSmallIntegerField(
        _("institution's record completeness at least (%)"), null=True, blank=True
    )
    # Overlap rule: schemes sharing a combination group do not add up — a worker is paid by one of them per
    # key (tranche, period or level), whichever batch pays first; schemes without a group add up.
    combination_group = models.CharField(_("combination group"), max_length=40, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("public notice (days)"), default=7)
    starts_on = models.DateField(_("in force from"))
    ends_on = models.DateField(_("in force until"), null=True, blank=True)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["is_example", "code"]
        verbose_name = _("subsidy scheme")
        verbose_name_plural = _("subsidy schemes")
        constraints = [
            models.CheckConstraint(
                name="scheme_district_level",
                condition=(Q(level="district") & Q(district__isnull=False))
                | (Q(level="city") & Q(district__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    NOTICE = "notice", _("On public notice")
    REVIEW = "review", _("Under review")
    CLOSED = "closed", _("Paid")


class EligibilityRun(models.Model):
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="runs"
    )
    district = models.ForeignKey(
        District, verbose_name=_("district"), null=True, blank=True, on_delete=models.PROTECT
    )
    period = models.CharField(_("period"), max_length=7)  # YYYY-MM
    as_of = models.DateField(_("assessed on"))
    notice_until = models.DateField(_("public notice until"))
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.NOTICE)
    considered = models.PositiveIntegerField(default=0)
    qualified = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("eligibility run")
        verbose_name_plural = _("eligibility runs")

    def __str__(self) -> str:
        return f"{self.scheme} · {self.period}"


class Decision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Eligibility(models.Model):
    # No foreign-key constraints in the database on these four: the rows are written only by the run's
    # INSERT … SELECT, in the run's own transaction, with the ids read from the workers themselves, so they
    # hold by construction; checking them cost four index probes a row (15 of the 21 s of a 92,000-worker
    # run). One row per worker and run holds by the same construction (the SELECT reads each current worker
    # once), so there is no (run, worker) unique index to fill on every insert: every read is by run (its
    # page, approval and payment also by qualifies and decision), which the (run, qualifies, decision)
    # index serves, and single rows are read by id.
    run = models.ForeignKey(
        EligibilityRun, on_delete=models.CASCADE, related_name="results", db_constraint=False, db_index=False
    )
    worker = models.ForeignKey(
        Worker, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    institution = models.ForeignKey(
        Institution,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    conditions_met = models.IntegerField(default=0)  # bit set over CONDITIONS
    qualifies = models.BooleanField(default=False)
    payment_key = models.CharField(max_length=20, blank=True)  # tranche "t2", period "2026-11", level "L5"
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Indexed only where set (partial index below): a run inserts every row undecided, and the index is
    # there for the rows a deleted user decided, not for a NULL entry per row of every run.
    decided_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["run", "qualifies", "decision"], name="eligibility_run_decision"),
            models.Index(
                fields=["decided_by"], condition=Q(decided_by__isnull=False), name="eligibility_decided_by"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run} · {self.worker_id}"


class Objection(models.Model):
    """An objection raised during the public notice, and its answer."""

    eligibility = models.ForeignKey(Eligibility, on_delete=models.PROTECT, related_name="objections")
    text = models.TextField(_("objection"), max_length=2000)
    raised_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:50]


class PaymentBatch(models.Model):
    run = models.ForeignKey(EligibilityRun, on_delete=models.PROTECT, related_name="batches")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    paid_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)  # already paid (same scheme and key, or group)
    total = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.run}"


class Payment(models.Model):
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="payments")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+", db_index=False)
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="+", db_index=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    payment_key = models.CharField(max_length=20)
    group_key = models.CharField(max_length=64, null=True)  # "<combination group>:<key>", None: combines
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reversed = models.BooleanField(default=False)
    reverses = models.OneToOneField("self", null=True, on_delete=models.PROTECT, related_name="reversal")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "scheme", "payment_key"],
                condition=Q(reversed=False, reverses__isnull=True),
                name="payment_once_per_scheme_key",
            ),
            models.UniqueConstraint(
                fields=["worker", "group_key"],
                condition=Q(reversed=False, reverses__isnull=True, group_key__isnull=False),
                name="payment_once_per_group_key",
            ),
        ]
        indexes = [models.Index(fields=["district", "scheme"], name="payment_district_scheme")]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.amount}"


# ------------------------------------------------------------------ the dashboard's figures, kept on writes
# Definitions and upkeep: careforce/incentives/metrics.py. Reads of the dashboard read these rows only.


class PaidTally(models.Model):
    """Payments of one scheme in one district (Payment.district), net of reversals."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "scheme"], name="paid_tally_district_scheme")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} · {self.scheme_id}"


class CoveredTally(models.Model):
    """People with a payment not reversed in the district; the row is also the district's lock for it."""

    district = models.OneToOneField(District, on_delete=models.PROTECT, primary_key=True, related_name="+")
    people = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.district_id}"


class CoverFact(models.Model):
    """What one current care worker adds to the coverage counters: the days covered by a labour contract
    and by work-injury insurance, as merged [start, end] intervals (end None: open)."""

    worker = models.OneToOneField(Worker, on_delete=models.CASCADE, primary_key=True, related_name="+")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", db_index=False)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    contract = models.JSONField(default=list)
    injury = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.worker_id}"


class CoverDelta(models.Model):
    """+n workers covered from `day` (−n: no longer from that day); a district's covered count on a day is
    the sum of its deltas up to that day."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10)  # "contract" | "injury"
    day = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["district", "kind", "day"], name="cover_delta_district_kind_day")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.kind} {self.day} {self.n:+d}"
