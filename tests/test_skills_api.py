"""Skills API beyond certificates: the register of evaluation bodies with their ranges (the city keeps it, every
staff role reads it) and recording a worker's professional title."""

import pytest

from careforce.core.models import AuditEvent, District, Role
from careforce.core.synthetic import credit_code
from careforce.skills.models import ProfessionalTitle
from tests import factories

pytestmark = pytest.mark.django_db


def test_api_registers_a_body_sets_its_range_and_changes_it(client, city):
    client.force_login(city)
    uscc = credit_code(factories._rng, region="500000")
    created = client.post(
        "/api/v1/skills/bodies",
        {
            "name": "重庆市养老服务职业技能评价中心",
            "uscc": uscc,
            "registration_number": "Y000050000999",
            "registered_on": "2022-01-01",
            "district": "500103",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["ranges"] == [] and body["is_active"] is True and body["district"]["code"] == "500103"
    ranged = client.post(
        f"/api/v1/skills/bodies/{body['id']}/ranges",
        {"occupation": "care_worker", "lowest": "初级工", "highest": "技师"},
        content_type="application/json",
    )
    assert ranged.status_code == 200, ranged.content
    assert ranged.json()["ranges"] == [
        {"occupation": "care_worker", "lowest": "junior", "highest": "technician"}
    ]
    bad = client.post(
        f"/api/v1/skills/bodies/{body['id']}/ranges",
        {"occupation": "care_worker", "lowest": "技师", "highest": "首席技师"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"highest"}
    changed = client.patch(
        f"/api/v1/skills/bodies/{body['id']}", {"is_active": False}, content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert AuditEvent.objects.filter(object_type="skills.evaluationbody", object_id=body["id"]).count() == 3
    duplicate = client.post(
        "/api/v1/skills/bodies",
        {
            "name": "另一家",
            "uscc": uscc,
            "registration_number": "Y1",
            "registered_on": "2022-01-01",
            "district": "500103",
        },
        content_type="application/json",
    )
    assert duplicate.status_code == 422 and "uscc" in {e["field"] for e in duplicate.json()["errors"]}
    # Every staff role reads the register; only the city keeps it.
    official = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    client.force_login(official)
    assert body["id"] in {b["id"] for b in client.get("/api/v1/skills/bodies").json()["items"]}
    assert (
        client.patch(
            f"/api/v1/skills/bodies/{body['id']}", {"is_active": True}, content_type="application/json"
        ).status_code
        == 404
    )


def test_the_bodies_list_costs_the_same_queries_for_more_bodies(client, city, django_assert_max_num_queries):
    from tests import factories_training as ft

    for _ in range(4):
        ft.evaluation_body()
    client.force_login(city)
    with django_assert_max_num_queries(8):
        items = client.get("/api/v1/skills/bodies").json()["items"]
    assert len(items) == 4 and all(item["ranges"] for item in items)


def test_api_records_a_title_for_a_worker_in_scope(client, city, home):
    worker = factories.worker(at=home, actor=city)
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    client.force_login(admin)
    url = f"/api/v1/workers/{worker.pk}/titles"
    created = client.post(
        url,
        {
            "grade": "中级",
            "name": "养老照护师（中级）",
            "awarded_on": "2024-09-01",
            "awarded_by": "重庆市人力社保局",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["grade"] == "intermediate"
    assert ProfessionalTitle.objects.get(worker=worker).name == "养老照护师（中级）"  # kept as typed
    titles = client.get(f"/api/v1/workers/{worker.pk}/skills").json()["titles"]
    assert [t["grade"] for t in titles] == ["intermediate"]
    bad = client.post(url, {"grade": "特级", "awarded_on": "2999-01-01"}, content_type="application/json")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} >= {"grade", "name", "awarded_on", "awarded_by"}
