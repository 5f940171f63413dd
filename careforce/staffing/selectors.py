"""Reads of the staffing pages and API, scoped like the dashboard (a district official sees the city in
aggregate and opens only its own district; an institution administrator opens its own institution; workers
and accounts without a scope are told the pages do not exist)."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import Http404
from django.utils import timezone

from careforce.core.models import District, User
from careforce.core.scope import Level, Scope
from careforce.indicators.models import OlderPopulation
from careforce.indicators.selectors import (
    dashboard_scope,
    district_get,
    institution_for_dashboard,
    required_care_staff,
    sees_district,
    staffing_ratios,
)
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution
from careforce.registry import completeness
from careforce.registry.models import Worker
from careforce.staffing import rules, tally
from careforce.staffing.models import LEVEL_RATE_FIELDS, Post, PostRequirement, Scenario, StaffingSettings
from careforce.staffing.population import PopulationByLevel, older_population_by_level

SOCIAL_WORK_POST = "social_work"
PROJECTION_YEARS = (2027, 2029)
FLOW_MONTHS = tally.FLOW_MONTHS


def _officials_above_institutions(user: User) -> Scope:
    """City and district officials: the city-wide tables. An institution administrator opens its own
    institution only; workers and accounts without a scope are told the page does not exist."""
    scope = dashboard_scope(user)
    if scope.level == Level.INSTITUTION:
        raise Http404
    return scope


def completeness_threshold() -> Decimal:
    """The share (%) of complete records an institution needs (data: StaffingSettings), for every rule."""
    return Decimal(rules.settings_row().completeness_threshold)


def settings() -> StaffingSettings:
    return rules.settings_row()


def current_scenario() -> Scenario:
    return Scenario.objects.filter(is_current=True).first() or Scenario(name="—")


# ---------------------------------------------------------------- older population


def older_population_rows() -> dict[int, OlderPopulation]:
    """district id → its newest figure (any basis; the row says which). A district absent has no data."""
    out: dict[int, OlderPopulation] = {}
    for row in OlderPopulation.objects.filter(district__isnull=False).order_by("district_id", "-year", "id"):
        out.setdefault(row.district_id, row)
    return out


def per_1000(count: Decimal | int, population: OlderPopulation | None) -> Decimal | None:
    """People per 1,000 older people (aged 60+); None (no data) without a figure, never zero."""
    if population is None or not population.count:
        return None
    return (Decimal(count) * 1000 / population.count).quantize(Decimal("0.001"))


# ---------------------------------------------------------------- per district


def _counted_by_district(district_id: int | None = None) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """district id → (care staff counted, social workers counted), full-time 1 and part-time the weight."""
    social_post = Post.objects.filter(code=SOCIAL_WORK_POST).values_list("pk", flat=True).first()
    counted = rules.heads(district_id=district_id, by="district")
    care = {d: h.care for d, h in counted.items()}
    social = {d: h.posts.get(social_post, Decimal(0)) for d, h in counted.items()}
    return care, social


@dataclass
class DistrictRow:
    district: District
    can_open: bool
    institutions: int = 0
    compliant: int = 0
    shortfall: dict[str, int] = field(default_factory=dict)
    required_care: int = 0
    care: Decimal = Decimal(0)
    social: Decimal = Decimal(0)
    population: OlderPopulation | None = None
    share: completeness.Share | None = None
    meets_threshold: bool = False
    institutions_meeting: int = 0

    @property
    def care_per_1000(self) -> Decimal | None:
        return per_1000(self.care, self.population)

    @property
    def social_per_1000(self) -> Decimal | None:
        return per_1000(self.social, self.population)

    @property
    def shortfall_text(self) -> str:
        return ", ".join(f"{post} {n}" for post, n in self.shortfall.items())


def overview(user: User) -> dict[str, Any]:
    """Every district's compliance, older population, per-1,000 figures and completeness, and the city's.

    One pass over the counting facts and one over the record facts, both per institution: the districts'
    people and records are their institutions' summed (the facts carry the institution's district, kept
    exact by the writes), rather than a second pass grouped by district."""
    scope = _officials_above_institutions(user)
    threshold = completeness_threshold()
    bar = float(threshold)
    counted = rules.heads()
    results = rules.compliance(Institution.objects.all(), counted, ordered=False)
    population = older_population_rows()
    social_post = Post.objects.filter(code=SOCIAL_WORK_POST).values_list("pk", flat=True).first()
    institution_shares = tally.record_shares()
    rows = {
        d.pk: DistrictRow(d, sees_district(scope, d.pk), population=population.get(d.pk))
        for d in District.objects.order_by("sort_order", "code")
    }
    complete: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    nobody = rules.Heads()
    zero = Decimal(0)
    for inst_id, (row, result, required_care) in results.items():
        district_id = row["district_id"]
        d = rows[district_id]
        d.institutions += 1
        d.required_care += required_care
        shorts = result.shorts()
        d.compliant += not shorts
        for post, short in shorts:
            d.shortfall[post] = d.shortfall.get(post, 0) + short
        have = counted.get(inst_id, nobody)
        d.care += have.care
        d.social += have.posts.get(social_post, zero)
        share = institution_shares.get(inst_id)
        if share is not None:
            complete[district_id] += share.complete
            total[district_id] += share.total
            d.institutions_meeting += share.meets(bar)
    city_share = completeness.Share(0, 0)
    for pk, d in rows.items():
        d.share = completeness.Share(complete[pk], total[pk])
        d.meets_threshold = d.share.meets(bar)
        city_share = completeness.Share(
            city_share.complete + d.share.complete, city_share.total + d.share.total
        )
    with_population = [d for d in rows.values() if d.population is not None]
    city_older = sum(d.population.count for d in with_population)
    city = {
        "institutions": sum(d.institutions for d in rows.values()),
        "compliant": sum(d.compliant for d in rows.values()),
        "shortfall": _sum_shortfalls(rows.values()),
        "share": city_share,
        "meets_threshold": city_share.meets(float(threshold)),
        # Per 1,000 only over the districts with a figure: the others are counted, not treated as zero.
        "care_per_1000": (sum(d.care for d in with_population) * 1000 / city_older).quantize(Decimal("0.001"))
        if city_older
        else None,
        "social_per_1000": (sum(d.social for d in with_population) * 1000 / city_older).quantize(
            Decimal("0.001")
        )
        if city_older
        else None,
        "districts_with_population": len(with_population),
        "districts_without_population": len(rows) - len(with_population),
    }
    return {"scope": scope, "rows": list(rows.values()), "city": city, "threshold": threshold}


def _sum_shortfalls(rows) -> dict[str, int]:
    total: dict[str, int] = {}
    for d in rows:
        for post, n in d.shortfall.items():
            total[post] = total.get(post, 0) + n
    return total


@dataclass
class InstitutionRow:
    id: int
    name: str
    beds: int
    star_grade: int
    compliance: rules.Compliance
    required_care: int
    share: completeness.Share
    meets_threshold: bool
    can_open: bool


def district_detail(user: User, pk: object) -> dict[str, Any]:
    """One district: each institution's compliance (with its named shortfall) and record completeness."""
    district = district_get(user, pk)
    threshold = completeness_threshold()
    bar = float(threshold)
    institutions = Institution.objects.filter(district=district)
    counted = rules.heads(district_id=district.pk)
    results = rules.compliance(institutions, counted)
    shares = tally.record_shares(district_id=district.pk)
    no_records = completeness.Share(0, 0)
    rows = []
    compliant = 0
    shortfall: dict[str, int] = {}
    complete = total = 0
    for inst_id, (row, result, required_care) in results.items():
        share = shares.get(inst_id, no_records)
        shortfalls = result.shortfalls
        compliant += not shortfalls
        for need in shortfalls:
            shortfall[need.post] = shortfall.get(need.post, 0) + need.short
        complete += share.complete
        total += share.total
        rows.append(
            InstitutionRow(
                id=inst_id,
                name=row["name"],
                beds=row["beds"],
                star_grade=row["star_grade"],
                compliance=result,
                required_care=required_care,
                share=share,
                meets_threshold=share.meets(bar),
                can_open=True,
            )
        )
    population = older_population_rows().get(district.pk)
    # The district's people are its institutions' (the facts carry the institution's district).
    social_post = Post.objects.filter(code=SOCIAL_WORK_POST).values_list("pk", flat=True).first()
    care = sum((h.care for h in counted.values()), Decimal(0))
    social = sum((h.posts.get(social_post, Decimal(0)) for h in counted.values()), Decimal(0))
    return {
        "district": district,
        "rows": rows,
        "compliant": compliant,
        "shortfall": shortfall,
        "population": population,
        "care": care,
        "social": social,
        "care_per_1000": per_1000(care, population),
        "social_per_1000": per_1000(social, population),
        "share": completeness.Share(complete=complete, total=total),
        "threshold": threshold,
    }


def institution_detail(user: User, pk: object) -> dict[str, Any]:
    """One institution: its needs post by post, its share of complete records and the threshold."""
    institution = institution_for_dashboard(user, pk)
    _row, result, required_care = rules.compliance(Institution.objects.filter(pk=institution.pk))[
        institution.pk
    ]
    threshold = completeness_threshold()
    share = completeness.shares_by_institution([institution.pk]).get(institution.pk, completeness.Share(0, 0))
    return {
        "institution": institution,
        "compliance": result,
        "required_care": required_care,
        "share": share,
        "meets_threshold": share.meets(float(threshold)),
        "threshold": threshold,
        "part_time_weight": settings().part_time_weight,
    }


def incomplete_records(institution: Institution, on: datetime.date | None = None) -> QuerySet[Worker]:
    """The institution's incomplete current-staff records, each annotated ok_<criterion> (one query a page)."""
    on = on or timezone.localdate()
    flags = {
        f"ok_{c.code}": ExpressionWrapper(c.q(on), output_field=BooleanField()) for c in completeness.CRITERIA
    }
    return (
        completeness.incomplete(Worker.objects.filter(institution=institution), on)
        .annotate(**flags)
        .order_by("name", "id")
    )


def lacks(worker: Worker) -> list[str]:
    """The labels of the criteria an annotated record (incomplete_records) fails."""
    return [str(c.label) for c in completeness.CRITERIA if not getattr(worker, f"ok_{c.code}")]


def catalogue() -> list[dict[str, Any]]:
    from careforce.core.vocabulary import synonyms_by_entry

    synonyms = synonyms_by_entry("post")
    requirements: dict[int, list[PostRequirement]] = defaultdict(list)
    for rule in PostRequirement.objects.all():
        requirements[rule.post_id].append(rule)
    return [
        {"post": post, "synonyms": synonyms.get(post.code, []), "requirements": requirements.get(post.pk, [])}
        for post in Post.objects.all()
    ]


# ---------------------------------------------------------------- supply–demand projection


# How a district's community and home care demand was worked out (the page, the API and docs name it).
METHOD_LEVELS = "levels"  # the older population by ability level × the scenario's rate for each level
METHOD_PER_1000 = "per_1000"  # no levels (or not all five): the older population × the per-1,000 rates


@dataclass
class ProjectionRow:
    district: District
    can_open: bool
    population: OlderPopulation | None
    institutional_demand: int
    supply_now: Decimal
    monthly_flow: Decimal
    years: dict[int, dict[str, Decimal | None]] = field(default_factory=dict)
    method: str | None = None  # METHOD_LEVELS or METHOD_PER_1000; None without a population figure

    @property
    def by_levels(self) -> bool:
        return self.method == METHOD_LEVELS


def community_home_rate(figure: PopulationByLevel, scenario: Scenario) -> tuple[Decimal, str]:
    """(community and home care workers per 1,000 older people, the method) for a district's figure.

    With all five ability levels known, the rate is the mix of the levels weighted by the scenario's rate for
    each: Σ level's people × its rate ÷ Σ levels' people. The mix is applied to the 60+ figure itself (the
    number every per-1,000 figure reads): levels that add up to less than the 60+ figure (people not
    assessed) are taken to have the same mix. With a level unknown, or no levels, today's rates per 1,000
    (community + home) apply to everyone."""
    levels = figure.levels
    assessed = sum(v for v in levels.values() if v) if figure.complete else 0
    if assessed:
        weighted = sum(
            Decimal(levels[name]) * Decimal(getattr(scenario, rate))
            for name, rate in LEVEL_RATE_FIELDS.items()
        )
        return weighted / assessed, METHOD_LEVELS
    rate = Decimal(scenario.community_workers_per_1000) + Decimal(scenario.home_workers_per_1000)
    return rate, METHOD_PER_1000


def _months_until(today: datetime.date, year: int) -> int:
    return max(0, (year - today.year) * 12 + (12 - today.month))


def _net_flow_by_district(today: datetime.date) -> dict[int, Decimal]:
    """district id → mean net monthly flow of care staff over the last 24 months (joins − leaves) ÷ 24, read
    from the flow facts kept by the writes (tally.flows)."""
    return {
        d: (Decimal(joins - leaves) / FLOW_MONTHS).quantize(Decimal("0.01"))
        for d, (joins, leaves) in tally.flows(today).items()
    }


def projection(user: User, scenario: Scenario | None = None) -> dict[str, Any]:
    """Care-staff demand and supply per district in 2027 and 2029, and the gap, under the scenario."""
    scope = _officials_above_institutions(user)
    scenario = scenario or current_scenario()
    today = timezone.localdate()
    # The same newest figure per district as older_population_rows, with its ability levels.
    figures = older_population_by_level()
    care, _social = _counted_by_district()
    flows = _net_flow_by_district(today)
    demand: dict[int, int] = defaultdict(int)
    ratios = staffing_ratios()
    levels = [name for name, _label in RESIDENT_LEVEL_FIELDS]
    # Institutions with the same residents by level call for the same care staff: worked out once each.
    required: dict[tuple, int] = {}
    for row in Institution.objects.order_by().values("district_id", *levels):
        residents = tuple(row[name] for name in levels)
        need = required.get(residents)
        if need is None:
            need = required[residents] = required_care_staff(row, ratios)
        demand[row["district_id"]] += need
    growth = Decimal(1) + Decimal(scenario.older_growth_per_year) / 100
    rows = []
    totals = {
        year: {"demand": Decimal(0), "supply": Decimal(0), "gap": Decimal(0)} for year in PROJECTION_YEARS
    }
    for d in District.objects.order_by("sort_order", "code"):
        figure = figures.get(d.pk)
        pop = figure.population if figure is not None else None
        row = ProjectionRow(
            d,
            sees_district(scope, d.pk),
            pop,
            demand.get(d.pk, 0),
            care.get(d.pk, Decimal(0)),
            flows.get(d.pk, Decimal(0)),
        )
        if figure is not None:
            per_1000, row.method = community_home_rate(figure, scenario)
        for year in PROJECTION_YEARS:
            supply = max(Decimal(0), row.supply_now + row.monthly_flow * _months_until(today, year))
            if pop is None:
                row.years[year] = {"older": None, "demand": None, "supply": supply, "gap": None}
                continue
            older = Decimal(pop.count) * growth ** max(0, year - pop.year)
            need = Decimal(row.institutional_demand) + older * per_1000 / 1000
            need = Decimal(math.ceil(need))
            row.years[year] = {
                "older": older.quantize(Decimal(1)),
                "demand": need,
                "supply": supply,
                "gap": need - supply,
            }
            totals[year]["demand"] += need
            totals[year]["supply"] += supply
            totals[year]["gap"] += need - supply
        rows.append(row)
    return {
        "scope": scope,
        "scenario": scenario,
        "rows": rows,
        "totals": totals,
        "years": PROJECTION_YEARS,
        "excluded": sum(1 for r in rows if r.population is None),
        "included": sum(1 for r in rows if r.population is not None),
        "by_levels": sum(1 for r in rows if r.method == METHOD_LEVELS),
    }


def can_edit(scope: Scope) -> bool:
    return scope.level == Level.CITY and scope.can_write
