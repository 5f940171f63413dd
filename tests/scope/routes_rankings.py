"""Ranking routes (issue #5): working rankings (city only) and published snapshots (public)."""

import datetime

from careforce.rankings import services
from tests.scope.common import READ, WRITE, Route


def city_roles(role: str, in_scope: bool) -> bool:
    return role in ("city_admin", "auditor_city")


def everyone(role: str, in_scope: bool) -> bool:
    return True


ROUTES = [
    Route("rankings:ranking_detail", "ranking", READ, expect=city_roles),
    Route("rankings:ranking_publish", "ranking", WRITE, "post", expect=lambda role, _s: role == "city_admin"),
    Route("rankings:public_detail", "snapshot", READ, expect=everyone, public=True),
    Route("GET /api/v1/rankings/{snapshot_id}", "snapshot", READ, expect=everyone, public=True),
]


def make_targets(city, world):
    today = datetime.date.today()
    period = {"period_kind": "month", "year": today.year, "number": today.month}
    out = {}
    for in_scope in (True, False):
        draft = services.ranking_compute(actor=city, data=period)
        published = services.ranking_compute(actor=city, data=period)
        out[in_scope] = {
            "ranking": draft,
            "snapshot": services.ranking_publish(actor=city, ranking=published),
        }
    return out
