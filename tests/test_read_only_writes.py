"""A read-only role (auditor, worker) writing anywhere gets 404 before its input is looked at.

Checking the input first would answer 422 with the form's or the schema's messages: a read-only account
would learn which fields a write takes and which of its values pass, and a write route would answer it
differently from a page that does not exist. Every API write operation (from the OpenAPI document) and every
page URL is tried; the few that a read-only role may really post to are listed here with their reason.
"""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from careforce.api import api as ninja_api
from careforce.core.tokens import token_create
from tests.test_scope_matrix import ROUTES
from tests.test_scope_matrix import world as world  # the scope matrix's records, as a fixture here

pytestmark = pytest.mark.django_db

WRITE_METHODS = {"post", "patch", "put", "delete"}

# API operations a worker account may call on itself (the online courses it takes, docs/api.md).
WORKER_SELF_SERVICE = {
    "POST /api/v1/training/sessions/{session_id}/start",
    "POST /api/v1/training/enrolments/{enrolment_id}/progress",
    "POST /api/v1/training/enrolments/{enrolment_id}/opened",
    # A volunteer's own time account (the worker account linked to the volunteer record, docs/timebank.md).
    "POST /api/v1/timebank/volunteers/{volunteer_id}/relatives",
    "POST /api/v1/timebank/volunteers/{volunteer_id}/orders",
    "POST /api/v1/timebank/volunteers/{volunteer_id}/transfers",
    "POST /api/v1/timebank/volunteers/{volunteer_id}/donations",
    "POST /api/v1/timebank/volunteers/{volunteer_id}/redemptions",
    "POST /api/v1/timebank/orders/{order_id}/confirm",
    "POST /api/v1/timebank/orders/{order_id}/cancel",
}

# Pages every signed-in account may post to, and why.
PAGES_ANYONE_MAY_POST = {
    "core:login": "signing in",
    "core:logout": "signing out",
    "core:two_factor": "the second step of signing in (a signed-in session is sent on)",
    "core:two_factor_setup": "setting up the second step of signing in (a signed-in session is sent on)",
    "credit:notifications_read": "marking one's own notifications read",
}
# Public pages (no account): what they answer does not depend on a role.
PUBLIC_PAGES = {
    "conduct:public_evaluation",
    # A volunteer's one-time link to choose a password: the token decides, not the account.
    "timebank:account_activate",
    "skills:verify",
    "rankings:public_list",
    "rankings:public_detail",
}
# Pages a worker account may post to (its own online courses).
PAGES_WORKER_MAY_POST = {
    "training:learn_start",
    "training:learning",
    # A volunteer's own time account.
    "timebank:relative_create",
    "timebank:order_create",
    "timebank:transfer_create",
    "timebank:donation_create",
    "timebank:redemption_create",
    "timebank:order_confirm",
    "timebank:order_cancel",
}
# Pages that only read: they take no form, and a POST is answered as a GET is (lists keep their filters in
# the query string). Not posted to here; a page that starts taking a form must leave this list.
READ_PAGES = {
    "conduct:complaint_list", "conduct:evaluation_list", "conduct:institution_timeline", "conduct:penalty_list",
    "core:home", "credit:listing_list", "credit:methodology", "credit:notifications", "credit:worker_credit",
    "imports:export_institutions", "imports:export_workers", "indicators:district", "indicators:district_export",
    "indicators:home", "indicators:institution", "indicators:overview_export", "indicators:scorecard",
    "indicators:scorecard_export", "institutions:institution_detail", "institutions:institution_list",
    "pools:draw_list", "pools:member_list", "registry:worker_detail", "registry:worker_list", "skills:body_list",
    "skills:overview", "skills:expiring", "training:base_list", "training:heads", "training:learn", "training:overview",
    "training:session_list", "conduct:complaint_detail", "conduct:penalty_detail", "credit:listing_detail",
    "indicators:report", "indicators:report_export", "indicators:report_pdf", "pools:draw_detail",
    "pools:member_detail", "rankings:ranking_detail", "skills:certificate_detail", "skills:certificate_print",
    "training:base_detail", "training:session_detail", "training:session_register",
    "timebank:home", "timebank:me", "timebank:volunteer_list", "timebank:volunteer_detail",
    "timebank:statement_xlsx", "timebank:statement_page", "timebank:my_statement", "timebank:record_list", "timebank:record_detail", "timebank:order_list",
    "timebank:order_detail", "timebank:site_list",
    "vacancies:home", "vacancies:vacancy_detail", "vacancies:seeker_list", "vacancies:seeker_detail",
}  # fmt: skip
ROLES = {"auditor": "auditor_city", "worker": "worker"}
TARGET = {route.key: route.target for route in ROUTES}


def _api_write_operations() -> list[str]:
    schema = ninja_api.get_openapi_schema(path_prefix="/api/v1")
    return sorted(
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in WRITE_METHODS
    )


def _pk(world, key: str) -> int:
    """A record the role can see (in its scope) when the route names one; else any id."""
    _users, targets = world
    return targets[True][TARGET[key]].pk if key in TARGET else 1


def _url(world, key: str) -> str:
    path = key.split(" ", 1)[1]
    start, end = path.find("{"), path.find("}")
    return path if start < 0 else path[:start] + str(_pk(world, key)) + path[end + 1 :]


@pytest.fixture
def read_only_accounts(world):
    users, _targets = world
    return {role: users[name] for role, name in ROLES.items()}


@pytest.mark.parametrize("role", ["auditor", "worker"])
def test_every_api_write_answers_404_to_a_read_only_role_whatever_the_input(
    client, world, read_only_accounts, role
):
    _token, raw = token_create(user=read_only_accounts[role], name="只读")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    bodies = {
        "unknown field": json.dumps({"no_such_field": 1}),
        "wrong types": json.dumps({"name": {"a": 1}, "workers": "x", "district": [1]}),
        "not JSON": "{",
    }
    wrong = []
    for key in _api_write_operations():
        if role == "worker" and key in WORKER_SELF_SERVICE:
            continue
        method = key.split(" ", 1)[0].lower()
        for label, body in bodies.items():
            response = getattr(client, method)(
                _url(world, key), body, content_type="application/json", **auth
            )
            if response.status_code != 404:
                wrong.append(f"{key} ({label}) → {response.status_code}")
    if wrong:
        pytest.fail("\n".join(wrong))


def test_a_read_only_session_also_gets_404_before_its_input_is_read(client, read_only_accounts):
    client.force_login(read_only_accounts["auditor"])
    response = client.post(
        "/api/v1/institutions", json.dumps({"no_such_field": 1}), content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": response.json()["detail"]}


def test_a_worker_may_still_take_its_online_course_through_the_api(client, read_only_accounts):
    _token, raw = token_create(user=read_only_accounts["worker"], name="手机")
    response = client.post(
        "/api/v1/training/enrolments/999999/progress",
        json.dumps({"lesson": "x"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 422  # its input is checked: the route is its own


def _page_names(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _page_names(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name, str(pattern.pattern)


def _page_url(world, name: str, pattern: str) -> str:
    if "<slug:sheet>" in pattern:
        return reverse(name, args=["workers"])
    if "<" in pattern:
        return reverse(name, args=[_pk(world, name)])
    return reverse(name)


def _write_pages():
    for name, pattern in sorted(set(_page_names(get_resolver().url_patterns))):
        if name.startswith(("api:", "admin:", "set_language")) or name in PUBLIC_PAGES:
            continue
        if name in PAGES_ANYONE_MAY_POST or name in READ_PAGES:
            continue
        yield name, pattern


@pytest.mark.parametrize("role", ["auditor", "worker"])
def test_every_page_answers_a_read_only_roles_post_with_404_before_any_form_is_checked(
    client, world, read_only_accounts, role
):
    """A POST with a form that would not validate: 404 (or 405 from a page that takes no POST at all)."""
    client.force_login(read_only_accounts[role])
    wrong = []
    for name, pattern in _write_pages():
        if role == "worker" and name in PAGES_WORKER_MAY_POST:
            continue
        response = client.post(_page_url(world, name, pattern), {"no_such_field": "1", "name": ""})
        if response.status_code not in (404, 405):
            wrong.append(f"{name} → {response.status_code}")
    if wrong:
        pytest.fail("\n".join(wrong))
