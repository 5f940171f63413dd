"""The dashboard's figures of contracts, insurance and subsidies per district — one definition each, kept on
the write side, in the transaction of each change.

- paid (by scheme):  the payments of a scheme in the district of the payment (Payment.district, the worker's
                     district when assessed), net of reversals (a reversal entry carries the opposite amount);
- people paid:       workers with a payment that is neither reversed nor a reversal, in the district of the
                     payment (a worker paid in two districts counts in each);
- contract coverage: current care workers (active, placed, occupation 养老护理员 — the population of the
                     certification rate, counted in the district of their institution) with a labour
                     contract in force today (started, and not ended: open-ended contracts never end);
- work-injury cover: the same population with work-injury insurance (工伤保险) in force today.
The two shares divide by the care workers of the certification rate (skills' tally): one population.

How they are kept:
- paid and people paid: a payment batch (`pay`) and a reversal (`reverse`) are noticed as their rows are
  created (post_save of PaymentBatch and of a reversing Payment) and applied just before the transaction
  commits (core/db/precommit.py): the batch's sums by district and scheme are added to PaidTally; people
  paid are counted after locking the districts' CoveredTally rows in id order, so of two transactions
  paying or reversing for the same person the later one sees what the earlier committed;
- coverage: each audited change naming a worker (their contract or cover, their post, occupation or
  status) refreshes that worker's CoverFact — the days they are covered, as merged intervals — and adds the
  difference to CoverDelta (+1 from a start, −1 from the day after an end). The count on a day is the sum
  of the deltas up to that day, so a contract ending changes the figure on its own day without any write.
`computed()`/`differences()` compare the kept figures with the records; `rebuild_figures()` rewrites them
(`careforce indicators_rebuild`). The dashboard reads `incentives_figures` (the metrics.py contract).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Sum
from django.utils import timezone

from careforce.core.audit import Announced
from careforce.core.db import precommit
from careforce.incentives.models import (
    CoverDelta,
    CoveredTally,
    CoverFact,
    InsuranceCover,
    InsuranceKind,
    LabourContract,
    PaidTally,
    Payment,
    PaymentBatch,
)
from careforce.registry.models import Worker

CONTRACT, INJURY = "contract", "injury"
CARE_WORKER = "care_worker"  # the certification rate's population (skills.metrics.COUNTED_OCCUPATION)
CHUNK = 2000
LOCK_KEY = 60_19_2026  # pg_advisory_xact_lock key of the coverage facts
ONE_DAY = datetime.timedelta(days=1)
INSTITUTION_TYPE = "institutions.institution"

Interval = tuple[datetime.date, datetime.date | None]


# ---------------------------------------------------------------- what the transaction changed


@dataclass
class Pending:
    batches: set[int] = field(default_factory=set)
    reversals: set[int] = field(default_factory=set)
    workers: set[int] = field(default_factory=set)
    institutions: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.batches or self.reversals or self.workers or self.institutions)


def _pending() -> Pending:
    found = getattr(connection, "careforce_incentives_pending", None)
    if found is None:
        found = connection.careforce_incentives_pending = Pending()
    return found


def _schedule() -> None:
    if _pending():
        precommit.before_commit("incentives.metrics", apply)


def on_batch_saved(sender, instance: PaymentBatch, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        _pending().batches.add(instance.pk)
        _schedule()


def on_payment_saved(sender, instance: Payment, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw and instance.reverses_id:
        _pending().reversals.add(instance.pk)
        _schedule()


def observe(events: Sequence[Announced]) -> None:
    """audit.announce's observer: the workers named (and institutions whose own record changed) have their
    coverage refreshed before the commit; nothing is queried here."""
    pending = _pending()
    for object_type, worker_id, institution_id in events:
        if worker_id:
            pending.workers.add(worker_id)
        elif institution_id and object_type == INSTITUTION_TYPE:
            pending.institutions.add(institution_id)
    _schedule()


def apply() -> None:
    """Runs inside the committing transaction (precommit); it opens no atomic block of its own: one opened
    here would be an outermost block of a transaction already being committed, and commit it early."""
    pending = _pending()
    connection.careforce_incentives_pending = Pending()
    if not pending:
        return
    touched: set[int] = set()
    if pending.batches or pending.reversals:
        touched |= _apply_payments(pending.batches, pending.reversals)
    workers = set(pending.workers)
    if pending.institutions:
        workers |= set(
            CoverFact.objects.filter(institution_id__in=pending.institutions).values_list(
                "worker_id", flat=True
            )
        )
        workers |= set(
            Worker.objects.filter(institution_id__in=pending.institutions).values_list("pk", flat=True)
        )
    if workers:
        touched |= refresh(workers)
    if touched:
        from careforce.indicators import marks

        # The versions only (the dashboard reads these districts again), written here and now: scheduling
        # more work from inside the commit would run it in a block of its own.
        marks.bump(touched)


# ---------------------------------------------------------------- payments


def _active(qs):
    return qs.filter(reversed=False, reverses__isnull=True)


def _lock_districts(district_ids: Iterable[int]) -> None:
    ids = sorted(set(district_ids))
    CoveredTally.objects.bulk_create([CoveredTally(district_id=i) for i in ids], ignore_conflicts=True)
    list(CoveredTally.objects.select_for_update().filter(district_id__in=ids).order_by("pk"))


def _add_paid(deltas: dict[tuple[int, int], Decimal]) -> None:
    rows = [(d, s, amount) for (d, s), amount in deltas.items() if amount]
    if not rows:
        return
    table = PaidTally._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (district_id, scheme_id, amount) VALUES (%s, %s, %s)"
            f" ON CONFLICT (district_id, scheme_id) DO UPDATE SET amount = {table}.amount + excluded.amount",
            rows,
        )


def _add_people(deltas: Counter) -> None:
    for district_id, n in deltas.items():
        if n:
            CoveredTally.objects.filter(district_id=district_id).update(people=F("people") + n)


def _apply_payments(batches: set[int], reversals: set[int]) -> set[int]:
    paid: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for row in (
        Payment.objects.filter(batch_id__in=batches, reverses__isnull=True)
        .order_by()
        .values("district_id", "scheme_id")
        .annotate(s=Sum("amount"))
    ):
        paid[(row["district_id"], row["scheme_id"])] += row["s"] or 0
    entries = list(
        Payment.objects.filter(pk__in=reversals).values_list(
            "district_id", "scheme_id", "amount", "worker_id"
        )
    )
    for district_id, scheme_id, amount, _worker in entries:
        paid[(district_id, scheme_id)] += amount
    _add_paid(paid)
    districts = {d for d, _s in paid} | {e[0] for e in entries}
    if not districts:
        return set()
    # People: counted after the districts' rows are locked, so each statement below sees every payment
    # committed by a transaction that held them before.
    _lock_districts(districts)
    people: Counter = Counter()
    for batch_id in sorted(batches):
        elsewhere = _active(
            Payment.objects.filter(worker=OuterRef("worker"), district=OuterRef("district"))
        ).exclude(batch_id=batch_id)
        for row in (
            _active(Payment.objects.filter(batch_id=batch_id))
            .exclude(Exists(elsewhere))
            .order_by()
            .values("district_id")
            .annotate(n=Count("worker_id", distinct=True))
        ):
            people[row["district_id"]] += row["n"]
    for district_id, _scheme, _amount, worker_id in entries:
        if not _active(Payment.objects.filter(worker_id=worker_id, district_id=district_id)).exists():
            people[district_id] -= 1
    _add_people(people)
    return districts


# ---------------------------------------------------------------- coverage


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping or adjacent intervals as one (an open end absorbs everything after its start)."""
    out: list[list[Any]] = []
    for start, end in sorted(intervals, key=lambda i: i[0]):
        if out and (out[-1][1] is None or start <= out[-1][1] + ONE_DAY):
            if out[-1][1] is not None and (end is None or end > out[-1][1]):
                out[-1][1] = end
            continue
        out.append([start, end])
    return [(s, e) for s, e in out]


def _encode(intervals: list[Interval]) -> list[list[str | None]]:
    return [[s.isoformat(), e.isoformat() if e else None] for s, e in intervals]


def _decode(stored: list) -> list[Interval]:
    return [
        (datetime.date.fromisoformat(s), datetime.date.fromisoformat(e) if e else None)
        for s, e in stored or ()
    ]


def _contribution(district_id: int, kind: str, intervals: list[Interval], sign: int, out: Counter) -> None:
    for start, end in intervals:
        out[(district_id, kind, start)] += sign
        if end is not None:
            out[(district_id, kind, end + ONE_DAY)] -= sign


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def refresh(worker_ids: Iterable[int]) -> set[int]:
    """Bring these workers' coverage facts and the counters up to date (inside the caller's transaction);
    returns the districts whose counters moved."""
    ids = sorted({int(i) for i in worker_ids if i})
    if not ids:
        return set()
    _lock()
    # A worker above the highest id with a contract, a cover or a fact has none of them (the people a big
    # roster has just registered): three index reads spare a chunk of queries per 2,000 of them.
    highest = max(
        LabourContract.objects.aggregate(m=Max("worker_id"))["m"] or 0,
        InsuranceCover.objects.aggregate(m=Max("worker_id"))["m"] or 0,
        CoverFact.objects.aggregate(m=Max("worker_id"))["m"] or 0,
    )
    ids = [i for i in ids if i <= highest]
    deltas: Counter = Counter()
    for start in range(0, len(ids), CHUNK):
        _refresh_chunk(ids[start : start + CHUNK], deltas)
    _add_deltas(deltas)
    return {d for (d, _k, _day), n in deltas.items() if n}


def _refresh_chunk(chunk: list[int], deltas: Counter) -> None:
    stored = {f.worker_id: f for f in CoverFact.objects.filter(worker_id__in=chunk)}
    days: dict[int, dict[str, list[Interval]]] = defaultdict(lambda: {CONTRACT: [], INJURY: []})
    for worker_id, start, end in LabourContract.objects.filter(worker_id__in=chunk).values_list(
        "worker_id", "start_date", "end_date"
    ):
        days[worker_id][CONTRACT].append((start, end))
    for worker_id, start, end in InsuranceCover.objects.filter(
        worker_id__in=chunk, kind=InsuranceKind.WORK_INJURY
    ).values_list("worker_id", "start_date", "end_date"):
        days[worker_id][INJURY].append((start, end))
    candidates = set(stored) | set(days)
    if not candidates:
        return
    placed = {
        pk: (institution_id, district_id)
        for pk, institution_id, district_id in Worker.objects.filter(
            pk__in=candidates, is_active=True, institution__isnull=False, occupation__code=CARE_WORKER
        ).values_list("pk", "institution_id", "institution__district_id")
    }
    write, remove = [], []
    for worker_id in sorted(candidates):
        old = stored.get(worker_id)
        new = None
        if worker_id in placed and worker_id in days:
            institution_id, district_id = placed[worker_id]
            new = CoverFact(
                worker_id=worker_id,
                district_id=district_id,
                institution_id=institution_id,
                contract=_encode(merged(days[worker_id][CONTRACT])),
                injury=_encode(merged(days[worker_id][INJURY])),
            )
        if (
            old is not None
            and new is not None
            and (
                (old.district_id, old.institution_id, old.contract, old.injury)
                == (new.district_id, new.institution_id, new.contract, new.injury)
            )
        ):
            continue
        if old is not None:
            for kind in (CONTRACT, INJURY):
                _contribution(old.district_id, kind, _decode(getattr(old, kind)), -1, deltas)
        if new is not None:
            for kind in (CONTRACT, INJURY):
                _contribution(new.district_id, kind, _decode(getattr(new, kind)), +1, deltas)
            write.append(new)
        else:
            remove.append(worker_id)
    if remove:
        CoverFact.objects.filter(worker_id__in=remove).delete()
    if write:
        CoverFact.objects.bulk_create(
            write,
            update_conflicts=True,
            unique_fields=["worker"],
            update_fields=["district", "institution", "contract", "injury"],
        )


def _add_deltas(deltas: Counter) -> None:
    rows = [(d, kind, day, n) for (d, kind, day), n in deltas.items() if n]
    if not rows:
        return
    table = CoverDelta._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (district_id, kind, day, n) VALUES (%s, %s, %s, %s)"
            f" ON CONFLICT (district_id, kind, day) DO UPDATE SET n = {table}.n + excluded.n",
            rows,
        )


# ---------------------------------------------------------------- reads


def coverage(district_ids: Iterable[int] | None, day: datetime.date) -> dict[int, dict[str, int]]:
    """{district: {"contract": n, "injury": n}} of care workers covered on `day`, from the counters."""
    qs = CoverDelta.objects.filter(day__lte=day)
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    out: dict[int, dict[str, int]] = defaultdict(lambda: {CONTRACT: 0, INJURY: 0})
    for district_id, kind, n in (
        qs.order_by()
        .values("district_id", "kind")
        .annotate(n=Sum("n"))
        .values_list("district_id", "kind", "n")
    ):
        out[district_id][kind] += int(n or 0)
    return dict(out)


def paid(district_ids: Iterable[int] | None) -> dict[int, dict[int, Decimal]]:
    """{district: {scheme id: amount}} as kept."""
    qs = PaidTally.objects.all()
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    out: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for district_id, scheme_id, amount in qs.values_list("district_id", "scheme_id", "amount"):
        out[district_id][scheme_id] = amount
    return dict(out)


def people(district_ids: Iterable[int] | None) -> dict[int, int]:
    qs = CoveredTally.objects.all()
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    return dict(qs.values_list("district_id", "people"))


def incentives_figures(
    *, district_ids: Iterable[int] | None = None, day: datetime.date | None = None
) -> dict[int, dict[str, Decimal | int]]:
    """The metrics.py contract: {district: {"paid": yuan, "paid:<scheme id>": yuan, "people": n,
    "contract": n, "injury": n}} — the kept figures, read in three small queries."""
    day = day or timezone.localdate()
    ids = None if district_ids is None else list(district_ids)
    out: dict[int, dict[str, Decimal | int]] = defaultdict(dict)
    for district_id, schemes in paid(ids).items():
        out[district_id]["paid"] = sum(schemes.values(), Decimal(0))
        for scheme_id, amount in schemes.items():
            out[district_id][f"paid:{scheme_id}"] = amount
    for district_id, n in people(ids).items():
        out[district_id]["people"] = n
    for district_id, counts in coverage(ids, day).items():
        out[district_id].update(counts)
    return dict(out)


# ---------------------------------------------------------------- proof and rebuild


def computed(day: datetime.date | None = None) -> dict[str, dict]:
    """The same figures derived from the records (for differences() and tests)."""
    day = day or timezone.localdate()
    paid_by: dict[tuple[int, int], Decimal] = {
        (r["district_id"], r["scheme_id"]): r["s"]
        for r in Payment.objects.order_by().values("district_id", "scheme_id").annotate(s=Sum("amount"))
        if r["s"]
    }
    people_by = {
        r["district_id"]: r["n"]
        for r in _active(Payment.objects.all())
        .order_by()
        .values("district_id")
        .annotate(n=Count("worker_id", distinct=True))
    }
    care = Worker.objects.filter(is_active=True, institution__isnull=False, occupation__code=CARE_WORKER)

    def in_force(qs):
        return qs.filter(start_date__lte=day).exclude(end_date__lt=day)

    contract = Exists(in_force(LabourContract.objects.filter(worker=OuterRef("pk"))))
    injury = Exists(
        in_force(InsuranceCover.objects.filter(worker=OuterRef("pk"), kind=InsuranceKind.WORK_INJURY))
    )
    cover_by: dict[int, dict[str, int]] = {}
    for row in (
        care.order_by()
        .values("institution__district_id")
        .annotate(c=Count("pk", filter=contract), i=Count("pk", filter=injury))
    ):
        if row["c"] or row["i"]:
            cover_by[row["institution__district_id"]] = {CONTRACT: row["c"], INJURY: row["i"]}
    return {"paid": paid_by, "people": people_by, "coverage": cover_by}


def differences(day: datetime.date | None = None) -> list[str]:
    day = day or timezone.localdate()
    want = computed(day)
    have_paid = {(d, s): a for d, schemes in paid(None).items() for s, a in schemes.items() if a}
    have_people = {d: n for d, n in people(None).items() if n}
    have_cover = {d: c for d, c in coverage(None, day).items() if c[CONTRACT] or c[INJURY]}
    out = []
    for name, have, records in (
        ("paid", have_paid, want["paid"]),
        ("people", have_people, want["people"]),
        ("coverage", have_cover, want["coverage"]),
    ):
        for key in sorted(set(have) | set(records)):
            if have.get(key) != records.get(key):
                out.append(f"{name} {key}: kept {have.get(key)}, records {records.get(key)}")
    return out


def rebuild_figures() -> int:
    """Rewrite every kept figure from the records (after a restore or a bulk load); returns the workers with
    a coverage fact."""
    with transaction.atomic():
        _lock()
        PaidTally.objects.all().delete()
        CoveredTally.objects.all().delete()
        CoverFact.objects.all().delete()
        CoverDelta.objects.all().delete()
        want = computed()
        PaidTally.objects.bulk_create(
            [PaidTally(district_id=d, scheme_id=s, amount=a) for (d, s), a in want["paid"].items()]
        )
        CoveredTally.objects.bulk_create(
            [CoveredTally(district_id=d, people=n) for d, n in want["people"].items()]
        )
        ids = set(LabourContract.objects.values_list("worker_id", flat=True).distinct())
        ids |= set(
            InsuranceCover.objects.filter(kind=InsuranceKind.WORK_INJURY).values_list("worker_id", flat=True)
        )
        refresh(ids)
        return CoverFact.objects.count()


def figures_missing() -> bool:
    """Records but no kept figures yet (a database older than the figures): `indicators_rebuild
    --if-needed` builds them then."""
    kept = PaidTally.objects.exists() or CoverDelta.objects.exists() or CoveredTally.objects.exists()
    return not kept and (
        Payment.objects.exists() or LabourContract.objects.exists() or InsuranceCover.objects.exists()
    )
