"""The counting facts behind every staffing figure, kept by the writes in the transaction of each change.

Why: at 1,000,000 workers, aggregating employments joined to wide worker rows (and the completeness
criteria, an EXISTS per record) on every read costs seconds for a large district. Instead three narrow tables
hold, per worker, exactly what the staffing figures count:

- `CountedFact`: each employment that counts before the insurance condition (`rules.counted_base`, the
  one definition), with its institution, district, catalogue post, care team and part-time flag, repeated
  once per insurance cover the person holds at that institution (kind and dates), or once without one;
- `RecordFact`: each current staff record (`completeness.current_staff`) with whether it meets every
  completeness criterion but the confirmation's age (`completeness.undated_complete_q`) and the local date
  it was confirmed;
- `FlowFact`: each full-time employment of a care-team worker, current or ended (`rules.care_flow_base`),
  with the institution's district and its start and end dates: the projection's joins and leaves.

What depends on the date is cut at read time, so the facts never go stale as days pass: a cover counts when
it is current on the day read (`rules.counted_facts`), a record is complete when it was confirmed on or
after `completeness.confirmation_cutoff`. What depends on settings (part-time weight, whether insurance is
required and which kind, the 事业单位 share) and on institutions (grade, beds, residents, 事业单位) is read
with the page, never stored here.

Exactness: every service writes its audit events in its transaction and announces them (core/audit.py);
`observe` notes the workers named (and the workers of an institution whose own record changed) and, just
before the transaction commits (core/db/precommit.py), `refresh` deletes those workers' facts and inserts
them again with the same INSERT … SELECT the full rebuild uses, under a PostgreSQL advisory lock so that
concurrent writers apply one after the other, each reading the registry as committed plus its own change.
Refreshing a worker twice gives the same rows. `check` compares the facts with a recount from the registry.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from careforce.core.audit import Announced
from careforce.core.db import precommit
from careforce.registry import completeness
from careforce.registry.models import Employment, Team, Worker
from careforce.staffing import rules
from careforce.staffing.models import CountedFact, FlowFact, RecordFact, TallyState

LOCK_KEY = 45_18_2026  # pg_advisory_xact_lock key of the staffing facts
CHUNK = 2000  # workers per statement when refreshing a set
INSTITUTION_TYPE = "institutions.institution"

COUNTED_COLUMNS = (
    "worker_id",
    "employment_id",
    "institution_id",
    "district_id",
    "post_id",
    "is_part_time",
    "is_care",
)
COVER_COLUMNS = ("is_first", "cover_kind", "cover_start_date", "cover_end_date")
RECORD_COLUMNS = ("worker_id", "institution_id", "district_id", "complete_undated", "confirmed_on")
FLOW_COLUMNS = ("employment_id", "worker_id", "district_id", "start_date", "end_date")


def _counted_source(worker_ids: Sequence[int] | None) -> QuerySet:
    qs = rules.counted_base()
    if worker_ids is not None:
        qs = qs.filter(worker_id__in=list(worker_ids))
    return qs.values(
        f_worker_id=F("worker_id"),
        f_employment_id=F("id"),
        f_institution_id=F("institution_id"),
        f_district_id=F("institution__district_id"),
        f_post_id=F("post_ref_id"),
        f_is_part_time=F("is_part_time"),
        f_is_care=ExpressionWrapper(Q(worker__team=Team.CARE), output_field=BooleanField()),
    )


def _record_source(worker_ids: Sequence[int] | None) -> QuerySet:
    workers = Worker.objects.all() if worker_ids is None else Worker.objects.filter(pk__in=list(worker_ids))
    return (
        completeness.current_staff(workers)
        .order_by()
        .values(
            f_worker_id=F("id"),
            f_institution_id=F("institution_id"),
            f_district_id=F("institution__district_id"),
            f_complete_undated=ExpressionWrapper(
                completeness.undated_complete_q(), output_field=BooleanField()
            ),
            f_confirmed_on=completeness.confirmed_on(),
        )
    )


def _flow_source(worker_ids: Sequence[int] | None) -> QuerySet:
    qs = rules.care_flow_base()
    if worker_ids is not None:
        qs = qs.filter(worker_id__in=list(worker_ids))
    return qs.values(
        f_employment_id=F("id"),
        f_worker_id=F("worker_id"),
        f_district_id=F("institution__district_id"),
        f_start_date=F("start_date"),
        f_end_date=F("end_date"),
    )


def _insert(worker_ids: Sequence[int] | None) -> None:
    """INSERT … SELECT the facts of these workers (all workers: None) from the registry: one statement per
    table, the same for a single worker and for the full rebuild."""
    from careforce.incentives.models import InsuranceCover

    counted_sql, counted_params = _counted_source(worker_ids).query.sql_with_params()
    cover_table = InsuranceCover._meta.db_table
    fact_table = CountedFact._meta.db_table
    record_sql, record_params = _record_source(worker_ids).query.sql_with_params()
    record_table = RecordFact._meta.db_table
    flow_sql, flow_params = _flow_source(worker_ids).query.sql_with_params()
    with connection.cursor() as cursor:
        # The LEFT JOIN adds the person's covers at the employment's institution (any kind, any dates):
        # which kind counts and on which day is decided when the facts are read.
        cursor.execute(
            f"INSERT INTO {fact_table} ({', '.join(COUNTED_COLUMNS + COVER_COLUMNS)}) "
            f"SELECT {', '.join('s.f_' + c for c in COUNTED_COLUMNS)}, "
            f"(c.id IS NULL OR c.id = (SELECT MIN(f.id) FROM {cover_table} f WHERE f.worker_id = s.f_worker_id"
            " AND f.institution_id = s.f_institution_id)), "
            "COALESCE(c.kind, ''), c.start_date, c.end_date "
            f"FROM ({counted_sql}) s LEFT JOIN {cover_table} c "
            "ON c.worker_id = s.f_worker_id AND c.institution_id = s.f_institution_id",
            counted_params,
        )
        cursor.execute(
            f"INSERT INTO {record_table} ({', '.join(RECORD_COLUMNS)}) "
            f"SELECT {', '.join('s.f_' + c for c in RECORD_COLUMNS)} FROM ({record_sql}) s",
            record_params,
        )
        cursor.execute(
            f"INSERT INTO {FlowFact._meta.db_table} ({', '.join(FLOW_COLUMNS)}) "
            f"SELECT {', '.join('s.f_' + c for c in FLOW_COLUMNS)} FROM ({flow_sql}) s",
            flow_params,
        )


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def refresh(worker_ids: Iterable[int]) -> int:
    """Rewrite these workers' facts from the registry, in a transaction. Returns how many."""
    with transaction.atomic():
        return _refresh(worker_ids)


def _refresh(worker_ids: Iterable[int]) -> int:
    # No atomic block of its own: it runs inside the writer's transaction as that commits
    # (core/db/precommit.py), where a nested block would be taken for the outermost one.
    ids = sorted({int(i) for i in worker_ids if i})
    if not ids:
        return 0
    _lock()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for model in (CountedFact, RecordFact, FlowFact):
            gone = model.objects.filter(worker_id__in=chunk)
            gone._raw_delete(gone.db)
        _insert(chunk)
    return len(ids)


def workers_of_institutions(institution_ids: Iterable[int]) -> set[int]:
    """Workers whose facts name these institutions or who are placed there (an institution's district)."""
    ids = list(institution_ids)
    if not ids:
        return set()
    return (
        set(CountedFact.objects.filter(institution_id__in=ids).values_list("worker_id", flat=True))
        | set(RecordFact.objects.filter(institution_id__in=ids).values_list("worker_id", flat=True))
        # Employments there, current or ended (the flow facts carry the institution's district).
        | set(Employment.objects.filter(institution_id__in=ids).values_list("worker_id", flat=True))
        | set(Worker.objects.filter(institution_id__in=ids).values_list("pk", flat=True))
    )


def build() -> None:
    """Every fact again from the registry, set-based (after a bulk load that bypassed the services)."""
    with transaction.atomic():
        _lock()
        CountedFact.objects.all().delete()
        RecordFact.objects.all().delete()
        FlowFact.objects.all().delete()
        _insert(None)
        TallyState.objects.update_or_create(pk=1, defaults={"built_at": timezone.now()})


def is_built() -> bool:
    return TallyState.objects.filter(pk=1).exists()


# ---------------------------------------------------------------- kept by the writes


def _pending() -> tuple[set[int], set[int]]:
    found = getattr(connection, "careforce_staffing_pending", None)
    if found is None:
        found = connection.careforce_staffing_pending = (set(), set())
    return found


def observe(events: Sequence[Announced]) -> None:
    """audit.announce's observer: note the workers (and moved institutions) named; applied before commit."""
    workers, institutions = _pending()
    for object_type, worker_id, institution_id in events:
        if worker_id:
            workers.add(worker_id)
        if institution_id and object_type == INSTITUTION_TYPE:
            institutions.add(institution_id)
    if workers or institutions:
        precommit.before_commit("staffing.tally", apply)


def apply() -> None:
    workers, institutions = _pending()
    connection.careforce_staffing_pending = (set(), set())
    _refresh(workers | workers_of_institutions(institutions))


# ---------------------------------------------------------------- the check


def differences(on=None) -> list[str]:
    """What the facts say that a recount from the registry does not (empty: they agree), per institution:
    people counted by post, care and total, and complete records / current staff; per district, the care
    staff who joined and left in the projection's window."""
    out = []
    for label, kept, recount in (
        ("heads", rules.heads(on=on), rules.heads(on=on, recount=True)),
        ("flow", flows(on), flows(on, recount=True)),
    ):
        for inst in sorted(set(kept) | set(recount)):
            a, b = kept.get(inst), recount.get(inst)
            if a != b:
                where = "district" if label == "flow" else "institution"
                out.append(f"{label} {where} {inst}: kept {a}, recount {b}")
    kept_shares = record_shares(on=on)
    recount_shares = completeness.shares_by_institution(on=on)
    for inst in sorted(set(kept_shares) | set(recount_shares)):
        if kept_shares.get(inst) != recount_shares.get(inst):
            out.append(
                f"records institution {inst}: kept {kept_shares.get(inst)}, recount {recount_shares.get(inst)}"
            )
    return out


# ---------------------------------------------------------------- completeness read from the facts


def record_shares(
    *, by: str = "institution", district_id: int | None = None, on=None
) -> dict[int, completeness.Share]:
    """institution (or district, by="district") id → complete records / current staff, one grouped query."""
    qs = RecordFact.objects.order_by()
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    key = "district_id" if by == "district" else "institution_id"
    complete = Q(complete_undated=True, confirmed_on__gte=completeness.confirmation_cutoff(on))
    sql, params = (
        qs.values_list(key)
        .annotate(total=Count("pk"), complete=Count("pk", filter=complete))
        .query.sql_with_params()
    )
    # Thousands of rows of ids and counts: read from the cursor, without the ORM's per-row machinery.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            group: completeness.Share(complete=n_complete, total=n_total)
            for group, n_total, n_complete in cursor.fetchall()
        }


# ---------------------------------------------------------------- the projection's flow read from the facts

FLOW_MONTHS = 24  # the projection's net flow: the last 24 months
FLOW_DAYS = FLOW_MONTHS * 365 // 12


def flows(on=None, *, recount: bool = False) -> dict[int, tuple[int, int]]:
    """district id → (full-time care staff who started, who ended) in the FLOW_DAYS up to `on` (today), two
    grouped index-only ranges over the flow facts; recount=True reads the employments instead (the check)."""
    on = on or timezone.localdate()
    start = on - datetime.timedelta(days=FLOW_DAYS)
    if recount:
        qs, district = rules.care_flow_base(), "institution__district_id"
    else:
        qs, district = FlowFact.objects.order_by(), "district_id"
    # Counting the date itself (never null in its range) keeps the count inside the index.
    joins = dict(
        qs.filter(start_date__gt=start, start_date__lte=on)
        .values_list(district)
        .annotate(n=Count("start_date"))
    )
    leaves = dict(
        qs.filter(end_date__gt=start, end_date__lte=on).values_list(district).annotate(n=Count("end_date"))
    )
    return {d: (joins.get(d, 0), leaves.get(d, 0)) for d in set(joins) | set(leaves) if d is not None}
