"""/api/v1/staffing: thin callers of the staffing selectors and services, scoped like the pages."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from careforce.core.schemas import ERROR_RESPONSES, READ_RESPONSES, Id, InputSchema, Text
from careforce.core.scope import Level
from careforce.indicators.selectors import dashboard_scope
from careforce.staffing import population, selectors, services
from careforce.staffing.models import LEVEL_RATE_FIELDS

router = Router(tags=["staffing"])


class NeedOut(Schema):
    post: str
    required: float
    counted: float = Field(description="People counted: current employment with a labour contract")
    short: int = Field(description="Required minus counted, rounded up to whole people")


class PopulationOut(Schema):
    year: int
    basis: str = Field(description="resident (常住) or registered (户籍)")
    aged_60_plus: int
    aged_65_plus: int | None
    source: str


class ShareOut(Schema):
    complete: int
    total: int
    percent: float | None


class StaffingDistrictOut(Schema):
    district_id: int
    district: str
    institutions: int
    compliant: int
    shortfall: dict[str, int]
    older_population: PopulationOut | None = Field(description="None: no data (never zero)")
    care_workers_per_1000_older: float | None
    social_workers_per_1000_older: float | None
    completeness: ShareOut
    completeness_meets_threshold: bool


class OverviewOut(Schema):
    completeness_threshold: float
    districts: list[StaffingDistrictOut]


class StaffingInstitutionOut(Schema):
    institution_id: int
    name: str
    compliant: bool
    shortfall_text: str
    needs: list[NeedOut]
    completeness: ShareOut
    completeness_meets_threshold: bool
    completeness_threshold: float


class DistrictDetailOut(Schema):
    district_id: int
    district: str
    older_population: PopulationOut | None
    care_workers_per_1000_older: float | None
    social_workers_per_1000_older: float | None
    completeness: ShareOut
    institutions: list[StaffingInstitutionOut]


class YearOut(Schema):
    year: int
    older_population: float | None
    demand: float | None
    supply: float
    gap: float | None


class ProjectionRowOut(Schema):
    district_id: int
    district: str
    has_population: bool
    demand_method: str | None = Field(
        description="How community and home care demand was worked out: levels (the older population by "
        "ability level × the scenario's rate for each level), per_1000 (not every level known: the "
        "community and home rates per 1,000), null (no older-population figure)"
    )
    care_staff_now: float
    net_monthly_flow: float
    years: list[YearOut]


class ProjectionOut(Schema):
    scenario: str
    older_growth_per_year: float
    community_workers_per_1000: float
    home_workers_per_1000: float
    workers_per_1000_by_level: dict[str, float]
    level_rates_source: str
    level_rates_verified: bool
    districts_excluded: int
    districts_by_levels: int
    districts: list[ProjectionRowOut]


class ScenarioIn(InputSchema):
    # Numbers as numbers or text (parsed by the service with its messages); true/false are refused.
    older_growth_per_year: Text = None
    community_workers_per_1000: Text = None
    home_workers_per_1000: Text = None
    source: Text = None
    able_workers_per_1000: Text = None
    mild_workers_per_1000: Text = None
    moderate_workers_per_1000: Text = None
    severe_workers_per_1000: Text = None
    totally_disabled_workers_per_1000: Text = None
    level_rates_source: Text = None


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _population(row) -> dict | None:
    if row is None:
        return None
    return {
        "year": row.year,
        "basis": row.basis,
        "aged_60_plus": row.count,
        "aged_65_plus": row.aged_65_plus,
        "source": row.source,
    }


def _share(share) -> dict:
    return {"complete": share.complete, "total": share.total, "percent": share.percent}


@router.get("/staffing", response={200: OverviewOut, **READ_RESPONSES}, summary="Staffing by district")
def staffing_overview(request: HttpRequest):
    data = selectors.overview(request.auth)
    return {
        "completeness_threshold": float(data["threshold"]),
        "districts": [
            {
                "district_id": row.district.pk,
                "district": row.district.name,
                "institutions": row.institutions,
                "compliant": row.compliant,
                "shortfall": row.shortfall,
                "older_population": _population(row.population),
                "care_workers_per_1000_older": _f(row.care_per_1000),
                "social_workers_per_1000_older": _f(row.social_per_1000),
                "completeness": _share(row.share),
                "completeness_meets_threshold": row.meets_threshold,
            }
            for row in data["rows"]
        ],
    }


def _institution(inst_id: int, name: str, compliance, share, meets: bool, threshold: Decimal) -> dict:
    return {
        "institution_id": inst_id,
        "name": name,
        "compliant": compliance.compliant,
        "shortfall_text": compliance.text,
        "needs": [
            {"post": n.post, "required": float(n.required), "counted": float(n.counted), "short": n.short}
            for n in compliance.needs
        ],
        "completeness": _share(share),
        "completeness_meets_threshold": meets,
        "completeness_threshold": float(threshold),
    }


@router.get(
    "/staffing/districts/{district_id}",
    response={200: DistrictDetailOut, **READ_RESPONSES},
    summary="A district's staffing",
)
def staffing_district(request: HttpRequest, district_id: Id):
    data = selectors.district_detail(request.auth, district_id)
    return {
        "district_id": data["district"].pk,
        "district": data["district"].name,
        "older_population": _population(data["population"]),
        "care_workers_per_1000_older": _f(data["care_per_1000"]),
        "social_workers_per_1000_older": _f(data["social_per_1000"]),
        "completeness": _share(data["share"]),
        "institutions": [
            _institution(r.id, r.name, r.compliance, r.share, r.meets_threshold, data["threshold"])
            for r in data["rows"]
        ],
    }


@router.get(
    "/staffing/institutions/{institution_id}",
    response={200: StaffingInstitutionOut, **READ_RESPONSES},
    summary="An institution's staffing and record completeness",
)
def staffing_institution(request: HttpRequest, institution_id: Id):
    data = selectors.institution_detail(request.auth, institution_id)
    inst = data["institution"]
    return _institution(
        inst.pk, inst.name, data["compliance"], data["share"], data["meets_threshold"], data["threshold"]
    )


def _projection(request: HttpRequest) -> dict:
    data = selectors.projection(request.auth)
    scenario = data["scenario"]
    return {
        "scenario": scenario.name,
        "older_growth_per_year": float(scenario.older_growth_per_year),
        "community_workers_per_1000": float(scenario.community_workers_per_1000),
        "home_workers_per_1000": float(scenario.home_workers_per_1000),
        "workers_per_1000_by_level": {
            level: float(getattr(scenario, rate)) for level, rate in LEVEL_RATE_FIELDS.items()
        },
        "level_rates_source": scenario.level_rates_source,
        "level_rates_verified": scenario.level_rates_verified,
        "districts_excluded": data["excluded"],
        "districts_by_levels": data["by_levels"],
        "districts": [
            {
                "district_id": row.district.pk,
                "district": row.district.name,
                "has_population": row.population is not None,
                "demand_method": row.method,
                "care_staff_now": float(row.supply_now),
                "net_monthly_flow": float(row.monthly_flow),
                "years": [
                    {
                        "year": year,
                        "older_population": _f(v["older"]),
                        "demand": _f(v["demand"]),
                        "supply": float(v["supply"]),
                        "gap": _f(v["gap"]),
                    }
                    for year, v in row.years.items()
                ],
            }
            for row in data["rows"]
        ],
    }


@router.get(
    "/staffing/projection",
    response={200: ProjectionOut, **READ_RESPONSES},
    summary="Supply and demand to 2029",
)
def staffing_projection(request: HttpRequest):
    return _projection(request)


@router.patch(
    "/staffing/scenario",
    response={200: ProjectionOut, **ERROR_RESPONSES},
    summary="Edit the current scenario",
)
def staffing_scenario(request: HttpRequest, payload: ScenarioIn):
    services.scenario_update(actor=request.auth, data=payload.dict(exclude_none=True))
    return _projection(request)


# ---------------------------------------------------------------- older population by ability level


class PopulationByLevelOut(Schema):
    able: int | None = Field(description="能力完好; null: no data (never zero)")
    mild: int | None = Field(description="轻度失能")
    moderate: int | None = Field(description="中度失能")
    severe: int | None = Field(description="重度失能")
    totally_disabled: int | None = Field(description="完全失能")


class PopulationLevelsOut(Schema):
    id: int
    district_id: int | None = Field(description="None: the whole city")
    district: str | None
    year: int
    basis: str = Field(description="resident (常住) or registered (户籍)")
    aged_60_plus: int
    aged_65_plus: int | None
    source: str
    levels: PopulationByLevelOut = Field(description="People aged 60+ by ability level (GB/T 42195-2022)")
    levels_source: str


class PopulationLevelsIn(InputSchema):
    # Whole numbers as numbers or text (１２３, 1,234); null or "暂无数据": no data. Absent: unchanged.
    able: Text = None
    mild: Text = None
    moderate: Text = None
    severe: Text = None
    totally_disabled: Text = None
    source: Text = None


def _figure(figure) -> dict:
    row = figure.population
    return {
        "id": row.pk,
        "district_id": row.district_id,
        "district": row.district.name if row.district_id else None,
        "year": row.year,
        "basis": row.basis,
        "aged_60_plus": row.count,
        "aged_65_plus": row.aged_65_plus,
        "source": row.source,
        "levels": figure.levels,
        "levels_source": figure.levels_source,
    }


@router.get(
    "/staffing/population",
    response={200: list[PopulationLevelsOut], **READ_RESPONSES},
    summary="Older population by ability level, each district's newest figure",
)
def staffing_population_list(request: HttpRequest):
    scope = dashboard_scope(request.auth)
    if scope.level == Level.INSTITUTION:
        raise Http404
    figures = population.older_population_by_level()
    if scope.level != Level.CITY:
        figures.pop(None, None)  # the city's own figure is read city-wide
    return [_figure(figure) for figure in figures.values()]


@router.get(
    "/staffing/population/{population_id}",
    response={200: PopulationLevelsOut, **READ_RESPONSES},
    summary="One older-population figure with its ability levels",
)
def staffing_population(request: HttpRequest, population_id: Id):
    return _figure(population.population_get(request.auth, population_id))


@router.patch(
    "/staffing/population/{population_id}/levels",
    response={200: PopulationLevelsOut, **ERROR_RESPONSES},
    summary="Edit a figure's ability levels (city administrators)",
)
def staffing_population_levels(request: HttpRequest, population_id: Id, payload: PopulationLevelsIn):
    figure = population.population_get(request.auth, population_id)
    services.population_levels_set(
        actor=request.auth, population=figure.population, data=payload.dict(exclude_unset=True)
    )
    return _figure(population.population_get(request.auth, population_id))
