"""Staffing routes: scoped like the dashboard. A district official opens only its own district (the
"district" target comes from routes_indicators); an institution administrator its own institution;
workers and the three administrators get 404."""

from careforce.core.models import District
from tests.scope.common import READ, WRITE, Route

CITY_WIDE = {"city_admin", "auditor_city"}
DISTRICT_LEVEL = {"district_admin", "auditor_district"}


def district_level(role: str, in_scope: bool) -> bool:
    return role in CITY_WIDE or (role in DISTRICT_LEVEL and in_scope)


ROUTES = [
    Route("staffing:district_detail", "district", READ, expect=district_level),
    Route("staffing:institution_detail", "institution", READ),
    Route("GET /api/v1/staffing/districts/{district_id}", "district", READ, expect=district_level),
    Route("GET /api/v1/staffing/institutions/{institution_id}", "institution", READ),
]


def city_admin_only(role: str, in_scope: bool) -> bool:
    return role == "city_admin"


ROUTES += [
    # An older-population figure: its district's officials read it, city administrators edit its levels.
    Route("staffing:population_detail", "older_population", READ, expect=district_level),
    Route("GET /api/v1/staffing/population/{population_id}", "older_population", READ, expect=district_level),
    Route(
        "PATCH /api/v1/staffing/population/{population_id}/levels",
        "older_population",
        WRITE,
        "patch",
        {"able": "1000"},
        expect=city_admin_only,
    ),
    # The rankings' institution scorecard reads the staffing figures: scoped like the staffing pages.
    Route("rankings:institution_scorecard", "institution", READ),
    Route("GET /api/v1/rankings/institutions/{institution_id}/scorecard", "institution", READ),
]


def make_targets(city, world):
    from careforce.indicators.services import older_population_set

    out = {}
    for in_scope, code in ((True, "500103"), (False, "500105")):
        district = District.objects.get(code=code)
        out[in_scope] = {
            "older_population": older_population_set(
                actor=city, district=district, year=2023, count=200_000, source="区统计年鉴"
            )
        }
    return {True: out[True], False: out[False]}
