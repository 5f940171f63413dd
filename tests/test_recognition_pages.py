"""Recognition pages and API: the competition flow by form and by API, the worker's record showing the prize,
the household-registration list masked, the full list only with a reason (logged)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from careforce.core.models import PiiAccess, Role
from careforce.pools import services as pools
from careforce.recognition import services
from careforce.recognition.models import Entrant
from tests import factories, factories_training

pytestmark = pytest.mark.django_db


@pytest.fixture
def judges(city):
    for n in range(3):
        pools.member_join(
            actor=city,
            data={
                "pool": "competition_judge",
                "name": f"裁判{n}",
                "district": "500103",
                "qualifications": "裁判员",
            },
        )


def test_a_competition_runs_through_the_pages_and_the_winner_shows_the_prize(client, city, home, judges):
    client.force_login(city)
    winner = factories.worker(at=home, actor=city, name="钱冠军")
    response = client.post(
        reverse("recognition:competition_create"),
        {"title": "护理技能比武", "level": "city", "held_on": "2026-05-01"},
    )
    assert response.status_code == 302
    detail = response["Location"]
    pk = int(detail.rstrip("/").split("/")[-1])
    # A record number is not a way to name a person: it finds nobody.
    bad = client.post(reverse("recognition:competition_enter", args=[pk]), {"worker": str(winner.pk)})
    assert "没有可选人员" in bad.content.decode() and not Entrant.objects.exists()
    # Without JavaScript the typed name names the one person.
    client.post(reverse("recognition:competition_enter", args=[pk]), {"worker": "钱冠军"})
    client.post(reverse("recognition:competition_draw", args=[pk]), {"count": "2"})
    entrant = Entrant.objects.get(worker=winner)
    client.post(reverse("recognition:competition_scores", args=[pk]), {f"score_{entrant.pk}": "96"})
    client.post(reverse("recognition:competition_publish", args=[pk]))
    page = client.get(detail).content.decode()
    assert "一等奖" in page
    record = client.get(reverse("registry:worker_detail", args=[winner.pk])).content.decode()
    assert "护理技能比武" in record and "一等奖" in record


def test_the_pages_list_and_render(client, city, home):
    client.force_login(city)
    worker = factories.worker(at=home, actor=city)
    services.award_grant(actor=city, data={"kind": "最美护理员", "worker": worker.pk, "year": 2026})
    services.studio_create(
        actor=city, data={"name": "刘大师工作室", "leader": worker.pk, "founded_on": "2025-01-01"}
    )
    for name in ("home", "award_list", "award_create", "competition_list", "competition_create", "studio_list",
                 "studio_create", "settlement_list"):  # fmt: skip
        assert client.get(reverse(f"recognition:{name}")).status_code == 200, name
    assert "刘大师工作室" in client.get(reverse("recognition:studio_list")).content.decode()
    home_page = client.get(reverse("recognition:home") + "?year=2026").content.decode()
    assert 'id="recognition-figures"' in home_page


def test_institution_administrators_and_workers_have_no_recognition_pages(client, city, home):
    client.force_login(factories.user(Role.INSTITUTION_ADMIN, institution=home))
    assert client.get(reverse("recognition:home")).status_code == 404
    assert client.get(reverse("recognition:settlement_export")).status_code == 404


def test_the_settlement_list_downloads_masked_and_full_only_with_a_reason(client, city, home):
    client.force_login(city)
    worker = factories.worker(at=home, actor=city)
    factories_training.certificate(worker, level="technician", actor=city)
    response = client.post(reverse("recognition:settlement_list"), {"worker": worker.name})
    assert response.status_code == 302
    number = worker.reveal_id_number()

    def cells(response):
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        return [str(c.value) for row in sheet.iter_rows() for c in row]

    assert number not in cells(client.get(reverse("recognition:settlement_export")))
    refused = client.post(reverse("recognition:settlement_export"), {"reason": ""})
    assert refused.status_code == 302 and not PiiAccess.objects.exists()
    full = client.post(reverse("recognition:settlement_export"), {"reason": "公安局户籍办理"})
    assert number in cells(full) and PiiAccess.objects.filter(worker=worker).exists()
    auditor = factories.user(Role.AUDITOR)
    client.force_login(auditor)
    assert client.post(reverse("recognition:settlement_export"), {"reason": "看看"}).status_code == 404


def test_the_api_runs_a_competition_and_answers_bad_input_by_field(client, city, home, judges):
    client.force_login(city)
    worker = factories.worker(at=home, actor=city)
    bad = client.post("/api/v1/recognition/competitions", {"title": ""}, content_type="application/json")
    assert bad.status_code in (400, 422)
    created = client.post(
        "/api/v1/recognition/competitions",
        {"title": "API大赛", "level": "city", "held_on": "2026-05-01"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    cid = created.json()["id"]
    base = f"/api/v1/recognition/competitions/{cid}"
    assert (
        client.post(f"{base}/entrants", {"worker": worker.pk}, content_type="application/json").status_code
        == 200
    )
    drawn = client.post(f"{base}/draw", {"count": 1}, content_type="application/json").json()
    assert len(drawn["judges"]) == 1
    eid = drawn["entrants"][0]["id"]
    client.post(f"{base}/scores", {"scores": {str(eid): 88}}, content_type="application/json")
    published = client.post(f"{base}/publish", content_type="application/json").json()
    assert published["entrants"][0]["prize"] == "一等奖" and published["status"] == "published"
    figures = client.get("/api/v1/recognition/figures?year=2026").json()
    assert next(r for r in figures if r["district_code"] == "500103")["prizes"] == 1
    award = client.post(
        "/api/v1/recognition/awards",
        {"kind": "最美护理员", "worker": worker.pk, "year": 2026},
        content_type="application/json",
    )
    assert award.status_code == 201 and award.json()["kind"] == "最美护理员"
