"""Skills routes: certificates follow their holder (and their issuer: the in-scope one is issued by the 渝中
body, the out-of-scope one by the 江北 body); bodies are a city-wide register."""

from tests import factories_training as ft
from tests.scope.common import READ, ROLES, WRITE, Route

BODY = ("evaluation_body",)  # the body's account sees itself and the certificates it issued


def _staff(role: str, in_scope: bool) -> bool:
    return ROLES[role][2]  # every role that sees institutions (not a worker, not the three administrators)


def _city_writer(role: str, in_scope: bool) -> bool:
    return role == "city_admin"


ROUTES = [
    Route("skills:body_detail", "body", READ, expect=_staff, owners=BODY),
    Route("skills:certificate_detail", "certificate", READ, owners=BODY),
    Route("skills:certificate_print", "certificate", READ, owners=BODY),
    Route("skills:certificate_revoke", "certificate", WRITE, "post", expect=_city_writer),
    Route("skills:certificate_suspend", "certificate", WRITE, "post", expect=_city_writer),
    Route("skills:certificate_reinstate", "certificate", WRITE, "post", expect=_city_writer),
    Route("skills:certificate_renew", "certificate", WRITE, "post", expect=_city_writer),
    Route("skills:title_create", "worker", WRITE),
    Route("skills:certificate_verify", "certificate", WRITE, "post"),
    Route("POST /api/v1/skills/certificates/{certificate_id}/verification", "certificate", WRITE, "post", {}),
    Route("GET /api/v1/skills/certificates/{certificate_id}", "certificate", READ, owners=BODY),
    Route(
        "POST /api/v1/skills/certificates/{certificate_id}/revoke",
        "certificate",
        WRITE,
        "post",
        {},
        expect=_city_writer,
    ),
    *(
        Route(
            f"POST /api/v1/skills/certificates/{{certificate_id}}/{action}",
            "certificate",
            WRITE,
            "post",
            {},
            expect=_city_writer,
        )
        for action in ("suspend", "reinstate", "renew")
    ),
    Route("GET /api/v1/workers/{worker_id}/skills", "worker", READ),
    Route("POST /api/v1/workers/{worker_id}/titles", "worker", WRITE, "post", {}),
    Route("GET /api/v1/skills/bodies/{body_id}", "body", READ, expect=_staff, owners=BODY),
    Route("PATCH /api/v1/skills/bodies/{body_id}", "body", WRITE, "patch", {}, expect=_city_writer),
    Route("POST /api/v1/skills/bodies/{body_id}/ranges", "body", WRITE, "post", {}, expect=_city_writer),
]


def make_targets(city, world):
    _users, targets = world
    return {
        in_scope: {
            "certificate": ft.certificate(
                targets[in_scope]["worker"], issuer=targets[in_scope]["body"], actor=city
            )
        }
        for in_scope in (True, False)
    }
