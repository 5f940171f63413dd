"""Data dashboard routes (issue #6). A district official sees the city in aggregate, but a
district's drill-down, scorecard and reports only for its own district; institution administrators see
their institution's page; workers get 404 everywhere; only city administrators edit targets."""

from careforce.core.models import District
from careforce.indicators import engine, services
from careforce.indicators.models import Target
from tests.scope.common import READ, WRITE, Route

CITY_WIDE = {"city_admin", "auditor_city"}
DISTRICT_LEVEL = {"district_admin", "auditor_district"}


def district_level(role: str, in_scope: bool) -> bool:
    return role in CITY_WIDE or (role in DISTRICT_LEVEL and in_scope)


def city_admin_only(role: str, in_scope: bool) -> bool:
    return role == "city_admin"


ROUTES = [
    Route("indicators:district", "district", READ, expect=district_level),
    Route("indicators:district_export", "district", READ, expect=district_level),
    Route("indicators:scorecard", "district", READ, expect=district_level),
    Route("indicators:scorecard_export", "district", READ, expect=district_level),
    Route("indicators:institution", "institution", READ),
    Route("indicators:report", "report", READ, expect=district_level),
    Route("indicators:report_export", "report", READ, expect=district_level),
    Route("indicators:report_pdf", "report", READ, expect=district_level),
    Route("indicators:target_edit", "target", WRITE, expect=city_admin_only),
    Route("GET /api/v1/scorecards/{district_id}", "district", READ, expect=district_level),
    Route("GET /api/v1/reports/{report_id}", "report", READ, expect=district_level),
]


def make_targets(city, world):
    engine.reset()
    yuzhong, jiangbei = District.objects.get(code="500103"), District.objects.get(code="500105")
    target = Target.objects.filter(indicator="registry_workers").first()
    return {
        True: {
            "district": yuzhong,
            "report": services.report_generate(actor=city, district=yuzhong),
            "target": target,
        },
        False: {
            "district": jiangbei,
            "report": services.report_generate(actor=city, district=jiangbei),
            "target": target,
        },
    }


# /indicators/{code} names an indicator, not a record: any number there is an unknown code (404 for all);
# its scope (?district=, ?institution=) is tested in tests/test_indicators_api.py.
ROUTES.append(Route("GET /api/v1/indicators/{code}", "district", READ, expect=lambda role, in_scope: False))
