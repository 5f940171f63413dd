"""One matrix: every route that names a record (pages and API) × every role × in scope / out of scope.

A record outside the actor's scope must answer exactly like one that does not exist (404); read-only roles
get 404 on every write route even in scope. Routes come from tests/scope/routes_*.py (one per capability);
the completeness tests fail when a route with a record is in none of them.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests.scope
from careforce.api import api as ninja_api
from tests.scope.common import ROLES, answered_as_expected, build_world, call, expected_visible

pytestmark = pytest.mark.django_db

MODULES = [
    importlib.import_module(f"tests.scope.{info.name}")
    for info in pkgutil.iter_modules(tests.scope.__path__)
    if info.name.startswith("routes_")
]
ROUTES = [route for module in MODULES for route in module.ROUTES]


@pytest.fixture
def world(city):
    users, targets = build_world(city)
    for module in MODULES:
        make_targets = getattr(module, "make_targets", None)
        if make_targets is not None:
            extra = make_targets(city, (users, targets))
            targets[True].update(extra[True])
            targets[False].update(extra[False])
    return users, targets


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("in_scope", [True, False], ids=["in-scope", "out-of-scope"])
def test_every_route_answers_by_scope(client, world, role, in_scope):
    users, targets = world
    client.force_login(users[role])
    wrong = []
    for route in ROUTES:
        response = call(client, route, targets[in_scope][route.target].pk)
        if not answered_as_expected(route, response, expected_visible(role, route, in_scope)):
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
def test_the_access_log_is_for_city_and_audit_administrators_only(client, world, role):
    users, _targets = world
    client.force_login(users[role])
    status = client.get(reverse("core:access_log")).status_code
    assert status == (200 if role in ("city_admin", "audit_admin") else 404)
    reads = client.get(reverse("core:read_log")).status_code
    assert reads == (200 if role in ("city_admin", "audit_admin") else 404)


def _page_routes_with_a_record(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _page_routes_with_a_record(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and "<int:" in str(pattern.pattern) and pattern.name:
            yield prefix + pattern.name


def test_every_page_route_with_a_record_is_in_the_matrix():
    pages = {
        name
        for name in _page_routes_with_a_record(get_resolver().url_patterns)
        if not name.startswith(("api:", "admin:"))
    }
    missing = pages - {route.key for route in ROUTES}
    assert not missing, f"add these routes to a tests/scope/routes_*.py module: {sorted(missing)}"


def test_every_api_route_with_a_record_is_in_the_matrix():
    schema = ninja_api.get_openapi_schema()
    api_routes = {
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        if "{" in path
        for method in operations
    }
    missing = api_routes - {route.key for route in ROUTES}
    assert not missing, f"add these routes to a tests/scope/routes_*.py module: {sorted(missing)}"
