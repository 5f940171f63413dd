"""Staffing routes: scoped like the dashboard. A district official opens only its own district (the
"district" target comes from routes_indicators); an institution administrator its own institution;
workers and the three administrators get 404."""

from tests.scope.common import READ, Route

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
