"""The scope matrix's machinery: roles, the two-district world, routes and what each role should get.

Each capability adds a module tests/scope/routes_<app>.py with:
- ROUTES: a list of Route (every page or API route that names one record),
- optionally make_targets(city, world) -> {True: {name: obj}, False: {name: obj}} for its own record kinds
  (True = inside 渝中区 / the 渝中 institution / worker_in, False = in 江北区), merged into the world's targets.
tests/test_scope_matrix.py runs them all and fails when a route with a record is missing from every module.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from careforce.core.models import District, Role
from tests import factories
from tests import factories_training as ft

READ, WRITE, UNMASK = "read", "write", "unmask"
API_METHODS = ("GET ", "POST ", "PATCH ", "PUT ", "DELETE ")


@dataclass(frozen=True)
class Route:
    key: str  # page URL name, or "METHOD /api/v1/path/{id}"
    target: str  # a key of the world's targets: worker | employment | institution | (an app's own)
    kind: str
    method: str = "get"
    body: dict | None = None
    # Overrides the default rule (ROLES below) when a record kind is visible differently.
    expect: Callable[[str, bool], bool] | None = None
    # The body roles (BODY_ROLES) that reach this route for their own record (in scope); every other route
    # answers them 404 whatever the other roles get.
    owners: tuple[str, ...] = ()
    public: bool = False  # anyone may read it (published rankings): the body roles too

    @property
    def is_api(self) -> bool:
        return self.key.startswith(API_METHODS)

    def url(self, pk: int) -> str:
        if self.is_api:
            path = self.key.split(" ", 1)[1]
            start, end = path.find("{"), path.find("}")
            return path[:start] + str(pk) + path[end + 1 :]
        return reverse(self.key, args=[pk])


# role → (sees the 渝中 records, sees the 江北 records, sees institutions at all, may write, may unmask)
ROLES = {
    "city_admin": (True, True, True, True, True),
    "district_admin": (True, False, True, True, True),
    "institution_admin": (True, False, True, True, False),
    "auditor_city": (True, True, True, False, False),
    "auditor_district": (True, False, True, False, False),
    "worker": (True, False, False, False, False),
    # The three administrators (三员分立) see no record at all: every record route answers 404.
    "system_admin": (False, False, False, False, False),
    "security_admin": (False, False, False, False, False),
    "audit_admin": (False, False, False, False, False),
    # A training base (the 渝中 one in scope) and an evaluation body (the 渝中 one): no area of their own, only
    # the routes that declare them as owners (their sessions, their certificates).
    "training_base": (False, False, False, True, False),
    "evaluation_body": (False, False, False, True, False),
}
BODY_ROLES = ("training_base", "evaluation_body")


def build_world(city):
    yuzhong = District.objects.get(code="500103")
    inst_in = factories.institution(actor=city, district_code="500103")
    inst_out = factories.institution(actor=city, district_code="500105")
    worker_in = factories.worker(at=inst_in, actor=city, name="王小红")
    worker_out = factories.worker(at=inst_out, actor=city, name="赵大明")
    base_in, base_out = (training_base(city, code) for code in ("500103", "500105"))
    body_in, body_out = (ft.evaluation_body(actor=city, district_code=code) for code in ("500103", "500105"))
    users = {
        "city_admin": city,
        "district_admin": factories.user(Role.DISTRICT_ADMIN, district=yuzhong),
        "institution_admin": factories.user(Role.INSTITUTION_ADMIN, institution=inst_in),
        "auditor_city": factories.user(Role.AUDITOR),
        "auditor_district": factories.user(Role.AUDITOR, district=yuzhong),
        "worker": factories.user(Role.WORKER, worker=worker_in),
        "system_admin": factories.user(Role.SYSTEM_ADMIN),
        "security_admin": factories.user(Role.SECURITY_ADMIN),
        "audit_admin": factories.user(Role.AUDIT_ADMIN),
        "training_base": factories.user(Role.TRAINING_BASE, training_base=base_in),
        "evaluation_body": factories.user(Role.EVALUATION_BODY, evaluation_body=body_in),
    }
    targets = {
        True: {
            "worker": worker_in,
            "employment": worker_in.employments.get(),
            "institution": inst_in,
            "base": base_in,
            "body": body_in,
        },
        False: {
            "worker": worker_out,
            "employment": worker_out.employments.get(),
            "institution": inst_out,
            "base": base_out,
            "body": body_out,
        },
    }
    return users, targets


def training_base(city, district_code: str):
    from careforce.training import services

    district = District.objects.get(code=district_code)
    return services.training_base_register(
        actor=city,
        data={
            "name": f"{district.name}养老培训基地",
            "kind": "training",
            "host": "职业学院",
            "district": district.pk,
            "accredited_on": "2024-01-01",
            "capacity": 200,
        },
    )


def expected_visible(role: str, route: Route, in_scope: bool) -> bool:
    if role in BODY_ROLES:
        return route.public or (in_scope and role in route.owners)
    if route.expect is not None:
        return route.expect(role, in_scope)
    sees_in, sees_out, sees_institutions, may_write, may_unmask = ROLES[role]
    visible = sees_in if in_scope else sees_out
    if route.target == "institution":
        visible = visible and sees_institutions
    if route.kind == WRITE:
        visible = visible and may_write
    if route.kind == UNMASK:
        visible = visible and may_unmask
    return visible


def call(client, route: Route, pk: int):
    url = route.url(pk)
    if route.is_api:
        if route.method == "get":
            return client.get(url)
        body = json.dumps(route.body if route.body is not None else {})
        return getattr(client, route.method)(url, body, content_type="application/json")
    if route.method == "post":
        return client.post(url, route.body or {})
    return client.get(url)


def answered_as_expected(route: Route, response, visible: bool) -> bool:
    if not visible:
        return response.status_code == 404
    return response.status_code < 400 or (route.kind == WRITE and response.status_code in (400, 409, 422))
