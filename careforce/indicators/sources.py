"""Aggregate reads of the records the indicators count, by district (and by institution for a drill-down).

Not scoped: these are the figures behind the dashboard; callers (selectors) decide who sees which
district's figures and which records. Every function groups by district in a few queries, so a set of
districts costs the same number of queries as one.

Figures are flat counters (`Figures`, a dict of name → number) that add up across districts; ratios are
always computed from summed numerators and denominators, never averaged.

The training, skills, conduct, time bank, incentives and recognition figures come from those apps' `metrics` modules (the cross-capability
contract). A module that is not installed yet simply contributes nothing, and the indicators that need it
are not offered (see definitions.py).
"""

from __future__ import annotations

import datetime
import importlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import contextmanager, nullcontext
from functools import cache
from types import ModuleType
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum

from careforce.indicators.facts import AGE_BANDS, SERVICE_BANDS, years_before
from careforce.indicators.models import DistrictCounter, InstitutionCounter
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution
from careforce.registry.models import Occupation

Figures = Counter  # name → number; adds up across districts

# Age bands of the pyramid (lower bound inclusive) and years-of-service bands: facts.AGE_BANDS, SERVICE_BANDS.
__all__ = ["AGE_BANDS", "SERVICE_BANDS", "years_before"]
HISTORY_MONTHS = 24
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


# ---------------------------------------------------------------- registry figures by district


def _in(qs, field: str, ids: list[int] | None):
    return qs if ids is None else qs.filter(**{f"{field}__in": ids})


def occupation_codes() -> dict[int, str]:
    return dict(Occupation.objects.values_list("pk", "code"))


def _id_list(district_ids: list[int] | None, column: str) -> tuple[str, list[Any]]:
    if district_ids is None:
        return "", []
    return f" AND {column} IN ({', '.join(['%s'] * len(district_ids))})", list(district_ids)


def district_counters(district_ids: list[int] | None) -> dict[int, Counter]:
    """The persisted counters (facts.py) of these districts: {district: {key: n}}, zeros left out."""
    out: dict[int, Counter] = defaultdict(Counter)
    if district_ids is not None and not district_ids:
        return out
    where, params = _id_list(district_ids, "district_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT district_id, key, n FROM {DistrictCounter._meta.db_table} WHERE n <> 0{where}", params
        )
        for district_id, key, n in cursor.fetchall():
            out[district_id][key] = n
    return out


def figures_from_counters(counters: Counter, today: datetime.date, codes: dict[int, str]) -> Figures:
    """A district's figures from its counters: occupations by code, and the history cut to the last
    HISTORY_MONTHS months.

    History: full-time posts held at each month end = posts started by that month less posts whose day
    after ending is by that month (the current month: as recorded so far), for all posts ("posts:M") and
    per series ("posts.care:M", "posts.sw:M", "posts.cw:M"); joins and leaves by month."""
    f = Figures()
    window = [month_key(m) for m in months_back(today)]
    first, inside = window[0], set(window)
    opening: Counter = Counter()
    started: Counter = Counter()
    gone: Counter = Counter()
    series: set[str] = set()
    for key, n in counters.items():
        prefix, _sep, rest = key.partition(":")
        base, _dot, name = prefix.partition(".")
        if base in ("ft_start", "ft_gone"):
            series.add(name)
            sign = 1 if base == "ft_start" else -1
            if rest < first:
                opening[name] += sign * n
            elif base == "ft_start":
                started[(name, rest)] += n
            else:
                gone[(name, rest)] += n
        elif prefix in ("join", "leave"):
            if rest in inside:
                f[f"{'joins' if prefix == 'join' else 'leaves'}:{rest}"] += n
        elif prefix == "occ":
            pk = int(rest) if rest.isdigit() else None
            f[f"occupation:{codes.get(pk, '?')}"] += n
        else:
            f[key] += n
    # The verified share's two counts (registry/verification.py): current workers are the active workers
    # of the district ("workers"), the verified ones a counter of their own.
    f["current_workers"] = f["workers"]
    for name in series:
        held = opening[name]
        label = f"posts.{name}" if name else "posts"
        for month in window:
            held += started.get((name, month), 0) - gone.get((name, month), 0)
            f[f"{label}:{month}"] += held
    return f


def registry_figures(district_ids: list[int] | None, today: datetime.date) -> dict[int, Figures]:
    """Active workers by team, occupation, gender x age, education, source channel, ownership and kind of
    their institution, years since their first recorded post, heads and heads trained; the monthly history
    and flows: all from the persisted counters (facts.py), one query."""
    out: dict[int, Figures] = defaultdict(Figures)
    if district_ids is not None and not district_ids:
        return out
    codes = occupation_codes()
    for district_id, counters in district_counters(district_ids).items():
        out[district_id] = figures_from_counters(counters, today, codes)
    return out


def place_figures(district_ids: list[int] | None) -> dict[int, Figures]:
    """Institutions, beds and residents by ability level, by district."""
    out: dict[int, Figures] = defaultdict(Figures)
    if district_ids is not None and not district_ids:
        return out
    sums = {field: Sum(field) for field, _label in RESIDENT_LEVEL_FIELDS}
    institutions = _in(Institution.objects.all(), "district_id", district_ids).order_by()
    for row in institutions.values("district_id").annotate(n=Count("id"), beds_=Sum("beds"), **sums):
        f = out[row["district_id"]]
        f["institutions"] += row["n"]
        f["beds"] += row["beds_"] or 0
        for field, _label in RESIDENT_LEVEL_FIELDS:
            f[f"residents:{field}"] += row[field] or 0
    return out


# ---------------------------------------------------------------- contract figures by district


def certification_by_institution(institution_ids: Iterable[int] | None) -> dict[int, tuple[int, int]]:
    """institution -> (certified care workers, care workers) from skills' tally (all when ids is None)."""
    if not has("skills", "certification_counts"):
        return {}
    ids = None if institution_ids is None else list(institution_ids)
    return contract("skills").certification_counts(by="institution", ids=ids)


def certification_figures(district_ids: list[int]) -> dict[int, Figures]:
    """Certified care workers and care workers, by district (skills' tally, kept with placements)."""
    out: dict[int, Figures] = defaultdict(Figures)
    if district_ids and has("skills", "certification_counts"):
        for district_id, (certified, care) in (
            contract("skills").certification_counts(by="district", ids=district_ids).items()
        ):
            out[district_id]["certified_care_workers"] += certified
            out[district_id]["care_workers"] += care
    return out


def contract_figures(district_ids: list[int], today: datetime.date) -> dict[int, Figures]:
    """Training person-times, training bases and overdue complaints, from the apps that keep them.
    (Certification: certification_figures; heads and heads trained are counters of the facts.)"""
    out: dict[int, Figures] = defaultdict(Figures)
    if not district_ids:
        return out
    training, conduct = contract("training"), contract("conduct")
    if has("training", "training_person_times"):
        for year_key, year in (
            ("training_person_times", today.year),
            ("training_person_times_last", today.year - 1),
        ):
            for district_id, n in training.training_person_times(
                year=year, district_ids=district_ids
            ).items():
                out[district_id][year_key] += n
    for district_id, n in training_bases(district_ids, today).items():
        out[district_id]["training_bases"] += n
    ends = {month_key(m): month_end(m) for m in months_back(today)[:-1]}  # past month ends
    for (district_id, month), n in training_bases_history(district_ids, ends).items():
        out[district_id][f"bases:{month}"] += n
    if has("conduct", "overdue_complaints"):
        for district_id, n in conduct.overdue_complaints(district_ids=district_ids).items():
            out[district_id]["overdue_complaints"] += n
    if has("timebank", "timebank_figures"):
        for district_id, row in contract("timebank").timebank_figures(district_ids=district_ids).items():
            for name, value in row.items():
                out[district_id][f"timebank_{name}"] += value
    if has("incentives", "incentives_figures"):
        found = contract("incentives").incentives_figures(district_ids=district_ids, day=today)
        for district_id, row in found.items():
            for name, value in row.items():
                out[district_id][f"incentives_{name}"] += value
    if has("recognition", "recognition_figures"):
        found = contract("recognition").recognition_figures(district_ids=district_ids, year=today.year)
        for district_id, row in found.items():
            for name, value in row.items():
                out[district_id][f"recognition_{name}"] += value
    if has("conduct", "overdue_complaints_at"):
        keys = {day: key for key, day in ends.items()}
        found = conduct.overdue_complaints_at(list(keys), district_ids=district_ids)
        for district_id in district_ids:
            for day, key in keys.items():  # zeros too: the history starts where the records do
                out[district_id][f"overdue:{key}"] += found.get((district_id, day), 0)
    return out


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


def training_bases_history(
    district_ids: list[int], ends: dict[str, datetime.date]
) -> dict[tuple[int, str], int]:
    """Training bases (as counted now) already accredited at each past month end: {(district, month): n}."""
    base = model("training.TrainingBase")
    if base is None or not ends:
        return {}
    out: dict[tuple[int, str], int] = {}
    accredited = base.objects.filter(kind="training", is_active=True, district_id__in=district_ids)
    for district_id, day in accredited.values_list("district_id", "accredited_on"):
        for month, end in ends.items():
            if day is not None and day <= end:
                out[(district_id, month)] = out.get((district_id, month), 0) + 1
    return out


def heads_courses(year: int) -> int:
    """City-tier heads' course sessions (领雁) starting in the year, not cancelled (training model by name)."""
    session = model("training.Session")
    if session is None:
        return 0
    return session.objects.filter(
        course__kind="heads", course__tier="city", is_cancelled=False, start_date__year=year
    ).count()


# ---------------------------------------------------------------- institutions of one district

INSTITUTION_FIELDS = ["id", "name", "kind", "ownership", "beds", *[f for f, _l in RESIDENT_LEVEL_FIELDS]]


def institutions_of(district_id: int):
    """The institutions of a district in the drill-down's order (name, id)."""
    return Institution.objects.filter(district_id=district_id).order_by("name", "id")


def institution_rows(
    district_id: int, today: datetime.date, *, institution_ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """Institutions of a district (all, or only those asked, e.g. one page) with the figures their rows
    need: staff by team and occupation, heads and heads trained (counters of the facts), certification
    (skills' tally), substantiated complaints this year (conduct). A few queries whatever the count."""
    qs = institutions_of(district_id)
    if institution_ids is not None:
        qs = qs.filter(pk__in=list(institution_ids))
    rows: dict[int, dict[str, Any]] = {}
    for inst in qs.values(*INSTITUTION_FIELDS):
        inst["figures"] = Figures(institutions=1)  # the 领雁 rate's denominator at this level
        rows[inst["id"]] = inst
    if not rows:
        return []
    codes = occupation_codes()
    ids = list(rows)
    counters = InstitutionCounter.objects.filter(n__gt=0)
    counters = (
        counters.filter(institution_id__in=ids)
        if institution_ids is not None
        else counters.filter(
            institution_id__in=Institution.objects.filter(district_id=district_id).values("pk")
        )
    )
    for institution_id, key, n in counters.values_list("institution_id", "key", "n"):
        if institution_id not in rows:
            continue
        prefix, _sep, rest = key.partition(":")
        if prefix == "occ":
            key = f"occupation:{codes.get(int(rest) if rest.isdigit() else None, '?')}"
        rows[institution_id]["figures"][key] += n
    if has("skills", "certification_counts"):
        for institution_id, (certified, care) in (
            contract("skills").certification_counts(by="institution", ids=ids).items()
        ):
            if institution_id in rows:
                rows[institution_id]["figures"]["certified_care_workers"] += certified
                rows[institution_id]["figures"]["care_workers"] += care
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


# The figures of a district come in two parts, read apart by the engine: WORKERS, the facts' counters;
# PLACES, institutions, beds and residents, certification, training, bases and complaints.
WORKERS, PLACES = "workers", "places"
PARTS = (WORKERS, PLACES)


def district_figures(
    district_ids: list[int], today: datetime.date, parts: Iterable[str] = PARTS
) -> dict[int, dict[str, Figures]]:
    """{district: {part: figures}} for the parts asked (every district present, empty when no data)."""
    parts = tuple(parts)
    # A district or two (after a change) plans far below JIT's threshold: spare the round trips.
    with no_jit() if len(district_ids) > 2 else nullcontext():
        found: dict[str, dict[int, Figures]] = {}
        if WORKERS in parts:
            found[WORKERS] = registry_figures(district_ids, today)
        if PLACES in parts:
            found[PLACES] = merge(
                place_figures(district_ids),
                contract_figures(district_ids, today),
                certification_figures(district_ids),
            )
    return {d: {part: found[part].get(d, Figures()) for part in parts} for d in district_ids}
