"""One matrix: every route that names a record (pages and API) × every role × in scope / out of scope.

A record outside the actor's scope must answer exactly like one that does not exist (404); read-only roles
get 404 on every write route even in scope. New routes must be added here: the completeness tests fail
otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from careforce.api import api as ninja_api
from careforce.core.models import District, Role
from tests import factories

pytestmark = pytest.mark.django_db

READ, WRITE, UNMASK = "read", "write", "unmask"


@dataclass(frozen=True)
class Route:
    key: str  # page URL name, or "METHOD /api/v1/path"
    target: str  # worker | employment | institution
    kind: str
    method: str = "get"
    body: dict | None = None

    def url(self, pk: int) -> str:
        if self.key.startswith(("GET ", "POST ", "PATCH ")):
            path = self.key.split(" ", 1)[1]
            return (
                path.replace("{worker_id}", str(pk))
                .replace("{employment_id}", str(pk))
                .replace("{institution_id}", str(pk))
            )
        return reverse(self.key, args=[pk])


UNMASK_BODY = {"field": "id_number", "reason": "核对社保信息"}
ROUTES = [
    Route("registry:worker_detail", "worker", READ),
    Route("registry:worker_edit", "worker", WRITE),
    Route("registry:worker_unmask", "worker", UNMASK, "post", UNMASK_BODY),
    Route("registry:worker_transfer", "worker", WRITE),
    Route("registry:employment_create", "worker", WRITE),
    Route("registry:employment_edit", "employment", WRITE),
    Route("registry:employment_end", "employment", WRITE),
    Route("institutions:institution_detail", "institution", READ),
    Route("institutions:institution_edit", "institution", WRITE),
    Route("GET /api/v1/workers/{worker_id}", "worker", READ),
    Route("PATCH /api/v1/workers/{worker_id}", "worker", WRITE, "patch", {}),
    Route("GET /api/v1/workers/{worker_id}/employments", "worker", READ),
    Route("POST /api/v1/workers/{worker_id}/employments", "worker", WRITE, "post", {}),
    Route("POST /api/v1/workers/{worker_id}/transfer", "worker", WRITE, "post", {}),
    Route("POST /api/v1/workers/{worker_id}/unmask", "worker", UNMASK, "post", UNMASK_BODY),
    Route("PATCH /api/v1/employments/{employment_id}", "employment", WRITE, "patch", {}),
    Route("POST /api/v1/employments/{employment_id}/end", "employment", WRITE, "post", {}),
    Route("GET /api/v1/institutions/{institution_id}", "institution", READ),
    Route("PATCH /api/v1/institutions/{institution_id}", "institution", WRITE, "patch", {}),
]

# role → (sees the 渝中 records, sees the 江北 records, sees institutions at all, may write, may unmask)
ROLES = {
    "city_admin": (True, True, True, True, True),
    "district_admin": (True, False, True, True, True),
    "institution_admin": (True, False, True, True, False),
    "auditor_city": (True, True, True, False, False),
    "auditor_district": (True, False, True, False, False),
    "worker": (True, False, False, False, False),
}


@pytest.fixture
def world(city):
    yuzhong, jiangbei = District.objects.get(code="500103"), District.objects.get(code="500105")
    inst_in = factories.institution(actor=city, district_code="500103")
    inst_out = factories.institution(actor=city, district_code="500105")
    worker_in = factories.worker(at=inst_in, actor=city, name="王小红")
    worker_out = factories.worker(at=inst_out, actor=city, name="赵大明")
    users = {
        "city_admin": city,
        "district_admin": factories.user(Role.DISTRICT_ADMIN, district=yuzhong),
        "institution_admin": factories.user(Role.INSTITUTION_ADMIN, institution=inst_in),
        "auditor_city": factories.user(Role.AUDITOR),
        "auditor_district": factories.user(Role.AUDITOR, district=yuzhong),
        "worker": factories.user(Role.WORKER, worker=worker_in),
    }
    assert jiangbei != yuzhong
    targets = {
        True: {"worker": worker_in, "employment": worker_in.employments.get(), "institution": inst_in},
        False: {"worker": worker_out, "employment": worker_out.employments.get(), "institution": inst_out},
    }
    return users, targets


def expected_visible(role: str, route: Route, in_scope: bool) -> bool:
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
    if route.key.startswith(("GET ", "POST ", "PATCH ")):
        body = json.dumps(route.body) if route.body is not None else None
        if body is None:
            return client.get(url)
        return getattr(client, route.method)(url, body, content_type="application/json")
    if route.method == "post":
        return client.post(url, route.body or {})
    return client.get(url)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("in_scope", [True, False], ids=["in-scope", "out-of-scope"])
def test_every_route_answers_by_scope(client, world, role, in_scope):
    users, targets = world
    client.force_login(users[role])
    wrong = []
    for route in ROUTES:
        obj = targets[in_scope][route.target]
        response = call(client, route, obj.pk)
        if expected_visible(role, route, in_scope):
            ok = response.status_code < 400 or (route.kind == WRITE and response.status_code in (400, 422))
        else:
            ok = response.status_code == 404
        if not ok:
            wrong.append(f"{route.key} → {response.status_code}")
    assert not wrong, f"{role} {'in' if in_scope else 'out of'} scope: {wrong}"


@pytest.mark.parametrize("role", ROLES)
def test_lists_show_only_what_is_in_scope(client, world, role):
    users, targets = world
    client.force_login(users[role])
    sees_in, sees_out, sees_institutions, *_ = ROLES[role]
    worker_in, worker_out = targets[True]["worker"], targets[False]["worker"]
    api_ids = {item["id"] for item in client.get("/api/v1/workers?limit=500").json()["items"]}
    assert (worker_in.pk in api_ids, worker_out.pk in api_ids) == (sees_in, sees_out)
    if role != "worker":
        page = client.get(reverse("registry:worker_list")).content.decode()
        assert (worker_in.name in page, worker_out.name in page) == (sees_in, sees_out)
    inst_in, inst_out = targets[True]["institution"], targets[False]["institution"]
    inst_ids = {item["id"] for item in client.get("/api/v1/institutions?limit=500").json()["items"]}
    assert (inst_in.pk in inst_ids, inst_out.pk in inst_ids) == (
        sees_in and sees_institutions,
        sees_out and sees_institutions,
    )


@pytest.mark.parametrize("role", ROLES)
def test_the_access_log_is_for_city_administrators_only(client, world, role):
    users, _targets = world
    client.force_login(users[role])
    status = client.get(reverse("core:access_log")).status_code
    assert status == (200 if role == "city_admin" else 404)


def _page_routes_with_a_record(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _page_routes_with_a_record(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and "<int:pk>" in str(pattern.pattern) and pattern.name:
            yield prefix + pattern.name


def test_every_page_route_with_a_record_is_in_the_matrix():
    pages = {
        name
        for name in _page_routes_with_a_record(get_resolver().url_patterns)
        if not name.startswith("api:")
    }
    pages = {name for name in pages if not name.startswith("admin:")}
    assert pages <= {route.key for route in ROUTES}, pages - {route.key for route in ROUTES}


def test_every_api_route_with_a_record_is_in_the_matrix():
    schema = ninja_api.get_openapi_schema()
    api_routes = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        if "{" in path
        for method in operations
    }
    assert api_routes <= {route.key for route in ROUTES}, api_routes - {route.key for route in ROUTES}
