"""Computing credit scores in bulk: measures by aggregate queries, points by the rule version, rows written
only where something changed.

One code path for one worker and for a million: `recompute(ids)` measures a batch of workers with a fixed
number of set-based queries (employment periods, evaluation / complaint / penalty aggregates, the dishonesty
list, and the training and skills contract modules), scores them in memory with `score_of` (pure, also the
subject of the property tests), compares with the stored rows and writes the differences — on PostgreSQL
with COPY into a temporary table and one INSERT … ON CONFLICT, elsewhere with bulk_create(update_conflicts).
"""

from __future__ import annotations

import datetime
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Avg, Count
from django.utils import timezone

from careforce.conduct.models import Complaint, Evaluation, Finding, Penalty
from careforce.credit import sources
from careforce.credit.models import (
    MEASURE_FIELDS,
    CreditRule,
    CreditScore,
    CreditScoreHistory,
    DishonestyListing,
    Measure,
    active_listings_q,
)
from careforce.registry.models import Employment, Worker
from careforce.registry.tenure import years_of_service

NEUTRAL_EVALUATION = Decimal(
    3
)  # the middle of the 1–5 scale: evaluations above it add points, below subtract
TENTH = Decimal("0.1")
COPY_THRESHOLD = 2000  # rows; below this a plain bulk upsert is as fast and works on every database
PENALTY_MEASURES = {
    "warning": Measure.PENALTY_WARNING,
    "fine": Measure.PENALTY_FINE,
    "dismissal": Measure.PENALTY_DISMISSAL,
    "trade_ban": Measure.PENALTY_TRADE_BAN,
}


# ---------------------------------------------------------------- the rule, as plain values


@dataclass(frozen=True)
class Factor:
    measure: str
    weight: float
    lo: float
    hi: float
    window_years: int | None = None
    weight_exact: Decimal = Decimal(0)
    lo_exact: Decimal = Decimal(0)
    hi_exact: Decimal = Decimal(0)

    @property
    def label(self) -> str:
        return str(Measure(self.measure).label)


@dataclass(frozen=True)
class Rule:
    id: int
    version: int
    base: float
    lo: float
    hi: float
    factors: tuple[Factor, ...]
    bands: tuple[tuple[float, str, str], ...]  # (from score, grade, label), highest first
    base_exact: Decimal = Decimal(0)
    lo_exact: Decimal = Decimal(0)
    hi_exact: Decimal = Decimal(0)
    band_exact: tuple[Decimal, ...] = ()

    def factor(self, measure: str) -> Factor | None:
        return next((f for f in self.factors if f.measure == measure), None)


def rule_spec(rule: CreditRule) -> Rule:
    bands = sorted(rule.bands.all(), key=lambda b: b.min_score, reverse=True)
    return Rule(
        id=rule.pk,
        version=rule.version,
        base=float(rule.base_score),
        lo=float(rule.min_score),
        hi=float(rule.max_score),
        factors=tuple(
            Factor(
                f.measure,
                float(f.weight),
                float(f.min_points),
                float(f.max_points),
                f.window_years,
                f.weight,
                f.min_points,
                f.max_points,
            )
            for f in rule.factors.all()
        ),
        bands=tuple((float(b.min_score), b.grade, b.label) for b in bands),
        base_exact=rule.base_score,
        lo_exact=rule.min_score,
        hi_exact=rule.max_score,
        band_exact=tuple(b.min_score for b in bands),
    )


def active_rule() -> Rule | None:
    rule = CreditRule.objects.filter(is_active=True).prefetch_related("factors", "bands").first()
    return rule_spec(rule) if rule else None


# ---------------------------------------------------------------- scoring (pure)


def _exact(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def measure_value(measure: str, m: Mapping[str, Any]) -> Decimal:
    """The number a factor multiplies by its weight, from a worker's measures (exact decimal arithmetic,
    so that this path and the SQL path of compute_sql give the same points)."""
    if measure == Measure.EVALUATIONS:
        average = m.get("evaluation_average")
        if not m.get("evaluation_count") or average is None:
            return Decimal(0)
        return _exact(round(float(average), 2)) - NEUTRAL_EVALUATION
    if measure == Measure.DISHONESTY_LISTED:
        return Decimal(1 if m.get("dishonesty_listed") else 0)
    return _exact(m.get(measure) or 0)


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(TENTH, ROUND_HALF_UP)


def factor_points(factor: Factor, value: Decimal) -> float:
    weight = factor.weight_exact if factor.weight_exact or not factor.weight else _exact(factor.weight)
    lo = factor.lo_exact if factor.lo_exact or not factor.lo else _exact(factor.lo)
    hi = factor.hi_exact if factor.hi_exact or not factor.hi else _exact(factor.hi)
    return float(_half_up(min(max(weight * value, lo), hi)))


def grade_of(rule: Rule, score: float) -> tuple[str, str]:
    for minimum, grade, label in rule.bands:
        if score >= minimum:
            return grade, label
    return (rule.bands[-1][1], rule.bands[-1][2]) if rule.bands else ("", "")


def score_of(rule: Rule, m: Mapping[str, Any]) -> tuple[float, str, list[tuple[Factor, float, float]]]:
    """(score, grade, [(factor, measured value, points)]): base + the capped points of every factor
    (each rounded half up to 0.1), kept within the rule's range."""
    parts = []
    total = rule.base_exact if rule.base_exact or not rule.base else _exact(rule.base)
    for factor in rule.factors:
        value = measure_value(factor.measure, m)
        points = factor_points(factor, value)
        parts.append((factor, float(value), points))
        total += _exact(points)
    lo = rule.lo_exact if rule.lo_exact or not rule.lo else _exact(rule.lo)
    hi = rule.hi_exact if rule.hi_exact or not rule.hi else _exact(rule.hi)
    score = float(_half_up(min(max(total, lo), hi)))
    return score, grade_of(rule, score)[0], parts


# ---------------------------------------------------------------- measuring in bulk


def years_back(today: datetime.date, years: int | None) -> datetime.date | None:
    if years is None:
        return None
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@dataclass
class Batch:
    """Which workers to measure: an id list, or (for the nightly run) an id range with its ids."""

    ids: list[int]
    lo: int | None = None
    hi: int | None = None

    def filter(self, column: str = "worker_id") -> dict[str, Any]:
        if self.lo is not None:
            return {f"{column}__gte": self.lo, f"{column}__lte": self.hi}
        return {f"{column}__in": self.ids}


def _since(rule: Rule, measure: str, today: datetime.date) -> datetime.date | None:
    factor = rule.factor(measure)
    return years_back(today, factor.window_years) if factor else None


def gather(batch: Batch, rule: Rule, today: datetime.date) -> dict[int, dict[str, Any]]:
    """The measures of every worker of the batch, by worker id."""
    m: dict[int, dict[str, Any]] = {pk: {} for pk in batch.ids}
    wanted = {f.measure for f in rule.factors}

    periods: dict[int, list] = defaultdict(list)
    for worker_id, start, end in (
        Employment.objects.filter(**batch.filter())
        .order_by()
        .values_list("worker_id", "start_date", "end_date")
    ):
        periods[worker_id].append((start, end))
    for worker_id, spans in periods.items():
        if worker_id in m:
            m[worker_id]["years_of_service"] = years_of_service(spans, today=today)

    if Measure.TRAINING_HOURS in wanted:
        since = _since(rule, Measure.TRAINING_HOURS, today)
        for worker_id, hours in sources.training_hours(batch.ids, since=since).items():
            if worker_id in m:
                m[worker_id]["training_hours"] = round(float(hours), 1)
    if Measure.SKILL_LEVEL in wanted:
        for worker_id, rank in sources.skill_levels(batch.ids).items():
            if worker_id in m:
                m[worker_id]["skill_level"] = int(rank)

    evaluations = Evaluation.objects.filter(**batch.filter())
    since = _since(rule, Measure.EVALUATIONS, today)
    if since:
        evaluations = evaluations.filter(evaluated_on__gte=since)
    for worker_id, n, average in (
        evaluations.order_by()
        .values("worker_id")
        .annotate(n=Count("id"), a=Avg("average"))
        .values_list("worker_id", "n", "a")
    ):
        if worker_id in m:
            m[worker_id]["evaluation_count"] = n
            m[worker_id]["evaluation_average"] = round(float(average), 2)

    complaints = Complaint.objects.filter(**batch.filter(), finding=Finding.SUBSTANTIATED)
    since = _since(rule, Measure.COMPLAINTS, today)
    if since:
        complaints = complaints.filter(received_on__gte=since)
    for worker_id, n in (
        complaints.order_by().values("worker_id").annotate(n=Count("id")).values_list("worker_id", "n")
    ):
        if worker_id in m:
            m[worker_id]["complaints"] = n

    windows = {kind: _since(rule, measure, today) for kind, measure in PENALTY_MEASURES.items()}
    for worker_id, kind, decided_on in (
        Penalty.objects.filter(**batch.filter()).order_by().values_list("worker_id", "kind", "decided_on")
    ):
        since = windows.get(kind)
        if worker_id in m and (since is None or decided_on >= since):
            key = PENALTY_MEASURES[kind]
            m[worker_id][key] = m[worker_id].get(key, 0) + 1

    listed = (
        DishonestyListing.objects.filter(active_listings_q(today), **batch.filter())
        .order_by()
        .values_list("worker_id", flat=True)
        .distinct()
    )
    for worker_id in listed:
        if worker_id in m:
            m[worker_id]["dishonesty_listed"] = True
    return m


# ---------------------------------------------------------------- rows and writing

ROW_FIELDS = ("score", "grade", "rule_id", *MEASURE_FIELDS)
_FLOAT_1 = {"score", "years_of_service", "training_hours"}


def _normal(name: str, value: Any) -> Any:
    """One comparable form for computed and stored values (Decimal from the database, floats here)."""
    if value is None:
        return None
    if name in _FLOAT_1:
        return round(float(value), 1)
    if name == "evaluation_average":
        return round(float(value), 2)
    if name == "dishonesty_listed":
        return bool(value)
    if name == "grade":
        return str(value)
    return int(value)


def row_for(rule: Rule, measures: Mapping[str, Any]) -> tuple:
    score, grade, _parts = score_of(rule, measures)
    values = {"score": score, "grade": grade, "rule_id": rule.id, **measures}
    defaults = {"evaluation_average": None, "dishonesty_listed": False}
    return tuple(_normal(name, values.get(name, defaults.get(name, 0))) for name in ROW_FIELDS)


@dataclass
class Summary:
    workers: int = 0
    changed: int = 0
    history: int = 0
    seconds: float = 0.0
    rule_version: int | None = None
    missing_sources: list[str] = field(default_factory=list)

    def add(self, other: Summary) -> None:
        self.workers += other.workers
        self.changed += other.changed
        self.history += other.history


def _existing(batch: Batch) -> dict[int, tuple]:
    rows = CreditScore.objects.filter(**batch.filter()).values_list("worker_id", *ROW_FIELDS)
    return {row[0]: tuple(_normal(n, v) for n, v in zip(ROW_FIELDS, row[1:], strict=True)) for row in rows}


def _copy_upsert(rows: Sequence[tuple[int, tuple]], now: datetime.datetime) -> None:
    """PostgreSQL: COPY the changed rows into a temporary table, then one INSERT … ON CONFLICT."""
    columns = ["worker_id", *[f if f != "rule_id" else "rule_id" for f in ROW_FIELDS], "computed_at"]
    column_list = ", ".join(columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS credit_score_load "
            "(LIKE credit_creditscore INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        raw = cursor.connection
        with raw.cursor() as pg, pg.copy(f"COPY credit_score_load ({column_list}) FROM STDIN") as copy:
            for worker_id, values in rows:
                copy.write_row((worker_id, *values, now))
        cursor.execute(
            f"INSERT INTO credit_creditscore ({column_list}) SELECT {column_list} FROM credit_score_load "
            f"ON CONFLICT (worker_id) DO UPDATE SET {updates}"
        )
        cursor.execute("TRUNCATE credit_score_load")


def _copy_history(rows: Sequence[tuple[int, tuple]], now: datetime.datetime) -> None:
    columns = ["worker_id", *ROW_FIELDS, "computed_at"]
    with connection.cursor() as cursor:
        raw = cursor.connection
        with (
            raw.cursor() as pg,
            pg.copy(f"COPY credit_creditscorehistory ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for worker_id, values in rows:
                copy.write_row((worker_id, *values, now))


def _objects(model, rows: Sequence[tuple[int, tuple]], now: datetime.datetime) -> list:
    out = []
    for worker_id, values in rows:
        kwargs = dict(zip(ROW_FIELDS, values, strict=True))
        for name in ("score", "years_of_service", "training_hours", "evaluation_average"):
            if kwargs[name] is not None:
                kwargs[name] = Decimal(str(kwargs[name]))
        out.append(model(worker_id=worker_id, computed_at=now, **kwargs))
    return out


def write(changed: Sequence[tuple[int, tuple]], history: Sequence[tuple[int, tuple]], now) -> None:
    if connection.vendor == "postgresql" and len(changed) >= COPY_THRESHOLD:
        _copy_upsert(changed, now)
        if history:
            _copy_history(history, now)
        return
    if changed:
        CreditScore.objects.bulk_create(
            _objects(CreditScore, changed, now),
            update_conflicts=True,
            unique_fields=["worker"],
            update_fields=[*[f for f in ROW_FIELDS if f != "rule_id"], "rule", "computed_at"],
            batch_size=1000,
        )
    if history:
        CreditScoreHistory.objects.bulk_create(_objects(CreditScoreHistory, history, now), batch_size=1000)


def recompute_batch(batch: Batch, rule: Rule, *, today: datetime.date, now: datetime.datetime) -> Summary:
    measures = gather(batch, rule, today)
    existing = _existing(batch)
    changed, history = [], []
    for worker_id, m in measures.items():
        row = row_for(rule, m)
        before = existing.get(worker_id)
        if row != before:
            changed.append((worker_id, row))
            if before is None or row[:3] != before[:3]:
                history.append((worker_id, row))
    with transaction.atomic():
        write(changed, history, now)
    return Summary(workers=len(measures), changed=len(changed), history=len(history))


def recompute(worker_ids: Iterable[int]) -> Summary:
    """Recompute the given workers now (in the caller's transaction, if any)."""
    started = time.monotonic()
    rule = active_rule()
    ids = sorted({int(i) for i in worker_ids})
    summary = Summary(rule_version=rule.version if rule else None)
    if rule is None or not ids:
        return summary
    today, now = timezone.localdate(), timezone.now()
    if connection.vendor == "postgresql":
        from careforce.credit import compute_sql

        workers, changed, history = compute_sql.run(rule, today=today, now=now, ids=ids)
        summary.add(Summary(workers=workers, changed=changed, history=history))
    else:
        existing = set(Worker.objects.filter(pk__in=ids).values_list("pk", flat=True))
        summary.add(recompute_batch(Batch([i for i in ids if i in existing]), rule, today=today, now=now))
    summary.seconds = time.monotonic() - started
    return summary


def recompute_all(
    *, chunk_size: int = 50_000, jobs: int = 2, log: Callable[[str], None] | None = None
) -> Summary:
    """Every worker, in id ranges of `chunk_size` (each range one transaction)."""
    started = time.monotonic()
    rule = active_rule()
    summary = Summary(rule_version=rule.version if rule else None, missing_sources=sources.missing_sources())
    if rule is None:
        return summary
    today, now = timezone.localdate(), timezone.now()
    if connection.vendor == "postgresql":
        _recompute_all_sql(
            rule, summary, today=today, now=now, chunk_size=chunk_size, log=log, started=started, jobs=jobs
        )
        summary.seconds = time.monotonic() - started
        return summary
    last = 0
    while True:
        ids = list(
            Worker.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            break
        summary.add(recompute_batch(Batch(ids, lo=ids[0], hi=ids[-1]), rule, today=today, now=now))
        last = ids[-1]
        if log:
            log(
                f"  {summary.workers:,} workers, {summary.changed:,} changed ({time.monotonic() - started:.1f} s)"
            )
    summary.seconds = time.monotonic() - started
    return summary


def _recompute_all_sql(
    rule: Rule, summary: Summary, *, today, now, chunk_size: int, log, started: float, jobs: int = 2
) -> None:
    """PostgreSQL: one statement per id range (ranges of the id space, so no id list is fetched), `jobs`
    ranges at a time on their own connections (the database does the work; one per core)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from careforce.credit import compute_sql

    bounds = Worker.objects.aggregate(lo=models.Min("pk"), hi=models.Max("pk"))
    if bounds["lo"] is None:
        return
    own_transactions = not connection.in_atomic_block
    if not own_transactions:
        jobs = 1  # other connections would not see the caller's uncommitted changes

    def one(lo: int) -> tuple[int, int, int]:
        try:
            with transaction.atomic():
                return compute_sql.run(
                    rule,
                    today=today,
                    now=now,
                    lo=lo,
                    hi=lo + chunk_size - 1,
                    wait_for_disk=not own_transactions,
                )
        finally:
            if jobs > 1:
                connections.close_all()  # this thread's connection

    starts = range(bounds["lo"], bounds["hi"] + 1, chunk_size)
    if jobs > 1:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = pool.map(one, starts)
            for workers, changed, history in results:
                summary.add(Summary(workers=workers, changed=changed, history=history))
                if log:
                    log(
                        f"  {summary.workers:,} workers, {summary.changed:,} changed ({time.monotonic() - started:.1f} s)"
                    )
        return
    for lo in starts:
        workers, changed, history = one(lo)
        summary.add(Summary(workers=workers, changed=changed, history=history))
        if log:
            log(
                f"  {summary.workers:,} workers, {summary.changed:,} changed ({time.monotonic() - started:.1f} s)"
            )
