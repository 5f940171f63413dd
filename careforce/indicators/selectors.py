"""Scoped reads of the dashboard: who sees which figures, and which records behind them.

- City administrators and city auditors: every district, every institution.
- District administrators and district auditors: the city overview in aggregate (every district's
  figures, as on a published map), but the records behind them and the drill-down only for their own
  district; another district's page answers 404.
- Institution administrators: their institution's figures only.
- Workers (and anyone without a scope): 404 on every dashboard page.
"""

from __future__ import annotations

import datetime
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core.models import District, User
from careforce.core.scope import Level, Scope, scope_of
from careforce.indicators import definitions, engine, sources
from careforce.indicators.definitions import COUNT, YEAR, Indicator, Result
from careforce.indicators.models import (
    MonthlyFigure,
    OlderPopulation,
    PeriodReport,
    Recurrence,
    ShareBasis,
    StaffingRatio,
    Target,
    TargetShare,
)
from careforce.indicators.projection import Projection, project_stock, project_year
from careforce.indicators.sources import Figures, month_key, months_back
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution, InstitutionKind, Ownership
from careforce.institutions.selectors import institution_get
from careforce.registry.models import Education, Gender, Occupation, SourceChannel, Team

# ---------------------------------------------------------------- scope


def dashboard_scope(user: User) -> Scope:
    """The viewer's scope; workers and accounts without a scope are told the dashboard does not exist."""
    scope = scope_of(user)
    if not scope.is_area:
        raise Http404
    return scope


def sees_district(scope: Scope, district_id: int) -> bool:
    """Whether the viewer may open this district's drill-down and its records."""
    if scope.level == Level.CITY:
        return True
    return scope.level == Level.DISTRICT and scope.district_id == district_id


def district_get(user: User, pk: object) -> District:
    scope = dashboard_scope(user)
    try:
        district = District.objects.get(pk=int(pk))
    except (District.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
    if not sees_district(scope, district.pk):
        raise Http404
    return district


def institution_for_dashboard(user: User, pk: object) -> Institution:
    dashboard_scope(user)
    return institution_get(user, pk)


# ---------------------------------------------------------------- links to the records behind a number


def _occupation_pks() -> dict[str, int]:
    return {code: pk for pk, code in Occupation.objects.values_list("pk", "code")}


def records_url(
    indicator: Indicator | None,
    scope: Scope,
    *,
    district_id: int | None,
    institution_id: int | None = None,
    extra: dict[str, str] | None = None,
    occupations: dict[str, int] | None = None,
) -> str | None:
    """The worker list behind a number, or None when the viewer may not see those records.

    A city-wide number links only for city-level viewers (a district official's list would show a part).
    """
    filters = dict(indicator.records or {}) if indicator is not None else {"active": "yes"}
    if indicator is not None and indicator.records is None:
        return None
    filters.update(extra or {})
    if scope.level == Level.CITY:
        if district_id:
            filters["district"] = str(district_id)
    elif scope.level == Level.DISTRICT:
        if district_id != scope.district_id:
            return None
    elif scope.level == Level.INSTITUTION:
        if institution_id != scope.institution_id:
            return None
    else:
        return None
    if institution_id:
        filters["institution"] = str(institution_id)
    code = filters.pop("occupation", None)
    if code:
        pk = (occupations or _occupation_pks()).get(code)
        if pk is None:
            return None
        filters["occupation"] = str(pk)
    return f"{reverse('registry:worker_list')}?{urlencode(filters)}"


# ---------------------------------------------------------------- denominators and targets


def older_population() -> tuple[int | None, dict[int, int]]:
    """(city figure or None, {district: figure}): the newest year per place, from the rows entered."""
    city: int | None = None
    by_district: dict[int, int] = {}
    seen: set = set()
    for district_id, count in OlderPopulation.objects.order_by("district_id", "-year").values_list(
        "district_id", "count"
    ):
        if district_id in seen:
            continue
        seen.add(district_id)
        if district_id is None:
            city = count
        else:
            by_district[district_id] = count
    return city, by_district


@dataclass
class Context:
    """Everything one page needs besides the blocks, read once per request (a handful of queries)."""

    today: datetime.date
    blocks: dict[int, Figures]
    districts: dict[int, District]
    city_older: int | None
    older: dict[int, int]
    targets: list[Target]
    shares: dict[int, dict[int, Decimal]]
    occupations: dict[str, int]
    city_extras: dict[str, int]
    # The city's workers, when `blocks` holds only some districts (the default shares need the total).
    workers_total: int | None = None
    _memo: dict = dataclass_field(default_factory=dict)

    def figures(self, district_id: int | None) -> Figures:
        """The summed figures of the city (None) or of a district, with their denominators; computed
        once per request (the city total adds 41 blocks)."""
        cached = self._memo.get(district_id)
        if cached is None:
            cached = self._memo[district_id] = self._figures(district_id)
        return cached

    def _figures(self, district_id: int | None) -> Figures:
        if district_id is None:
            f = engine.total(self.blocks.values())
            older = self.city_older
            if older is None and self.older and len(self.older) == len(self.districts):
                older = sum(self.older.values())
        else:
            f = Figures(self.blocks.get(district_id, Figures()))
            older = self.older.get(district_id)
        if older:
            f["older_population"] = older
        if district_id is None:
            f["heads_courses"] = self.city_extras.get("heads_courses", 0)
        return f


def load_context(district_ids: list[int] | None = None) -> Context:
    targets = list(Target.objects.filter(is_active=True).order_by("due_date", "id"))
    shares: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for target_id, district_id, share in TargetShare.objects.filter(target__in=targets).values_list(
        "target_id", "district_id", "share"
    ):
        shares[target_id][district_id] = share
    city_older, older = older_population()
    districts = {d.pk: d for d in District.objects.order_by("sort_order", "code")}
    blocks = engine.blocks(district_ids if district_ids is not None else list(districts))
    return Context(
        today=timezone.localdate(),
        blocks=blocks,
        districts=districts,
        city_older=city_older,
        older=older,
        targets=targets,
        shares=shares,
        occupations=_occupation_pks(),
        city_extras=city_extras(),
        workers_total=None if len(blocks) == len(districts) else workers_total(),
    )


def _workers_total_sql() -> str:
    """The city's workers: the sum of every district's "workers" counter (the figure a district block
    carries as "workers", facts.py), one unique-index probe per district."""
    from careforce.indicators.models import DistrictCounter

    quote = connection.ops.quote_name
    counter, district = quote(DistrictCounter._meta.db_table), quote(District._meta.db_table)
    return (
        f"(SELECT COALESCE(SUM((SELECT c.{quote('n')} FROM {counter} c WHERE c.{quote('district_id')} = d.{quote('id')}"
        f" AND c.{quote('key')} = 'workers')), 0) FROM {district} d)"
    )


def workers_total() -> int:
    """The city's workers without reading every district's block (a district's page or answer)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + _workers_total_sql())
        return int(cursor.fetchone()[0])


@dataclass(frozen=True)
class PlaceTarget:
    target: Target
    value: Decimal  # for this place (a district's share of a city count target)
    share: Decimal | None  # the district's share, for a count target split among districts
    share_is_default: bool
    due_date: datetime.date


def _default_share(target: Target, district_id: int, ctx: Context) -> Decimal | None:
    if target.share_basis == ShareBasis.EQUAL:
        return Decimal(1) / Decimal(len(ctx.districts) or 1)
    if target.share_basis == ShareBasis.OLDER_POPULATION:
        total = sum(ctx.older.values())
        return Decimal(ctx.older.get(district_id, 0)) / total if total else None
    total = ctx.workers_total
    if total is None:
        total = sum(b.get("workers", 0) for b in ctx.blocks.values())
    if not total:
        return None
    return Decimal(ctx.blocks.get(district_id, Figures()).get("workers", 0)) / Decimal(total)


def _due(target: Target, today: datetime.date) -> datetime.date:
    return datetime.date(today.year, 12, 31) if target.recurrence == Recurrence.YEARLY else target.due_date


def place_targets(indicator: Indicator, district_id: int | None, ctx: Context) -> list[PlaceTarget]:
    """Every target that applies here, soonest first (25,000 by 2027 and 30,000 by 2029 are both shown):
    a district's own rows if it has any, else the city's; a count target of the city split by the
    district's share, rounded to whole units (people, bases) — a city target that is not split among
    districts applies to the city only."""
    rows = [t for t in ctx.targets if t.indicator == indicator.code]
    own = [t for t in rows if district_id is not None and t.district_id == district_id]
    if own:
        return sorted(
            (PlaceTarget(t, indicator.round(t.value), None, False, _due(t, ctx.today)) for t in own),
            key=lambda p: p.due_date,
        )
    out = []
    for city in (t for t in rows if t.district_id is None):
        if district_id is None or indicator.kind != COUNT:
            out.append(PlaceTarget(city, indicator.round(city.value), None, False, _due(city, ctx.today)))
            continue
        if city.share_basis == ShareBasis.CITY_ONLY:
            continue
        explicit = ctx.shares.get(city.pk, {}).get(district_id)
        share = explicit if explicit is not None else _default_share(city, district_id, ctx)
        if share is None:
            continue
        value = indicator.round(city.value * share)
        out.append(PlaceTarget(city, value, share, explicit is None, _due(city, ctx.today)))
    return sorted(out, key=lambda p: p.due_date)


def place_target(indicator: Indicator, district_id: int | None, ctx: Context) -> PlaceTarget | None:
    """The target a page leads with: the nearest one not yet due, else the latest."""
    found = place_targets(indicator, district_id, ctx)
    upcoming = [t for t in found if t.due_date >= ctx.today]
    return upcoming[0] if upcoming else (found[-1] if found else None)


# ---------------------------------------------------------------- trend


def stored_series(district_id: int | None, today: datetime.date) -> dict[str, dict[str, Decimal]]:
    """{indicator: {YYYY-MM: value}} of the monthly figures stored for a place (one query)."""
    first = months_back(today)[0]
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    qs = MonthlyFigure.objects.filter(month__gte=first)
    qs = qs.filter(district__isnull=True) if district_id is None else qs.filter(district_id=district_id)
    for code, month, value in qs.values_list("indicator", "month", "value"):
        out[code][month_key(month)] = value
    return out


def series(
    indicator: Indicator,
    figures: Figures,
    now: Decimal | None,
    stored: dict[str, Decimal],
    today: datetime.date,
) -> list[tuple[str, Decimal | None]]:
    """Month-end values of the last months, oldest first; the current month is today's value."""
    months = [month_key(m) for m in months_back(today)]
    points: list[tuple[str, Decimal | None]] = []
    for key in months[:-1]:
        value = None
        if indicator.history is not None:
            result = indicator.history(figures, key)
            value = result.value if result is not None else None
        if value is None:
            value = stored.get(key)
        points.append((key, indicator.round(value) if value is not None else None))
    points.append((months[-1], indicator.round(now) if now is not None else None))
    # Leading months without data are dropped; the line starts where the records do.
    while points and points[0][1] is None:
        points.pop(0)
    return points


# ---------------------------------------------------------------- one indicator at one place


@dataclass(frozen=True)
class Goal:
    """One target of a place and how the figure stands against it by its due date."""

    target: PlaceTarget
    projection: Projection


@dataclass
class Reading:
    indicator: Indicator
    result: Result
    value: Decimal | None
    goals: list[Goal]
    points: list[tuple[str, Decimal | None]]
    url: str | None
    lead: Goal | None = None  # the nearest goal not yet due, else the latest

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def target(self) -> PlaceTarget | None:
        return self.lead.target if self.lead else None

    @property
    def projection(self) -> Projection | None:
        return self.lead.projection if self.lead else None

    @property
    def sparkline(self) -> list:
        return [float(v) if v is not None else None for _k, v in self.points]

    @property
    def months(self) -> list[str]:
        return [k for k, _v in self.points]


def project(indicator: Indicator, target: PlaceTarget, result: Result, points, today) -> Projection:
    """The projection to one target's due date, in the indicator's own units (whole people, bases)."""
    if indicator.period == YEAR or target.target.recurrence == Recurrence.YEARLY:
        found = project_year(
            year_to_date=result.value,
            target=target.value,
            today=today,
            at_risk_ratio=target.target.at_risk_ratio,
        )
    else:
        found = project_stock(
            history=[v for _k, v in points if v is not None],
            now=result.value,
            target=target.value,
            due=target.due_date,
            today=today,
            at_risk_ratio=target.target.at_risk_ratio,
            window=target.target.trend_months,
        )
    return found.rounded(indicator.decimals, whole=indicator.kind == COUNT)


def read(
    indicator: Indicator,
    district_id: int | None,
    ctx: Context,
    scope: Scope,
    stored: dict[str, dict[str, Decimal]],
    *,
    figures: Figures | None = None,
) -> Reading:
    figures = figures if figures is not None else ctx.figures(district_id)
    result = indicator.compute(figures)
    value = indicator.round(result.value)
    points = series(indicator, figures, result.value, stored.get(indicator.code, {}), ctx.today)
    goals = [
        Goal(t, project(indicator, t, result, points, ctx.today))
        for t in place_targets(indicator, district_id, ctx)
    ]
    upcoming = [g for g in goals if g.target.due_date >= ctx.today]
    lead = upcoming[0] if upcoming else (goals[-1] if goals else None)
    url = records_url(indicator, scope, district_id=district_id, occupations=ctx.occupations)
    return Reading(indicator, result, value, goals, points, url, lead)


def ranking(indicator: Indicator, ctx: Context, scope: Scope) -> list[dict[str, Any]]:
    """Every district's value, best first, with its rank and link. A district with no worker in the
    registry is not ranked (its zeros say nothing: no overdue complaint where nothing is recorded is not
    the best result), nor one without data; both are listed last."""
    rows = []
    for district_id, district in ctx.districts.items():
        figures = ctx.figures(district_id)
        result = indicator.compute(figures)
        rows.append(
            {
                "district": district,
                "value": indicator.round(result.value),
                "ranked": result.value is not None and figures.get("workers", 0) > 0,
                "numerator": result.numerator,
                "denominator": result.denominator,
                "url": records_url(indicator, scope, district_id=district_id, occupations=ctx.occupations),
                "can_drill": sees_district(scope, district_id),
            }
        )
    ranked = [r for r in rows if r["ranked"]]
    ranked.sort(key=lambda r: r["value"], reverse=indicator.higher_is_better)
    rank, previous = 0, None
    for position, row in enumerate(ranked, start=1):
        if row["value"] != previous:
            rank, previous = position, row["value"]
        row["rank"] = rank
    unranked = [dict(r, rank=None) for r in rows if not r["ranked"]]
    unranked.sort(key=lambda r: r["value"] is None)  # with a value (unranked) before no data
    return ranked + unranked


# ---------------------------------------------------------------- workforce structure


def _breakdown(figures: Figures, prefix: str, choices) -> list[tuple[str, str, int]]:
    """(value, label, count) of one dimension, in the choices' order, zeros included."""
    return [(value, str(label), int(figures.get(f"{prefix}:{value}", 0))) for value, label in choices]


def structure(figures: Figures, today: datetime.date) -> dict[str, Any]:
    occupations = list(Occupation.objects.order_by("sort_order", "code").values_list("code", "name"))
    ages = [label for _low, label in sources.AGE_BANDS]
    months = [month_key(m) for m in months_back(today)]
    return {
        "team": _breakdown(figures, "team", Team.choices),
        "occupation": [row for row in _breakdown(figures, "occupation", occupations) if row[2]],
        "ownership": _breakdown(figures, "ownership", Ownership.choices),
        "kind": _breakdown(figures, "kind", InstitutionKind.choices),
        "education": _breakdown(figures, "education", Education.choices),
        "source_channel": _breakdown(figures, "source_channel", SourceChannel.choices),
        "service": [
            (label, label, int(figures.get(f"service:{label}", 0))) for _l, label in sources.SERVICE_BANDS
        ],
        "pyramid": [
            (
                band,
                int(figures.get(f"age:{Gender.MALE}:{band}", 0)),
                int(figures.get(f"age:{Gender.FEMALE}:{band}", 0)),
            )
            for band in ages
        ],
        "flows": [
            (key, int(figures.get(f"joins:{key}", 0)), int(figures.get(f"leaves:{key}", 0))) for key in months
        ],
    }


STRUCTURE_TITLES = {
    "team": _("By team"),
    "occupation": _("By occupation"),
    "ownership": _("By ownership of the institution"),
    "kind": _("By kind of institution"),
    "education": _("By education"),
    "source_channel": _("By source channel"),
    "service": _("By years since the first post"),
}


# ---------------------------------------------------------------- pages


def overview(user: User, code: str | None = None, *, full: bool = True) -> dict[str, Any]:
    """The city overview: every indicator city-wide, the chosen one by district, the structure. `full`:
    the page; the catalogue needs only the readings."""
    scope = dashboard_scope(user)
    if scope.level == Level.INSTITUTION:
        raise Http404  # institution administrators have their institution's page
    ctx = load_context()
    stored = stored_series(None, ctx.today)
    indicators = definitions.available()
    readings = [read(i, None, ctx, scope, stored) for i in indicators]
    data = {"scope": scope, "ctx": ctx, "readings": readings}
    if full:
        chosen = data["chosen"] = choose(code)
        data["ranking"] = ranking(chosen, ctx, scope)
        data["structure"] = structure(ctx.figures(None), ctx.today)
    return data


def city_extras() -> dict[str, int]:
    """City-level figures kept outside the district blocks (small tables, read every time)."""
    heads_courses = definitions.REGISTRY.get("heads_courses")
    if heads_courses is None or not heads_courses.available():
        return {}
    return {"heads_courses": sources.heads_courses(timezone.localdate().year)}


def district_indicators() -> list[Indicator]:
    return [i for i in definitions.available() if not i.city_only]


def choose(code: str | None) -> Indicator:
    """The indicator the map shows: the one asked for if it exists per district, else the first."""
    chosen = definitions.get(code or "")
    candidates = district_indicators()
    return chosen if chosen is not None and not chosen.city_only else candidates[0]


def district_view(
    user: User,
    district_id: object,
    code: str | None = None,
    *,
    full: bool = True,
    page: object = None,
    per_page: int = 50,
) -> dict[str, Any]:
    """A district's drill-down. `full`: the page (ranks, structure, one page of institutions); the API
    needs only the readings. `page`: the page of the institution table (None: every institution, for the
    spreadsheet)."""
    district = district_get(user, district_id)
    scope = dashboard_scope(user)
    # The readings need this district's block only (and the city's workers, for the default shares);
    # ranks need every district's.
    ctx = load_context() if full else load_context([district.pk])
    stored = stored_series(district.pk, ctx.today)
    indicators = district_indicators()
    readings = [read(i, district.pk, ctx, scope, stored) for i in indicators]
    chosen = choose(code)
    data = {"scope": scope, "ctx": ctx, "district": district, "readings": readings, "chosen": chosen}
    if full:  # the page; the API needs only the readings
        data["ranks"] = {i.code: _rank_of(ranking(i, ctx, scope), district.pk) for i in indicators}
        if page is None:
            data["institutions"] = institution_table(district.pk, ctx, scope)
        else:
            data["institutions_page"] = institution_page(district.pk, ctx, scope, page, per_page)
        data["structure"] = structure(ctx.figures(district.pk), ctx.today)
    return data


def institution_page(
    district_id: int, ctx: Context, scope: Scope, number: object, per_page: int = 50
) -> dict[str, Any]:
    """One page of a district's institutions (in name order) with their figures: only the rows shown are
    computed (a district may have thousands of institutions)."""
    total = sources.institutions_of(district_id).count()
    pages = max(1, (total + per_page - 1) // per_page)
    try:
        number = min(max(1, int(number)), pages)
    except (TypeError, ValueError):
        number = 1
    ids = list(
        sources.institutions_of(district_id).values_list("pk", flat=True)[
            (number - 1) * per_page : number * per_page
        ]
    )
    rows = institution_table(district_id, ctx, scope, institution_ids=ids) if ids else []
    return {"rows": rows, "number": number, "pages": pages, "count": total}


def _rank_of(rows: list[dict], district_id: int) -> int | None:
    return next((r["rank"] for r in rows if r["district"].pk == district_id), None)


def staffing_ratios() -> dict[str, Decimal]:
    return dict(StaffingRatio.objects.values_list("level", "residents_per_care_worker"))


def required_care_staff(row: dict[str, Any], ratios: dict[str, Decimal]) -> int:
    """Care staff an institution's residents call for: Σ residents of a level ÷ residents per carer,
    rounded up once at the end."""
    need = Decimal(0)
    for field, _label in RESIDENT_LEVEL_FIELDS:
        per = ratios.get(field)
        if per:
            need += Decimal(row.get(field) or 0) / per
    whole = int(need)
    return whole + (1 if need > whole else 0)


def care_staffing(institution_ids: list[int] | None = None) -> dict[int, tuple[Decimal, int]]:
    """institution id → (care staff counted, care staff required): the one definition lives in
    careforce.staffing.rules (who counts: a current employment with a labour contract)."""
    from careforce.staffing.rules import care_staffing as definition

    return definition(institution_ids)


def institution_table(
    district_id: int, ctx: Context, scope: Scope, *, institution_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """The institutions of the district (every one, or those asked) with their figures, in name order
    (the links to records are added by the page for the rows it shows)."""
    ratios = staffing_ratios()
    kinds, ownerships = dict(InstitutionKind.choices), dict(Ownership.choices)
    rows = []
    institution_rows = list(sources.institution_rows(district_id, ctx.today, institution_ids=institution_ids))
    staffing = care_staffing([inst["id"] for inst in institution_rows])
    for inst in institution_rows:
        f = inst["figures"]
        counted, required = staffing.get(inst["id"], (Decimal(0), required_care_staff(inst, ratios)))
        care = counted.normalize() if counted % 1 else int(counted)
        row = {
            "id": inst["id"],
            "name": inst["name"],
            "kind": kinds.get(inst["kind"], inst["kind"]),
            "ownership": ownerships.get(inst["ownership"], inst["ownership"]),
            "beds": inst["beds"],
            "residents": sum(int(inst.get(field) or 0) for field, _l in RESIDENT_LEVEL_FIELDS),
            "workers": int(f.get("workers", 0)),
            "care": care,
            "required_care": required,
            "short": max(0, math.ceil(required - counted)),
            "social_workers": int(f.get(f"occupation:{sources.SOCIAL_WORKER_OCCUPATION}", 0)),
            "heads": int(f.get("heads", 0)),
            "heads_trained": int(f.get("heads_trained", 0))
            if sources.has("training", "heads_trained")
            else None,
            "care_workers": int(f.get("care_workers", 0))
            if sources.has("skills", "certification_counts")
            else None,
            "certified": int(f.get("certified_care_workers", 0))
            if sources.has("skills", "certification_counts")
            else None,
            "complaints": int(f.get("complaints", 0)) if sources.has("conduct", "complaint_counts") else None,
            "can_open": scope.level == Level.CITY
            or (scope.level == Level.DISTRICT and scope.district_id == district_id),
        }
        rows.append(row)
    return rows


def institution_view(user: User, institution_id: object) -> dict[str, Any]:
    institution = institution_for_dashboard(user, institution_id)
    scope = scope_of(user)
    found = sources.institution_rows(
        institution.district_id, timezone.localdate(), institution_ids=[institution.pk]
    )
    inst = found[0] if found else {"figures": Figures()}
    figures = Figures(inst["figures"])
    figures["beds"] = institution.beds
    for field, _label in RESIDENT_LEVEL_FIELDS:
        inst.setdefault(field, getattr(institution, field))
    counted, required = care_staffing([institution.pk]).get(institution.pk, (Decimal(0), 0))
    care = counted.normalize() if counted % 1 else int(counted)
    occupations = _occupation_pks()
    readings = []
    for indicator in definitions.available():
        if not indicator.institution_level:
            continue
        result = indicator.compute(figures)
        readings.append(
            {
                "indicator": indicator,
                "value": indicator.round(result.value),
                "result": result,
                "url": records_url(
                    indicator,
                    scope,
                    district_id=institution.district_id,
                    institution_id=institution.pk,
                    occupations=occupations,
                )
                if scope.level != Level.DISTRICT or scope.district_id == institution.district_id
                else None,
            }
        )
    return {
        "institution": institution,
        "readings": readings,
        "required_care": required,
        "care": care,
        "short": max(0, math.ceil(required - counted)),
        "heads_trained": inst["figures"].get("heads_trained")
        if sources.has("training", "heads_trained")
        else None,
        "heads": int(figures.get("heads", 0)),
        "scope": scope,
    }


# ---------------------------------------------------------------- supervision: scorecards


def current_period(today: datetime.date | None = None) -> str:
    return month_key(today or timezone.localdate())


def _num(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def scorecard(user: User, district_id: object) -> dict[str, Any]:
    """A district's scorecard for the current period, as plain JSON-able data (stored as is in reports)."""
    district = district_get(user, district_id)
    scope = dashboard_scope(user)
    return build_scorecard(district, scope)


def build_scorecard(district: District, scope: Scope, ctx: Context | None = None) -> dict[str, Any]:
    ctx = ctx or load_context()
    stored = stored_series(district.pk, ctx.today)
    rows = []
    for indicator in district_indicators():
        reading = read(indicator, district.pk, ctx, scope, stored)
        board = ranking(indicator, ctx, scope)
        ranked = [r for r in board if r["rank"] is not None]
        previous = reading.points[-2][1] if len(reading.points) >= 2 else None
        target = reading.target
        rows.append(
            {
                "code": indicator.code,
                "label": str(indicator.label),
                "unit": str(indicator.unit),
                "value": _num(reading.value),
                "target": _num(indicator.round(target.value)) if target else None,
                "target_due": target.due_date.isoformat() if target else None,
                "share": _num(target.share) if target and target.share is not None else None,
                "gap": _num(indicator.round(target.value - reading.value))
                if target and reading.value is not None
                else None,
                "status": reading.projection.status if reading.projection else None,
                "status_label": str(reading.projection.label) if reading.projection else "",
                "needed_per_month": _num(indicator.round(reading.projection.needed_per_month))
                if reading.projection and reading.projection.needed_per_month is not None
                else None,
                "rank": _rank_of(board, district.pk),
                "ranked": len(ranked),
                "previous": _num(previous),
                "change": _num(reading.value - previous)
                if reading.value is not None and previous is not None
                else None,
                "url": reading.url,
            }
        )
    institutions = institution_table(district.pk, ctx, scope)
    actions = action_items(district, institutions, ctx)
    return {
        "period": current_period(ctx.today),
        "as_of": ctx.today.isoformat(),
        "district": {
            "id": district.pk,
            "code": district.code,
            "name": district.name,
            "name_en": district.name_en,
            "label": district.label,
        },
        "rows": rows,
        "actions": actions,
    }


def action_items(
    district: District, institutions: list[dict[str, Any]], ctx: Context
) -> list[dict[str, Any]]:
    """What needs doing, as far as the data exists: each item with a count and the institutions involved."""
    items: list[dict[str, Any]] = []
    short = [r for r in institutions if r["short"] > 0]
    items.append(
        {
            "code": "short_of_staff",
            "label": _("Institutions short of care staff"),
            "count": len(short),
            "detail": [{"id": r["id"], "name": r["name"], "value": r["short"]} for r in short],
        }
    )
    if sources.has("training", "heads_trained"):
        # The 领雁 rule counts institutions: one whose head is missing, unregistered or untrained is a gap.
        missing = [r for r in institutions if not r["heads_trained"]]
        items.append(
            {
                "code": "untrained_heads",
                "label": _("Institutions whose head is not trained this year"),
                "count": len(missing),
                "detail": [{"id": r["id"], "name": r["name"], "value": 1} for r in missing],
            }
        )
    if sources.has("skills", "certification_counts"):
        gaps = [r for r in institutions if (r["care_workers"] or 0) > (r["certified"] or 0)]
        items.append(
            {
                "code": "uncertified_care_workers",
                "label": _("Care workers without a certificate"),
                "count": sum(r["care_workers"] - r["certified"] for r in gaps),
                "detail": [
                    {"id": r["id"], "name": r["name"], "value": r["care_workers"] - r["certified"]}
                    for r in gaps
                ],
            }
        )
    if sources.has("conduct", "overdue_complaints"):
        items.append(
            {
                "code": "overdue_complaints",
                "label": _("Overdue complaints"),
                "count": int(ctx.blocks.get(district.pk, Figures()).get("overdue_complaints", 0)),
                "detail": [],
            }
        )
    return items


# ---------------------------------------------------------------- frozen reports


def reports_visible_to(user: User):
    scope = dashboard_scope(user)
    qs = PeriodReport.objects.select_related("district", "generated_by")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    return qs.none()


def report_get(user: User, pk: object) -> PeriodReport:
    try:
        return reports_visible_to(user).get(pk=int(pk))
    except (PeriodReport.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


def targets_visible_to(user: User):
    dashboard_scope(user)
    return Target.objects.select_related("district").order_by("indicator", "due_date", "id")


# ---------------------------------------------------------------- the home page (工作台)

SHORT_OF_TARGET = ("at_risk", "off_track", "missed")


def home_context(request) -> Context | None:
    """The context of the viewer's place (the city, or the district), read once per home page request and
    shared by the figures and the queue's target item."""
    scope = scope_of(request.user)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        return None
    cached = getattr(request, "_indicators_home_context", None)
    if cached is None:
        district_id = scope.district_id if scope.level == Level.DISTRICT else None
        cached = load_context([district_id] if district_id else None)
        request._indicators_home_context = cached
    return cached


def home_figures(user: User, ctx: Context | None = None) -> dict[str, Any] | None:
    """The figures the home page repeats from the dashboard, by the same definitions, so that one label
    gives one number on both pages: 人才信息库人数 (`registry_workers`) of the viewer's place."""
    scope = scope_of(user)
    indicator = definitions.get("registry_workers")
    if indicator is None or not scope.is_area:
        return None
    district_id = institution_id = None
    if scope.level == Level.INSTITUTION:
        institution = Institution.objects.filter(pk=scope.institution_id).first()
        if institution is None:
            return None
        district_id, institution_id = institution.district_id, institution.pk
        found = sources.institution_rows(district_id, timezone.localdate(), institution_ids=[institution_id])
        figures = Figures(found[0]["figures"]) if found else Figures()
    else:
        district_id = scope.district_id if scope.level == Level.DISTRICT else None
        ctx = ctx or load_context([district_id] if district_id else None)
        figures = ctx.figures(district_id)
    result = indicator.compute(figures)
    return {
        "label": indicator.label,
        "value": indicator.round(result.value),
        "url": records_url(indicator, scope, district_id=district_id, institution_id=institution_id),
    }


def targets_short(user: User, ctx: Context | None = None) -> tuple[int, str] | None:
    """Targets of the viewer's place (the city's, or the district's) whose projection to the due date falls
    short (at risk, off track) or that were missed, with the dashboard page that shows them."""
    scope = scope_of(user)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        return None
    district_id = scope.district_id if scope.level == Level.DISTRICT else None
    ctx = ctx or load_context([district_id] if district_id else None)
    stored = stored_series(district_id, ctx.today)
    indicators = district_indicators() if district_id else definitions.available()
    short = 0
    for indicator in indicators:
        reading = read(indicator, district_id, ctx, scope, stored)
        short += sum(goal.projection.status in SHORT_OF_TARGET for goal in reading.goals)
    url = reverse("indicators:district", args=[district_id]) if district_id else reverse("indicators:home")
    return short, url


# ---------------------------------------------------------------- what the readings were built from
def _sum_of(model, expression: str, *columns: str) -> str:
    """A scalar subquery over one of the small configuration tables (portable SQL: SQLite and PostgreSQL)."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = {c: connection.ops.quote_name(model._meta.get_field(c).column) for c in columns}
    return f"(SELECT {expression.format(**names)} FROM {table})"


def readings_version(district_id: int | None = None) -> tuple:
    """Everything an answer's readings are computed from, in one cheap statement. The catalogue (None):
    every district's figure version (the write side bumps them in the transaction of every change of a
    figure, marks.py). A district's readings: its own version, that of "every district", and the city's
    workers (a city count target is split among districts by their share of the workers, by default) —
    a change in another district that leaves the city's workers as they were (a transfer between two other
    districts, a certificate, a complaint) leaves this district's readings as they were. Both: the
    targets and their shares, the older population, the stored monthly figures; with the day, the
    reference lists' version (districts, occupations) and the age limit of the figures held in memory
    (INDICATORS_CACHE_SECONDS, for what changes with time alone: a complaint becoming overdue).
    Equal versions: equal readings for the same viewer scope, district and language."""
    from careforce.indicators.engine import cache_seconds
    from careforce.indicators.marks import EVERY_DISTRICT
    from careforce.indicators.models import (
        DistrictVersion,
        MonthlyFigure,
        OlderPopulation,
        Target,
        TargetShare,
    )
    from careforce.registry.forms import choices_version

    params: list[int] = []
    if district_id is None:
        parts = [
            _sum_of(DistrictVersion, "COALESCE(SUM({version}), 0)", "version"),
            _sum_of(DistrictVersion, "COUNT(*)"),
        ]
    else:
        table = connection.ops.quote_name(DistrictVersion._meta.db_table)
        version, column = (connection.ops.quote_name(c) for c in ("version", "district_id"))
        of_one = f"(SELECT COALESCE(MAX({version}), 0) FROM {table} WHERE {column} = %s)"
        parts = [of_one, of_one, _workers_total_sql()]
        params = [int(district_id), EVERY_DISTRICT]
    parts += [
        _sum_of(Target, "MAX({updated_at})", "updated_at"),
        _sum_of(Target, "COALESCE(SUM({value}), 0)", "value"),
        _sum_of(Target, "COUNT(*)"),
        _sum_of(
            TargetShare, "COALESCE(SUM({share} * ({district} + {target})), 0)", "share", "district", "target"
        ),
        _sum_of(TargetShare, "COUNT(*)"),
        _sum_of(
            OlderPopulation,
            "COALESCE(SUM({count} * ({year} + 7 * COALESCE({district}, 0))), 0)",
            "count",
            "year",
            "district",
        ),
        _sum_of(OlderPopulation, "COUNT(*)"),
        _sum_of(MonthlyFigure, "MAX({recorded_at})", "recorded_at"),
        _sum_of(MonthlyFigure, "COUNT(*)"),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        stored = tuple(str(v) for v in cursor.fetchone())
    age = max(cache_seconds(), 1.0)
    return (*stored, timezone.localdate(), choices_version(), int(time.time() // age))
