"""Conduct routes (issue #5): complaints, penalties, the evaluation link."""

from tests import factories_conduct as fc
from tests.scope.common import READ, WRITE, Route


def bureaus_only(role: str, in_scope: bool) -> bool:
    """Investigating and deciding is for the civil-affairs bureaus (city, district) in their area."""
    return role == "city_admin" or (role == "district_admin" and in_scope)


ROUTES = [
    Route("conduct:complaint_detail", "complaint", READ),
    Route("conduct:complaint_transition", "complaint", WRITE, "post", {}, expect=bureaus_only),
    Route("conduct:evaluation_link", "worker", WRITE),
    Route("conduct:penalty_detail", "penalty", READ),
    Route("conduct:institution_timeline", "institution", READ),
    Route("GET /api/v1/complaints/{complaint_id}", "complaint", READ),
    Route(
        "POST /api/v1/complaints/{complaint_id}/transition",
        "complaint",
        WRITE,
        "post",
        {},
        expect=bureaus_only,
    ),
    Route("GET /api/v1/penalties/{penalty_id}", "penalty", READ),
]


def make_targets(city, world):
    _users, targets = world
    out = {}
    for in_scope in (True, False):
        worker = targets[in_scope]["worker"]
        out[in_scope] = {
            "complaint": fc.complaint(
                actor=city, worker=worker, institution=targets[in_scope]["institution"]
            ),
            "penalty": fc.penalty(actor=city, worker=worker),
        }
    return out
