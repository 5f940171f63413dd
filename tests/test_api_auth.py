"""API authentication (session or bearer token), the token commands, and the OpenAPI document and docs."""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from careforce import cli
from careforce.core.models import ApiToken, AuditEvent, Role
from careforce.core.synthetic import credit_code
from careforce.core.tokens import LAST_USED_RESOLUTION, hash_token, token_create, token_revoke
from tests import factories
from tests.pages import assert_served_from_here

pytestmark = pytest.mark.django_db

API = "/api/v1"
_rng = random.Random(11)


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client: Client, url: str, body: dict, **headers):
    return client.post(API + url, json.dumps(body), content_type="application/json", **headers)


def institution_body(district_id: int) -> dict:
    return {
        "uscc": credit_code(_rng, region="500103"),
        "name": "令牌创建的养老院",
        "district": district_id,
        "kind": "institution",
        "ownership": "private",
    }


def test_it_answers_401_json_without_credentials(client, city, home):
    for response in (
        client.get(f"{API}/workers"),
        client.get(f"{API}/districts"),
        post(client, "/institutions", institution_body(home.district_id)),
    ):
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["detail"]
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_authenticates_as_its_user_and_scope(client, city, home):
    factories.worker(at=home, actor=city)
    admin = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500105"))
    token, raw = token_create(user=admin, name="民政局数据交换")
    assert raw.startswith("cf_") and len(raw) > 40 and token.prefix == raw[:10]
    response = client.get(f"{API}/workers", **bearer(raw))
    assert response.status_code == 200
    assert response.json()["items"] == []  # the worker is in 渝中区, the token's user in 江北区
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_the_hash_of_a_token_is_stored(city):
    token, raw = token_create(user=city, name="统计系统")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in json.dumps(row, default=str)
    assert row["key_hash"] == hash_token(raw) and len(row["key_hash"]) == 64
    assert AuditEvent.objects.filter(object_type="core.apitoken", object_id=token.pk).exists()


def test_a_token_may_write_without_csrf_and_a_session_may_not(city, home):
    _token, raw = token_create(user=city, name="集成测试")
    strict = Client(enforce_csrf_checks=True)
    created = post(strict, "/institutions", institution_body(home.district_id), **bearer(raw))
    assert created.status_code == 201, created.content

    strict.force_login(city)
    refused = post(strict, "/institutions", institution_body(home.district_id))
    assert refused.status_code == 403 and refused.json()["detail"]
    assert strict.get(f"{API}/institutions").status_code == 200  # reading needs no CSRF token
    strict.get("/api/v1/docs")  # sets the CSRF cookie
    csrf = strict.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = post(strict, "/institutions", institution_body(home.district_id), HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201, accepted.content


def test_a_revoked_unknown_or_malformed_token_gets_401(client, city):
    token, raw = token_create(user=city, name="旧系统")
    assert client.get(f"{API}/districts", **bearer(raw)).status_code == 200
    token_revoke(token=token)
    for headers in (
        bearer(raw),
        bearer("cf_" + "x" * 43),
        bearer(""),
        {"HTTP_AUTHORIZATION": f"Token {raw}"},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
    ):
        response = client.get(f"{API}/districts", **headers)
        assert response.status_code == 401, headers
        assert response.json()["detail"]


def test_a_bad_token_is_not_rescued_by_a_session(client, city):
    client.force_login(city)
    assert client.get(f"{API}/districts", **bearer("cf_nonsense")).status_code == 401
    assert client.get(f"{API}/districts").status_code == 200


def test_a_token_of_a_disabled_account_gets_401(client, city):
    _token, raw = token_create(user=city, name="x")
    city.is_active = False
    city.save()
    assert client.get(f"{API}/districts", **bearer(raw)).status_code == 401


def test_last_used_is_written_at_most_every_few_minutes(client, city, django_assert_num_queries):
    token, raw = token_create(user=city, name="x")
    with django_assert_num_queries(3):  # token lookup, last_used_at update, the list
        client.get(f"{API}/districts", **bearer(raw))
    with django_assert_num_queries(2):  # token lookup, the list
        client.get(f"{API}/districts", **bearer(raw))
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.created_at - LAST_USED_RESOLUTION * 2)
    with django_assert_num_queries(3):
        client.get(f"{API}/districts", **bearer(raw))


def test_the_create_and_revoke_token_commands(client, city):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_token", city.username, "--name", "养老补贴系统", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert raw.startswith("cf_") and raw[:10] in err.getvalue()
    assert client.get(f"{API}/districts", **bearer(raw)).status_code == 200

    out = io.StringIO()
    call_command("revoke_token", raw[:10], stdout=out)
    assert "Revoked" in out.getvalue()
    assert client.get(f"{API}/districts", **bearer(raw)).status_code == 401
    with pytest.raises(CommandError):
        call_command("revoke_token", raw[:10])
    with pytest.raises(CommandError):
        call_command("create_token", "nobody-here", "--name", "x")
    with pytest.raises(CommandError):
        call_command("create_token", city.username, "--name", "  ")


def test_revoke_token_by_user(client, city):
    _a, first = token_create(user=city, name="a")
    _b, second = token_create(user=city, name="b")
    call_command("revoke_token", "--user", city.username, stdout=io.StringIO())
    assert client.get(f"{API}/districts", **bearer(first)).status_code == 401
    assert client.get(f"{API}/districts", **bearer(second)).status_code == 401


def test_the_cli_maps_hyphenated_command_names(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "argv", ["careforce", "create-token", "alice", "--name", "x-y"])
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    cli.main()
    assert seen == [["careforce", "create_token", "alice", "--name", "x-y"]]
    monkeypatch.setattr(sys, "argv", ["careforce", "--version"])
    cli.main()
    assert seen[-1] == ["careforce", "--version"]


def test_the_openapi_document_lists_the_paths(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path, methods in {
        "/api/v1/districts": {"get"},
        "/api/v1/occupations": {"get"},
        "/api/v1/institutions": {"get", "post"},
        "/api/v1/institutions/{institution_id}": {"get", "patch"},
        "/api/v1/workers": {"get", "post"},
        "/api/v1/workers/{worker_id}": {"get", "patch"},
        "/api/v1/workers/{worker_id}/transfer": {"post"},
        "/api/v1/workers/{worker_id}/unmask": {"post"},
        "/api/v1/workers/{worker_id}/employments": {"get", "post"},
        "/api/v1/employments/{employment_id}": {"patch"},
        "/api/v1/employments/{employment_id}/end": {"post"},
    }.items():
        assert methods <= set(paths[path]), path
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert not any("{rest}" in p for p in paths)
    worker_out = document["components"]["schemas"]["WorkerOut"]["properties"]
    assert "id_number_masked" in worker_out and not any("hash" in k or "encrypted" in k for k in worker_out)


def test_the_docs_page_uses_vendored_swagger_ui(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/vendor/swagger-ui/swagger-ui.css" in html
    assert_served_from_here(html)
    static = Path(settings.BASE_DIR) / "static" / "vendor" / "swagger-ui"
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-init.js"):
        assert (static / name).is_file(), name


def test_unknown_api_paths_answer_json_404(client, city):
    client.force_login(city)
    for url in (f"{API}/nothing", f"{API}/workers/1/nothing/here"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["detail"]
