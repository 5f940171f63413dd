"""Record completeness (档案完整率): the one definition of a complete worker record.

Modelled on the UK Adult Social Care Workforce Data Set's rule: an institution's records count as complete
when at least a threshold share (90 % by default, kept as data by the staffing rules) of its current staff
records are complete *and* confirmed within the last year. A record is complete when every criterion below
holds; each criterion is a `Q` over `Worker`, so the share of a whole district or of the city is one
aggregate query, and the list of incomplete records for an institution to fix names what each one lacks.

Every page, rollup and rule (staffing, subsidy conditions) reads this module; none restates the criteria.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careforce.core.models import Verification
from careforce.registry.models import Employment, Worker

# How recent a confirmation must be for the record to count as kept up to date.
CONFIRMATION_VALID_DAYS = 365


@dataclass(frozen=True)
class Criterion:
    code: str
    label: object  # lazy translation

    def q(self, today: datetime.date) -> Q:
        return _CRITERIA_Q[self.code](today)


def _confirmed_since(today: datetime.date) -> datetime.datetime:
    start = today - datetime.timedelta(days=CONFIRMATION_VALID_DAYS)
    return timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))


def _current_employment_with_contract() -> Exists:
    return Exists(
        Employment.objects.filter(worker=OuterRef("pk"), end_date__isnull=True, has_labour_contract=True)
    )


_CRITERIA_Q = {
    "phone": lambda today: ~Q(phone_hash=""),
    "education": lambda today: ~Q(education=""),
    "hukou_type": lambda today: ~Q(hukou_type=""),
    "source_channel": lambda today: ~Q(source_channel=""),
    "institution": lambda today: Q(institution__isnull=False, is_active=True),
    "labour_contract": lambda today: Q(_current_employment_with_contract()),
    "confirmed": lambda today: _confirmed_kind_q() & Q(verified_at__gte=_confirmed_since(today)),
}


def _confirmed_kind_q() -> Q:
    return ~Q(verification=Verification.SELF_REPORTED)


CRITERIA: tuple[Criterion, ...] = (
    Criterion("phone", _("mobile phone number")),
    Criterion("education", _("education")),
    Criterion("hukou_type", _("hukou type")),
    Criterion("source_channel", _("source channel")),
    Criterion("institution", _("current institution")),
    Criterion("labour_contract", _("labour contract for the current post")),
    Criterion("confirmed", _("confirmed by the institution or the authority within the last year")),
)


def today() -> datetime.date:
    return timezone.localdate()


def complete_q(on: datetime.date | None = None) -> Q:
    """The `Q` that selects complete worker records on `on` (the platform's today by default)."""
    on = on or today()
    q = Q()
    for criterion in CRITERIA:
        q &= criterion.q(on)
    return q


def undated_complete_q() -> Q:
    """Every criterion except the confirmation's age: a record is complete on `on` exactly when this holds
    and `confirmed_on(record) >= confirmation_cutoff(on)`. Lets a count kept by the writes (the staffing
    tally) stay exact as days pass without being rewritten."""
    q = _confirmed_kind_q() & Q(verified_at__isnull=False)
    for criterion in CRITERIA:
        if criterion.code != "confirmed":
            q &= criterion.q(today())
    return q


def confirmed_on() -> TruncDate:
    """The local date a record was confirmed (the day `_confirmed_since` compares with)."""
    return TruncDate("verified_at", tzinfo=timezone.get_current_timezone())


def confirmation_cutoff(on: datetime.date | None = None) -> datetime.date:
    """The first local confirmation date still within the validity on `on`."""
    return (on or today()) - datetime.timedelta(days=CONFIRMATION_VALID_DAYS)


def missing(worker: Worker, on: datetime.date | None = None) -> list[str]:
    """What `worker`'s record lacks, as the labels of the criteria it fails (one query)."""
    on = on or today()
    flags = Worker.objects.filter(pk=worker.pk).aggregate(
        **{c.code: Count("pk", filter=c.q(on)) for c in CRITERIA}
    )
    return [str(c.label) for c in CRITERIA if not flags[c.code]]


@dataclass(frozen=True)
class Share:
    complete: int
    total: int

    @property
    def percent(self) -> float | None:
        return None if not self.total else round(100.0 * self.complete / self.total, 1)

    def meets(self, threshold_percent: float) -> bool:
        return bool(self.total) and 100.0 * self.complete >= threshold_percent * self.total


def current_staff(workers: QuerySet[Worker] | None = None) -> QuerySet[Worker]:
    """The records the share is taken over: workers currently employed (placed at an institution)."""
    base = workers if workers is not None else Worker.objects.all()
    return base.filter(is_active=True, institution__isnull=False)


def share(workers: QuerySet[Worker] | None = None, on: datetime.date | None = None) -> Share:
    """Complete records among the current staff in `workers` (all workers by default), in one query."""
    row = current_staff(workers).aggregate(total=Count("pk"), complete=Count("pk", filter=complete_q(on)))
    return Share(complete=row["complete"], total=row["total"])


def shares_by_institution(
    institution_ids: Iterable[int] | None = None, on: datetime.date | None = None
) -> dict[int, Share]:
    """Share per institution (only institutions with current staff appear), in one grouped query."""
    qs = current_staff()
    if institution_ids is not None:
        qs = qs.filter(institution_id__in=list(institution_ids))
    rows = qs.values("institution_id").annotate(
        total=Count("pk"), complete=Count("pk", filter=complete_q(on))
    )
    return {r["institution_id"]: Share(complete=r["complete"], total=r["total"]) for r in rows}


def shares_by_district(on: datetime.date | None = None) -> dict[int, Share]:
    rows = (
        current_staff()
        .values("district_id")
        .annotate(total=Count("pk"), complete=Count("pk", filter=complete_q(on)))
    )
    return {r["district_id"]: Share(complete=r["complete"], total=r["total"]) for r in rows}


def incomplete(workers: QuerySet[Worker], on: datetime.date | None = None) -> QuerySet[Worker]:
    """Current staff records in `workers` that are not complete (the list an institution works through)."""
    return current_staff(workers).exclude(complete_q(on))
