"""Pool routes (issue #4): city roles see every pool; district roles their district's members and draws."""

from careforce.pools import services
from tests.scope.common import READ, WRITE, Route


def _officials(role: str, in_scope: bool) -> bool:
    return role in ("city_admin", "auditor_city") or (
        role in ("district_admin", "auditor_district") and in_scope
    )


def _managers(role: str, in_scope: bool) -> bool:
    return role == "city_admin" or (role == "district_admin" and in_scope)


ROUTES = [
    Route("pools:member_detail", "member", READ, expect=_officials),
    Route("pools:member_edit", "member", WRITE, "post", expect=_managers),
    Route("PATCH /api/v1/pools/members/{member_id}", "member", WRITE, "patch", {}, expect=_managers),
    Route("pools:member_leave", "member", WRITE, "post", expect=_managers),
    Route("pools:draw_detail", "draw", READ, expect=_officials),
    Route("GET /api/v1/pools/members/{member_id}", "member", READ, expect=_officials),
    Route("POST /api/v1/pools/members/{member_id}/leave", "member", WRITE, "post", {}, expect=_managers),
    Route("GET /api/v1/pools/draws/{draw_id}", "draw", READ, expect=_officials),
    # An empty reason: refused by field for those who may redraw, 404 for everyone else.
    Route("pools:draw_redraw", "draw", WRITE, "post", expect=_managers),
    Route("POST /api/v1/pools/draws/{draw_id}/redraw", "draw", WRITE, "post", {}, expect=_managers),
]


def make_targets(city, world):
    _users, targets = world
    out = {}
    for in_scope, code in ((True, "500103"), (False, "500105")):
        member = services.member_join(
            actor=city,
            data={"pool": "expert", "worker": targets[in_scope]["worker"].pk, "qualifications": "高级护理师"},
        )
        services.member_join(
            actor=city,
            data={"pool": "expert", "name": f"外聘专家{code}", "district": code, "qualifications": "教授"},
        )
        draw = services.draw_make(
            actor=city,
            data={
                "pool": "expert",
                "task_kind": "grading",
                "task_title": "等级评定",
                "subject_institutions": [targets[in_scope]["institution"].pk],
                "count": 1,
            },
        )
        out[in_scope] = {"member": member, "draw": draw}
    return out
