"""Reads of contracts, insurance and subsidies, scoped by the acting user.

City roles see everything; a district its district's workers, schemes (the city's and its own), runs and
payments; an institution administrator its own staff's contracts and cover, the expiring list, and the
eligibility of its staff; a worker their own contracts and cover. Out of scope answers like "does not exist".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from careforce.core.models import District, User
from careforce.core.scope import Level, scope_of
from careforce.incentives.models import (
    Eligibility,
    EligibilityRun,
    InsuranceCover,
    LabourContract,
    Objection,
    Payment,
    PaymentBatch,
    Scheme,
)
from careforce.registry.models import Worker

EXPIRY_WINDOW_DAYS = 60


def _by_worker_scope(
    user: User, qs: QuerySet, *, worker: str = "worker", institution: str = "institution_id"
):
    scope = scope_of(user)
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(**{f"{worker}__district_id": scope.district_id})
    if scope.level == Level.INSTITUTION:
        return qs.filter(**{institution: scope.institution_id})
    if scope.level == Level.SELF:
        return qs.filter(**{f"{worker}_id": scope.worker_id})
    return qs.none()


def contracts_visible_to(user: User) -> QuerySet[LabourContract]:
    return _by_worker_scope(user, LabourContract.objects.select_related("worker", "institution"))


def covers_visible_to(user: User) -> QuerySet[InsuranceCover]:
    return _by_worker_scope(user, InsuranceCover.objects.select_related("worker", "institution"))


def contract_get(user: User, pk: object) -> LabourContract:
    try:
        return contracts_visible_to(user).get(pk=int(pk))
    except (LabourContract.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def contracts_of(user: User, worker: Worker) -> QuerySet[LabourContract]:
    return contracts_visible_to(user).filter(worker=worker)


def covers_of(user: User, worker: Worker) -> QuerySet[InsuranceCover]:
    return covers_visible_to(user).filter(worker=worker)


def current_q(day: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def expiring(
    user: User, days: int = EXPIRY_WINDOW_DAYS
) -> tuple[QuerySet[LabourContract], QuerySet[InsuranceCover]]:
    """Contracts and cover of current staff ending within `days` days, for their institution (renewed
    contracts drop off: a renewal starting after the end covers them)."""
    today = timezone.localdate()
    until = today + datetime.timedelta(days=days)
    renewed = LabourContract.objects.filter(renewal_of=OuterRef("pk"))
    contracts = (
        contracts_visible_to(user)
        .filter(end_date__gte=today, end_date__lte=until, worker__is_active=True)
        .exclude(Exists(renewed))
        .order_by("end_date", "id")
    )
    later_cover = InsuranceCover.objects.filter(
        worker=OuterRef("worker"), kind=OuterRef("kind"), end_date__gt=OuterRef("end_date")
    )
    covers = (
        covers_visible_to(user)
        .filter(end_date__gte=today, end_date__lte=until, worker__is_active=True)
        .exclude(Exists(later_cover))
        .order_by("end_date", "id")
    )
    return contracts, covers


def schemes_visible_to(user: User) -> QuerySet[Scheme]:
    scope = scope_of(user)
    qs = Scheme.objects.select_related("district")
    if scope.level == Level.CITY:
        return qs
    if scope.level in (Level.DISTRICT, Level.INSTITUTION):
        district_id = scope.district_id
        if scope.level == Level.INSTITUTION:
            from careforce.institutions.models import Institution

            district_id = (
                Institution.objects.filter(pk=scope.institution_id)
                .values_list("district_id", flat=True)
                .first()
            )
        return qs.filter(Q(district__isnull=True) | Q(district_id=district_id))
    return qs.none()


def scheme_get(user: User, pk: object) -> Scheme:
    try:
        return schemes_visible_to(user).get(pk=int(pk))
    except (Scheme.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def runs_visible_to(user: User) -> QuerySet[EligibilityRun]:
    """Runs are the bureau's work: the city sees all, a district the runs of its district and the city-wide
    runs (of which it sees only its district's rows: `results_of`); institutions and workers none."""
    scope = scope_of(user)
    qs = EligibilityRun.objects.select_related("scheme", "district")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(Q(district_id=scope.district_id) | Q(district__isnull=True))
    return qs.none()


def run_get(user: User, pk: object) -> EligibilityRun:
    try:
        return runs_visible_to(user).get(pk=int(pk))
    except (EligibilityRun.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def _own_district(user: User, qs: QuerySet, field: str = "district_id") -> QuerySet:
    """A district officer's rows of a run or batch (a city-wide one holds every district's)."""
    scope = scope_of(user)
    if scope.level == Level.DISTRICT:
        return qs.filter(**{field: scope.district_id})
    return qs


def results_of(user: User, run: EligibilityRun) -> QuerySet[Eligibility]:
    """The run's rows `user` may see: the city all, a district officer their district's."""
    return (
        _own_district(user, run.results.all())
        .select_related("worker", "institution")
        .annotate(open_objections=Count("objections", filter=Q(objections__answered_at__isnull=True)))
    )


def eligibility_get(user: User, pk: object) -> Eligibility:
    try:
        return _own_district(user, Eligibility.objects.select_related("run", "run__scheme", "worker")).get(
            pk=int(pk), run__in=runs_visible_to(user)
        )
    except (Eligibility.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def objection_get(user: User, pk: object) -> Objection:
    try:
        return _own_district(
            user, Objection.objects.select_related("eligibility"), "eligibility__district_id"
        ).get(pk=int(pk), eligibility__run__in=runs_visible_to(user))
    except (Objection.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def batches_visible_to(user: User) -> QuerySet[PaymentBatch]:
    return PaymentBatch.objects.select_related("run", "run__scheme").filter(run__in=runs_visible_to(user))


def batch_get(user: User, pk: object) -> PaymentBatch:
    try:
        return batches_visible_to(user).get(pk=int(pk))
    except (PaymentBatch.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def payments_of(user: User, batch: PaymentBatch) -> QuerySet[Payment]:
    """The batch's payments `user` may see (a district officer: their district's)."""
    return _own_district(user, Payment.objects.filter(batch=batch))


def payment_get(user: User, pk: object) -> Payment:
    try:
        return _own_district(user, Payment.objects.select_related("batch")).get(
            pk=int(pk), batch__in=batches_visible_to(user)
        )
    except (Payment.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def batch_rows(user: User, batch: PaymentBatch):
    """The rows of a batch for finance, streamed in id order (name, ID-number region, amount…). The scheme
    and the district names are looked up once, not joined to every row."""
    scheme_code = batch.run.scheme.code
    districts = dict(District.objects.values_list("id", "name"))
    rows = (
        payments_of(user, batch)
        .order_by("id")
        .values_list(
            "id",
            "worker_id",
            "worker__name",
            "worker__id_region",
            "district_id",
            "payment_key",
            "amount",
            "reverses_id",
            "reason",
        )
        .iterator(chunk_size=5000)
    )
    for pk, worker_id, name, region, district_id, key, amount, reverses, reason in rows:
        yield (
            pk,
            worker_id,
            name,
            region,
            districts.get(district_id, ""),
            scheme_code,
            key,
            amount,
            reverses,
            reason,
        )


@dataclass(frozen=True)
class Figures:
    paid_by_scheme: list[tuple[str, Decimal]]
    people_covered: int
    care_workers: int
    with_contract: int
    with_insurance: int

    @staticmethod
    def _pct(part: int, whole: int) -> float | None:
        return None if not whole else round(100.0 * part / whole, 1)

    @property
    def contract_coverage(self) -> float | None:
        return self._pct(self.with_contract, self.care_workers)

    @property
    def insurance_coverage(self) -> float | None:
        return self._pct(self.with_insurance, self.care_workers)


def district_figures(user: User, district_id: int | None = None, day: datetime.date | None = None) -> Figures:
    """The dashboard's figures of the user's district (a city role: the whole city, or `district_id`), as
    incentives/metrics.py defines and keeps them — the same numbers as the indicators. Paid by scheme is net
    of reversals; insurance is work-injury insurance; the care workers are the certification rate's."""
    from careforce.incentives import metrics
    from careforce.skills.metrics import certification_counts

    day = day or timezone.localdate()
    scope = scope_of(user)
    if scope.level == Level.DISTRICT:
        district_id = scope.district_id
    elif scope.level != Level.CITY:
        raise Http404
    ids = [district_id] if district_id else None
    kept = metrics.incentives_figures(district_ids=ids, day=day)
    by_scheme: dict[int, Decimal] = {}
    people = contract = injury = 0
    for row in kept.values():
        for key, value in row.items():
            if key.startswith("paid:"):
                scheme_id = int(key.split(":", 1)[1])
                by_scheme[scheme_id] = by_scheme.get(scheme_id, Decimal(0)) + value
        people += row.get("people", 0)
        contract += row.get(metrics.CONTRACT, 0)
        injury += row.get(metrics.INJURY, 0)
    names = dict(Scheme.objects.filter(pk__in=list(by_scheme)).values_list("pk", "name"))
    paid = sorted(((names.get(pk, str(pk)), amount) for pk, amount in by_scheme.items()), key=lambda r: r[0])
    care = sum(n for _c, n in certification_counts(by="district", ids=ids).values())
    return Figures(paid, people, care, contract, injury)
