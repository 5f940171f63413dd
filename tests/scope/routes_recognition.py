"""Recognition routes: city roles see everything; district roles their district's awards, competitions,
studios and household-registration flags; institution administrators and workers none of these pages."""

from careforce.recognition import services
from tests import factories_training
from tests.scope.common import READ, WRITE, Route


def _officials(role: str, in_scope: bool) -> bool:
    return role in ("city_admin", "auditor_city") or (
        role in ("district_admin", "auditor_district") and in_scope
    )


def _managers(role: str, in_scope: bool) -> bool:
    return role == "city_admin" or (role == "district_admin" and in_scope)


ROUTES = [
    Route("recognition:award_detail", "award", READ, expect=_officials),
    Route("GET /api/v1/recognition/awards/{award_id}", "award", READ, expect=_officials),
    Route("recognition:competition_detail", "competition", READ, expect=_officials),
    Route("GET /api/v1/recognition/competitions/{competition_id}", "competition", READ, expect=_officials),
    Route("recognition:competition_enter", "competition", WRITE, "post", expect=_managers),
    Route("recognition:competition_draw", "competition", WRITE, "post", expect=_managers),
    Route("recognition:competition_scores", "competition", WRITE, "post", expect=_managers),
    Route("recognition:competition_publish", "competition", WRITE, "post", expect=_managers),
    Route(
        "POST /api/v1/recognition/competitions/{competition_id}/entrants",
        "competition",
        WRITE,
        "post",
        {},
        expect=_managers,
    ),
    Route(
        "POST /api/v1/recognition/competitions/{competition_id}/draw",
        "competition",
        WRITE,
        "post",
        {},
        expect=_managers,
    ),
    Route(
        "POST /api/v1/recognition/competitions/{competition_id}/scores",
        "competition",
        WRITE,
        "post",
        {},
        expect=_managers,
    ),
    Route(
        "POST /api/v1/recognition/competitions/{competition_id}/publish",
        "competition",
        WRITE,
        "post",
        {},
        expect=_managers,
    ),
    Route("recognition:studio_detail", "studio", READ, expect=_officials),
    Route("GET /api/v1/recognition/studios/{studio_id}", "studio", READ, expect=_officials),
    Route("recognition:studio_member_add", "studio", WRITE, "post", expect=_managers),
    Route(
        "POST /api/v1/recognition/studios/{studio_id}/members", "studio", WRITE, "post", {}, expect=_managers
    ),
    Route("recognition:studio_member_end", "studio_member", WRITE, "post", expect=_managers),
    Route("GET /api/v1/recognition/settlement/{flag_id}", "settlement_flag", READ, expect=_officials),
    Route("recognition:settlement_withdraw", "settlement_flag", WRITE, "post", expect=_managers),
]


def make_targets(city, world):
    _users, targets = world
    out = {}
    for in_scope, code in ((True, "500103"), (False, "500105")):
        worker = targets[in_scope]["worker"]
        award = services.award_grant(
            actor=city, data={"kind": "最美护理员", "worker": worker.pk, "year": 2026}
        )
        competition = services.competition_create(
            actor=city,
            data={"title": f"技能比武{code}", "level": "district", "district": code, "held_on": "2026-04-01"},
        )
        services.entrant_add(actor=city, competition=competition, data={"worker": worker.pk})
        studio = services.studio_create(
            actor=city, data={"name": f"大师工作室{code}", "leader": worker.pk, "founded_on": "2020-01-01"}
        )
        member = services.studio_member_add(
            actor=city,
            studio=studio,
            data={"worker": targets[not in_scope]["worker"].pk, "role": "member", "started_on": "2021-01-01"},
        )
        factories_training.certificate(worker, level="technician", actor=city)
        flag = services.settlement_flag(actor=city, data={"worker": worker.pk})
        out[in_scope] = {
            "award": award,
            "competition": competition,
            "studio": studio,
            "studio_member": member,
            "settlement_flag": flag,
        }
    return out
