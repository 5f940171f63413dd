"""API of conduct, credit and rankings: writes through the services, 422 by field, scope, no N+1."""

import datetime
import json

import pytest

from careforce.core.models import Role
from careforce.credit.models import CreditScore
from tests import factories
from tests import factories_conduct as fc

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def worker(city, home):
    return factories.worker(at=home, actor=city, name="张三丰")


def test_a_complaint_goes_through_the_api_to_a_lower_score(client, city, worker):
    client.force_login(city)
    response = post(
        client, "/api/v1/complaints", {"channel": "hotline", "worker": worker.pk, "content": "态度差"}
    )
    assert response.status_code == 201, response.content
    complaint = response.json()
    assert complaint["status"] == "received" and complaint["deadline"]
    url = f"/api/v1/complaints/{complaint['id']}/transition"
    assert post(client, url, {"to": "closed"}).json()["errors"][0]["field"] == "to"
    assert post(client, url, {"to": "investigating"}).status_code == 200
    assert post(client, url, {"to": "substantiated"}).json()["errors"][0]["field"] == "note"
    assert post(client, url, {"to": "substantiated", "note": "属实"}).json()["finding"] == "substantiated"
    penalty = post(
        client,
        "/api/v1/penalties",
        {
            "worker": worker.pk,
            "kind": "罚款",
            "fine_amount": "500",
            "deciding_body": "区民政局",
            "legal_basis": "x",
            "decided_on": "2026-01-05",
        },
    )
    assert penalty.status_code == 201 and penalty.json()["kind"] == "fine"
    credit = client.get(f"/api/v1/workers/{worker.pk}/credit").json()
    points = {f["measure"]: f["points"] for f in credit["factors"]}
    assert points["complaints"] == -5 and points["penalty_fine"] == -10
    assert credit["rule_version"] == 1 and len(credit["history"]) >= 1


def test_evaluations_via_the_api(client, city, worker):
    client.force_login(city)
    body = {"worker": worker.pk, "evaluator_kind": "家属", "scores": dict(fc.ALL_FIVES)}
    response = post(client, "/api/v1/evaluations", body)
    assert response.status_code == 201 and response.json()["average"] == "5.00"
    bad = post(client, "/api/v1/evaluations", {**body, "scores": [1, 2]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "scores"
    assert client.get("/api/v1/evaluations").json()["items"][0]["scores"][0]["dimension"] == "attitude"


def test_listing_and_the_pre_employment_check(client, city, home, worker):
    client.force_login(city)
    response = post(
        client,
        "/api/v1/dishonesty-listings",
        {"worker": worker.pk, "situation": "elder_abuse", "deciding_body": "市民政局"},
    )
    assert response.status_code == 201 and response.json()["is_active"]
    listing = response.json()["id"]
    removal = post(
        client,
        f"/api/v1/dishonesty-listings/{listing}/remove",
        {"removal_applied_on": datetime.date.today().isoformat(), "removal_reason": "x"},
    )
    assert removal.status_code == 422 and removal.json()["errors"][0]["field"] == "removal_applied_on"
    head = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    client.force_login(head)
    check = post(client, "/api/v1/pre-employment-checks", {"id_number": worker.reveal_id_number()})
    assert check.status_code == 201 and check.json() == {
        **check.json(),
        "listed": True,
        "id_number_masked": worker.id_number_masked,
    }
    assert set(check.json()) == {"id_number_masked", "listed", "checked_at"}
    data = {
        "institution": home.pk,
        "post": "兼职",
        "start_date": datetime.date.today().isoformat(),
        "is_part_time": True,
    }
    refused = post(client, f"/api/v1/workers/{worker.pk}/employments", data)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "override_reason"
    assert (
        post(
            client, f"/api/v1/workers/{worker.pk}/employments", {**data, "override_reason": "家属担保"}
        ).status_code
        == 201
    )


def test_read_only_roles_get_404_on_writes(client, city, worker):
    client.force_login(factories.user(Role.AUDITOR))
    assert (
        post(
            client, "/api/v1/complaints", {"channel": "hotline", "worker": worker.pk, "content": "x"}
        ).status_code
        == 404
    )
    assert post(client, "/api/v1/pre-employment-checks", {"id_number": "x"}).status_code == 404


def test_lists_have_no_n_plus_one(client, city, worker, django_assert_max_num_queries):
    for _ in range(4):
        fc.evaluation(actor=city, worker=worker)
        fc.complaint(actor=city, worker=worker)
        fc.penalty(actor=city, worker=worker)
    client.force_login(city)
    for url in (
        "/api/v1/evaluations",
        "/api/v1/complaints",
        "/api/v1/penalties",
        "/api/v1/dishonesty-listings",
    ):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
    assert CreditScore.objects.filter(worker=worker).exists()
