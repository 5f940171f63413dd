"""Training, skills and pools pages and API: render per role, write through the services, few queries."""

import datetime

import pytest
from django.urls import reverse

from careforce.core.models import District, Role
from careforce.training.models import Enrolment
from tests import factories
from tests import factories_training as ft
from tests.pages import assert_served_from_here

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(db):
    return factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))


def test_overview_pages_render_for_staff(client, city, home, official):
    ft.completion(factories.worker(at=home, actor=city))
    for user in (city, official):
        client.force_login(user)
        for name in (
            "training:overview",
            "training:session_list",
            "training:heads",
            "training:base_list",
            "skills:overview",
            "skills:body_list",
            "pools:member_list",
            "pools:draw_list",
            "training:session_create",
            "pools:member_create",
            "pools:draw_create",
        ):
            assert client.get(reverse(name)).status_code == 200, name


def test_a_district_official_schedules_enrols_and_completes_through_the_pages(client, city, home, official):
    workers = [factories.worker(at=home, actor=city) for _ in range(2)]
    client.force_login(official)
    day = datetime.date.today().isoformat()
    response = client.post(
        reverse("training:session_create"),
        {
            "title": "渝中区在岗轮训",
            "kind": "in_service",
            "tier": "district",
            "hours": "8",
            "start_date": day,
            "end_date": day,
            "venue": "区民政局",
            "capacity": "30",
            "modules": ["law", "ethics"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    session_url = response["Location"]
    pk = int(session_url.rstrip("/").split("/")[-1])
    client.post(reverse("training:session_enrol", args=[pk]), {"institution": str(home.pk)})
    assert Enrolment.objects.filter(session_id=pk).count() == 2
    client.post(
        reverse("training:session_complete", args=[pk]),
        {"worker": [str(w.pk) for w in workers], "completed_on": day, "exam_passed": "true"},
    )
    assert Enrolment.objects.filter(session_id=pk, status="completed").count() == 2
    page = client.get(reverse("registry:worker_detail", args=[workers[0].pk])).content.decode()
    assert "渝中区在岗轮训" in page


def test_the_session_page_has_no_n_plus_one(client, city, home, django_assert_max_num_queries):
    session = ft.session()
    for _ in range(5):
        ft.completion(factories.worker(at=home, actor=city), session=session)
    client.force_login(city)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("training:session_detail", args=[session.pk])).status_code == 200


def test_public_verification_page_and_api_work_without_login(client, city, home):
    worker = factories.worker(at=home, actor=city, name="张三丰")
    cert = ft.certificate(worker)
    page = client.get(reverse("skills:verify"), {"number": cert.number, "name": "张三丰"}).content.decode()
    assert "张*丰" in page and "初级工" in page and "张三丰" not in page.split("verify-result")[1]
    assert worker.id_number_masked not in page
    api = client.get("/api/v1/skills/certificates/verify", {"number": cert.number, "name": "张三丰"})
    assert api.status_code == 200
    assert set(api.json()) == {
        "number",
        "holder_masked",
        "level",
        "occupation",
        "issuer",
        "issued_on",
        "status",
        "status_label",
        "valid_until",
        "status_since",
    }
    assert (
        client.get("/api/v1/skills/certificates/verify", {"number": cert.number, "name": "李四"}).status_code
        == 404
    )


def test_verification_is_rate_limited(client, settings):
    settings.CAREFORCE_VERIFY_RATE = (1, 60)
    client.get("/api/v1/skills/certificates/verify", {"number": "X", "name": "Y"}, REMOTE_ADDR="10.1.1.1")
    assert (
        client.get(
            "/api/v1/skills/certificates/verify", {"number": "X", "name": "Y"}, REMOTE_ADDR="10.1.1.1"
        ).status_code
        == 429
    )
    assert (
        client.get(reverse("skills:verify"), {"number": "X", "name": "Y"}, REMOTE_ADDR="10.1.1.1").status_code
        == 429
    )


def test_the_printable_certificate_has_a_qr_code_to_verification(client, city, home):
    cert = ft.certificate(factories.worker(at=home, actor=city))
    client.force_login(city)
    page = client.get(reverse("skills:certificate_print", args=[cert.pk])).content.decode()
    assert "<svg" in page
    assert_served_from_here(page)


def test_api_schedules_enrols_completes_and_reports(client, city, home):
    worker = factories.worker(at=home, actor=city)
    client.force_login(city)
    created = client.post(
        "/api/v1/training/sessions",
        {
            "title": "市级岗前培训",
            "kind": "pre_job",
            "tier": "city",
            "hours": "12",
            "modules": ["law"],
            "start_date": "2025-04-01",
            "end_date": "2025-04-02",
            "venue": "市社会福利院",
            "capacity": 20,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    assert client.post(
        f"/api/v1/training/sessions/{sid}/enrolments",
        {"workers": [worker.pk]},
        content_type="application/json",
    ).json() == {"count": 1, "not_found": []}
    done = client.post(
        f"/api/v1/training/sessions/{sid}/completions",
        {"workers": [worker.pk], "completed_on": "2025-04-02", "exam_score": "90"},
        content_type="application/json",
    )
    assert done.json() == {"count": 1}
    figures = client.get("/api/v1/training/person-times?year=2025").json()
    assert figures["total"] == 1 and figures["target"] == "20000"
    assert client.get(f"/api/v1/workers/{worker.pk}/training").json()[0]["status"] == "completed"
    bad = client.post(
        "/api/v1/training/sessions", {"title": "", "kind": "x"}, content_type="application/json"
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} >= {"title", "kind"}


def test_api_certification_rates_and_worker_skills(client, city, home):
    worker = factories.worker(at=home, actor=city)
    ft.certificate(worker)
    client.force_login(city)
    rates = client.get("/api/v1/skills/certification-rates").json()
    row = next(r for r in rates["rows"] if r["id"] == home.district_id)
    assert (row["certified"], row["care_workers"], row["rate"]) == (1, 1, 100.0)
    assert "care_worker" in rates["rule"]
    skills = client.get(f"/api/v1/workers/{worker.pk}/skills").json()
    assert skills["level"]["code"] == "junior"


def test_api_pools_draw(client, city):
    client.force_login(city)
    for n in range(3):
        assert (
            client.post(
                "/api/v1/pools/members",
                {
                    "pool": "competition_judge",
                    "name": f"裁判{n}",
                    "district": "500103",
                    "qualifications": "国家级裁判",
                },
                content_type="application/json",
            ).status_code
            == 201
        )
    draw = client.post(
        "/api/v1/pools/draws",
        {
            "pool": "competition_judge",
            "task_kind": "competition",
            "task_title": "技能大赛",
            "count": 2,
        },
        content_type="application/json",
    )
    assert draw.status_code == 201 and draw.json()["replay_matches"] is True
