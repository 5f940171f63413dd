"""Credit routes (issue #5): the score page and API, dishonesty listings."""

from tests import factories_conduct as fc
from tests.scope.common import READ, WRITE, Route
from tests.scope.routes_conduct import bureaus_only

ROUTES = [
    Route("credit:worker_credit", "worker", READ),
    Route("credit:listing_detail", "listing", READ),
    Route("credit:listing_remove", "listing", WRITE, expect=bureaus_only),
    Route("GET /api/v1/workers/{worker_id}/credit", "worker", READ),
    Route("GET /api/v1/dishonesty-listings/{listing_id}", "listing", READ),
    Route(
        "POST /api/v1/dishonesty-listings/{listing_id}/remove",
        "listing",
        WRITE,
        "post",
        {},
        expect=bureaus_only,
    ),
]


def make_targets(city, world):
    _users, targets = world
    return {s: {"listing": fc.listing(actor=city, worker=targets[s]["worker"])} for s in (True, False)}
