"""Aggregate reads of the records the indicators count, by district (and by institution for a drill-down).

Not scoped: these are the figures behind the dashboard; callers (selectors) decide who sees which
district's figures and which records. Every function groups by district in a few queries, so a set of
districts costs the same number of queries as one.

Figures are flat counters (`Figures`, a dict of name → number) that add up across districts; ratios are
always computed from summed numerators and denominators, never averaged.

The training, skills and conduct figures come from those apps' `metrics` modules (the cross-capability
contract). A module that is not installed yet simply contributes nothing, and the indicators that need it
are not offered (see definitions.py).
"""

from __future__ import annotations

import datetime
import importlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from functools import cache
from types import ModuleType
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution
from careforce.registry.models import Employment, Occupation, Worker

Figures = Counter  # name → number; adds up across districts

# Age bands of the pyramid (lower bound inclusive) and years-of-service bands.
AGE_BANDS = ((0, "<30"), (30, "30-39"), (40, "40-49"), (50, "50-59"), (60, "60+"))
SERVICE_BANDS = ((0, "<1"), (1, "1-2"), (3, "3-4"), (5, "5-9"), (10, "10+"))
HISTORY_MONTHS = 24
HEAD_OCCUPATION = "director"
SOCIAL_WORKER_OCCUPATION = "social_worker"
CARE_WORKER_OCCUPATION = "care_worker"


# ---------------------------------------------------------------- the contract modules


@cache
def contract(name: str) -> ModuleType | None:
    """careforce.<name>.metrics if that app has written it, else None (looked up once per process)."""
    try:
        return importlib.import_module(f"careforce.{name}.metrics")
    except ImportError:
        return None


def has(name: str, function: str) -> bool:
    module = contract(name)
    return module is not None and callable(getattr(module, function, None))


# ---------------------------------------------------------------- dates


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_end(first: datetime.date) -> datetime.date:
    return add_months(first, 1) - datetime.timedelta(days=1)


def months_back(today: datetime.date, count: int = HISTORY_MONTHS) -> list[datetime.date]:
    """The first days of the last `count` months, oldest first, the current month last."""
    current = month_start(today)
    return [add_months(current, -k) for k in range(count - 1, -1, -1)]


def month_key(day: datetime.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def years_before(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


# ---------------------------------------------------------------- registry figures by district


def _in(qs, field: str, ids: list[int] | None):
    return qs if ids is None else qs.filter(**{f"{field}__in": ids})


def occupation_codes() -> dict[int, str]:
    return dict(Occupation.objects.values_list("pk", "code"))


def _id_list(district_ids: list[int] | None, column: str) -> tuple[str, list[Any]]:
    if district_ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(district_ids))})", list(district_ids)


def _case(expression: str, today: datetime.date, bands) -> tuple[str, list[Any]]:
    """SQL CASE putting a date into a band of whole years before today (age, years since)."""
    whens = [(years_before(today, low), label) for low, label in reversed(bands) if low]
    sql = " ".join(f"WHEN {expression} <= %s THEN '{label}'" for _day, label in whens)
    return f"CASE {sql} ELSE '{bands[0][1]}' END", [day for day, _label in whens]


def registry_figures(district_ids: list[int] | None, today: datetime.date) -> dict[int, Figures]:
    """Active workers by team, occupation, gender × age, education, source channel, ownership and kind of
    their institution, years since their first recorded post; institutions, beds and residents.

    One pass over the district's workers (their rows are wide and scattered, so each pass is costly),
    grouped by every dimension at once; the marginals are added up here."""
    out: dict[int, Figures] = defaultdict(Figures)
    if district_ids is not None and not district_ids:
        return out
    codes = occupation_codes()
    age, age_params = _case("w.birth_date", today, AGE_BANDS)
    first_post = "(SELECT MIN(e.start_date) FROM registry_employment e WHERE e.worker_id = w.id)"
    service, service_params = _case(first_post, today, SERVICE_BANDS)
    where, where_params = _id_list(district_ids, "w.district_id")
    sql = (
        f"SELECT w.district_id, w.team, w.occupation_id, w.gender, {age}, w.education, w.source_channel,"
        f" i.ownership, i.kind, {service}, COUNT(*)"
        " FROM registry_worker w LEFT JOIN institutions_institution i ON i.id = w.institution_id"
        f" WHERE w.is_active{where} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*age_params, *service_params, *where_params])
        rows = cursor.fetchall()
    for district_id, team, occupation_id, gender, band, education, channel, ownership, kind, years, n in rows:
        f = out[district_id]
        f["workers"] += n
        f[f"team:{team}"] += n
        f[f"occupation:{codes.get(occupation_id, '?')}"] += n
        f[f"age:{gender}:{band}"] += n
        f[f"education:{education}"] += n
        f[f"source_channel:{channel}"] += n
        f[f"service:{years}"] += n
        if ownership is not None:
            f[f"ownership:{ownership}"] += n
            f[f"kind:{kind}"] += n

    sums = {field: Sum(field) for field, _label in RESIDENT_LEVEL_FIELDS}
    institutions = _in(Institution.objects.all(), "district_id", district_ids).order_by()
    for row in institutions.values("district_id").annotate(n=Count("id"), beds_=Sum("beds"), **sums):
        f = out[row["district_id"]]
        f["institutions"] += row["n"]
        f["beds"] += row["beds_"] or 0
        for field, _label in RESIDENT_LEVEL_FIELDS:
            f[f"residents:{field}"] += row[field] or 0
    return out


# ---------------------------------------------------------------- history from dated records


def _day_shift(column: str, days: int) -> str:
    """SQL for a date column shifted by whole days, in this database's dialect."""
    if connection.vendor == "postgresql":
        return f"({column} + {int(days)})"
    return f"date({column}, '{int(days):+d} day')"


def history_figures(district_ids: list[int] | None, today: datetime.date) -> dict[int, Figures]:
    """Per district and month of the last HISTORY_MONTHS: full-time posts held at month end (`posts:`),
    entries into the workforce (`joins:`) and exits from it (`leaves:`).

    Read back from employment dates, so a correction of a past date shows in the history at once.
    Full-time posts never overlap for one person, so posts held = people holding a full-time post.
    """
    out: dict[int, Figures] = defaultdict(Figures)
    months = months_back(today)
    first = months[0]
    # One pass over the full-time posts open at or after the window's start, grouped by their dates.
    rows = (
        _in(Employment.objects.filter(is_part_time=False), "institution__district_id", district_ids)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .order_by()
        .values_list("institution__district_id", "start_date", "end_date")
        .annotate(n=Count("id"))
    )
    opening: Counter = Counter()
    starts: dict[int, Counter] = defaultdict(Counter)
    ends: dict[int, Counter] = defaultdict(Counter)
    for district_id, start, end, n in rows:
        if start < first:
            opening[district_id] += n
        elif start <= today:
            starts[district_id][start] += n
        if end is not None and end <= today:
            ends[district_id][end] += n
    for district_id in set(opening) | set(starts) | set(ends):
        held = opening.get(district_id, 0)
        s, e = sorted(starts[district_id].items()), sorted(ends[district_id].items())
        for month in months:
            last = min(month_end(month), today)
            # Posts that started by the month's last day, less those that ended before it.
            held_at = held + sum(n for d, n in s if d <= last) - sum(n for d, n in e if d < last)
            out[district_id][f"posts:{month_key(month)}"] += held_at
    for kind, rows in (("joins", _flows(district_ids, first, today, "join")), ("leaves", None)):
        if rows is None:
            rows = _flows(district_ids, first, today, "leave")
        for district_id, day, n in rows:
            out[district_id][f"{kind}:{month_key(day)}"] += n
    return out


def _flows(
    district_ids: list[int] | None, first: datetime.date, today: datetime.date, kind: str
) -> list[tuple[int, datetime.date, int]]:
    """(district, day, people) entering the workforce (a post starting with no post the day before) or
    leaving it (a post ending with no post the day after). Transfers are neither."""
    if kind == "join":
        day, other = (
            "e.start_date",
            (
                "(p.start_date < e.start_date OR (p.start_date = e.start_date AND p.id < e.id))"
                f" AND (p.end_date IS NULL OR p.end_date >= {_day_shift('e.start_date', -1)})"
            ),
        )
    else:
        day, other = (
            "e.end_date",
            (
                f"p.start_date <= {_day_shift('e.end_date', 1)}"
                " AND (p.end_date IS NULL OR p.end_date > e.end_date OR (p.end_date = e.end_date AND p.id > e.id))"
            ),
        )
    params: list[Any] = [first, today]
    where = f"{day} >= %s AND {day} <= %s"
    if district_ids is not None:
        if not district_ids:
            return []
        where += f" AND i.district_id IN ({', '.join(['%s'] * len(district_ids))})"
        params += list(district_ids)
    sql = (
        f"SELECT i.district_id, {day}, COUNT(*) FROM registry_employment e"
        " JOIN institutions_institution i ON i.id = e.institution_id"
        f" WHERE {where} AND NOT EXISTS (SELECT 1 FROM registry_employment p"
        f" WHERE p.worker_id = e.worker_id AND p.id <> e.id AND {other})"
        f" GROUP BY i.district_id, {day}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        (d, v if isinstance(v, datetime.date) else datetime.date.fromisoformat(str(v)), n) for d, v, n in rows
    ]


# ---------------------------------------------------------------- contract figures by district


def contract_figures(district_ids: list[int], today: datetime.date) -> dict[int, Figures]:
    """Certification, training, heads' training and complaints, from the apps that keep them."""
    out: dict[int, Figures] = defaultdict(Figures)
    if not district_ids:
        return out
    skills, training, conduct = contract("skills"), contract("training"), contract("conduct")
    if has("skills", "certification_counts"):
        for district_id, (certified, care) in skills.certification_counts(
            by="district", ids=district_ids
        ).items():
            out[district_id]["certified_care_workers"] += certified
            out[district_id]["care_workers"] += care
    if has("training", "training_person_times"):
        for year_key, year in (
            ("training_person_times", today.year),
            ("training_person_times_last", today.year - 1),
        ):
            for district_id, n in training.training_person_times(
                year=year, district_ids=district_ids
            ).items():
                out[district_id][year_key] += n
    if has("training", "training_hours_for_workers"):
        heads = heads_by_institution(district_ids=district_ids)
        trained = trained_heads(heads, today)
        for _institution_id, (district_id, head_ids) in heads.items():
            out[district_id]["heads"] += len(head_ids)
            out[district_id]["heads_trained"] += len(head_ids & trained)
    for district_id, n in training_bases(district_ids, today).items():
        out[district_id]["training_bases"] += n
    if has("conduct", "overdue_complaints"):
        for district_id, n in conduct.overdue_complaints(district_ids=district_ids).items():
            out[district_id]["overdue_complaints"] += n
    return out


def trained_heads(heads: dict[int, tuple[int, set[int]]], today: datetime.date) -> set[int]:
    """The heads with at least one training completed since 1 January (training's contract: completed
    hours per worker since a date). One indexed read per head list, not a scan of the enrolments."""
    ids = {worker_id for _district, head_ids in heads.values() for worker_id in head_ids}
    if not ids:
        return set()
    hours = contract("training").training_hours_for_workers(ids, since=datetime.date(today.year, 1, 1))
    return {worker_id for worker_id, total in hours.items() if total and total > 0}


def model(label: str):
    """Another app's model by name ("training.TrainingBase"), or None while it does not exist."""
    from django.apps import apps

    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def training_bases(district_ids: list[int], today: datetime.date) -> dict[int, int]:
    """Active training bases (培训基地; practical-training bases are not counted) accredited by today, by
    district. The training app exposes no count, so its model is read by name."""
    base = model("training.TrainingBase")
    if base is None:
        return {}
    qs = base.objects.filter(
        kind="training", is_active=True, accredited_on__lte=today, district_id__in=district_ids
    )
    return dict(qs.order_by().values("district_id").annotate(n=Count("id")).values_list("district_id", "n"))


def heads_courses(year: int) -> int:
    """City-tier heads' course sessions (领雁) starting in the year, not cancelled (training model by name)."""
    session = model("training.Session")
    if session is None:
        return 0
    return session.objects.filter(
        course__kind="heads", course__tier="city", is_cancelled=False, start_date__year=year
    ).count()


def heads_by_institution(
    *, district_ids: list[int] | None = None, institution_ids: Iterable[int] | None = None
) -> dict[int, tuple[int, set[int]]]:
    """institution id → (district id, ids of its heads): active workers placed there whose occupation is
    the head of an institution (院长/机构负责人)."""
    qs = Worker.objects.filter(is_active=True, occupation__code=HEAD_OCCUPATION, institution__isnull=False)
    qs = _in(qs, "district_id", district_ids)
    if institution_ids is not None:
        qs = qs.filter(institution_id__in=list(institution_ids))
    out: dict[int, tuple[int, set[int]]] = {}
    for worker_id, institution_id, district_id in qs.order_by().values_list(
        "id", "institution_id", "district_id"
    ):
        out.setdefault(institution_id, (district_id, set()))[1].add(worker_id)
    return out


# ---------------------------------------------------------------- institutions of one district


def institution_rows(district_id: int, today: datetime.date) -> list[dict[str, Any]]:
    """Every institution of a district with the figures its row in the drill-down needs (a few queries)."""
    with no_jit():
        return _institution_rows(district_id, today)


def _institution_rows(district_id: int, today: datetime.date) -> list[dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    fields = ["id", "name", "kind", "ownership", "beds", *[f for f, _l in RESIDENT_LEVEL_FIELDS]]
    for inst in Institution.objects.filter(district_id=district_id).order_by("name", "id").values(*fields):
        inst["figures"] = Figures()
        rows[inst["id"]] = inst
    if not rows:
        return []
    codes = occupation_codes()
    care_like = Count("id", filter=Q(team="care"))
    for row in (
        Worker.objects.filter(is_active=True, district_id=district_id, institution__isnull=False)
        .order_by()
        .values("institution_id", "occupation_id")
        .annotate(n=Count("id"), care=care_like)
    ):
        if row["institution_id"] not in rows:
            continue
        f = rows[row["institution_id"]]["figures"]
        f["workers"] += row["n"]
        f["team:care"] += row["care"]
        f[f"occupation:{codes.get(row['occupation_id'], '?')}"] += row["n"]
    ids = list(rows)
    if has("skills", "certification_counts"):
        for institution_id, (certified, care) in (
            contract("skills").certification_counts(by="institution", ids=ids).items()
        ):
            if institution_id in rows:
                rows[institution_id]["figures"]["certified_care_workers"] += certified
                rows[institution_id]["figures"]["care_workers"] += care
    heads = heads_by_institution(institution_ids=ids)
    for institution_id, (_district, head_ids) in heads.items():
        rows[institution_id]["figures"]["heads"] += len(head_ids)
        rows[institution_id]["head_ids"] = sorted(head_ids)
    if has("training", "training_hours_for_workers") and heads:
        trained = trained_heads(heads, today)
        for institution_id, (_district, head_ids) in heads.items():
            done = head_ids & trained
            rows[institution_id]["figures"]["heads_trained"] += len(done)
            rows[institution_id]["untrained_head_ids"] = sorted(head_ids - done)
    if has("conduct", "complaint_counts"):
        since = datetime.date(today.year, 1, 1)
        for institution_id, n in (
            contract("conduct").complaint_counts(by="institution", ids=ids, since=since).items()
        ):
            if institution_id in rows:
                rows[institution_id]["figures"]["complaints"] += n
    return list(rows.values())


def merge(*parts: dict[int, Figures]) -> dict[int, Figures]:
    out: dict[int, Figures] = defaultdict(Figures)
    for part in parts:
        for key, figures in part.items():
            out[key].update(figures)
    return out


@contextmanager
def no_jit():
    """PostgreSQL's JIT compiles these aggregate plans for about a second each (their cost estimate is
    high) while they run in tens of milliseconds: switch it off for the aggregates only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def district_figures(district_ids: list[int], today: datetime.date) -> dict[int, Figures]:
    """Everything the indicators count, for a set of districts (every id present, empty when no data)."""
    with no_jit():
        return _district_figures(district_ids, today)


def _district_figures(district_ids: list[int], today: datetime.date) -> dict[int, Figures]:
    merged = merge(
        registry_figures(district_ids, today),
        history_figures(district_ids, today),
        contract_figures(district_ids, today),
    )
    return {district_id: merged.get(district_id, Figures()) for district_id in district_ids}
