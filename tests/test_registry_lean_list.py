"""The worker list API builds its rows from column values (no model instances): every row must be exactly
what the declared schema (WorkerPage / WorkerOut) makes of the Worker, masking and gender rule included."""

from __future__ import annotations

import datetime
import json
from unittest import mock

import pytest
from django.test import RequestFactory

from careforce.core.models import Role
from careforce.registry.models import Gender, Team, Worker
from careforce.registry.schemas import WorkerOut
from careforce.registry.verification import worker_verify
from tests import factories

pytestmark = pytest.mark.django_db


def schema_item(worker: Worker, user) -> dict:
    request = RequestFactory().get("/")
    request.auth = user
    return WorkerOut.model_validate(worker, context={"request": request}).model_dump(mode="json")


@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.AUDITOR])
def test_each_row_equals_the_schemas_serialisation_of_the_worker(client, city, home, role):
    viewer = city if role == Role.CITY_ADMIN else factories.user(role)
    with_post = factories.worker(at=home, actor=city)
    worker_verify(actor=city, worker=with_post, status="institution_confirmed")
    # A record filed under a district only: no institution, and no phone.
    client.force_login(city)
    body = {
        "name": "王五",
        "id_number": factories.new_id_number(),
        "education": "高中",
        "hukou_type": "rural",
        "source_channel": "rural_migrant",
        "team": "care",
        "occupation": "care_worker",
        "district": "500106",
    }
    created = client.post("/api/v1/workers", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    without = Worker.objects.get(pk=created.json()["id"])
    client.force_login(viewer)
    # No Worker is made from a row on the way (Django builds every fetched instance through from_db).
    with mock.patch.object(Worker, "from_db", side_effect=AssertionError("a Worker instance was built")):
        response = client.get("/api/v1/workers?limit=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    page = response.json()
    assert page["next_cursor"]
    rest = client.get(f"/api/v1/workers?limit=1&cursor={page['next_cursor']}").json()
    assert rest["next_cursor"] is None
    got = {item["id"]: item for item in page["items"] + rest["items"]}
    for worker in (with_post, without):
        worker = Worker.objects.select_related("district", "institution", "occupation").get(pk=worker.pk)
        assert got[worker.pk] == schema_item(worker, viewer)
    assert got[with_post.pk]["verified_at"] is not None
    assert got[without.pk]["institution"] is None
    shows_gender = role == Role.CITY_ADMIN
    assert (got[with_post.pk]["gender"] is not None) is shows_gender
    assert "birth_date" not in got[with_post.pk]
    assert got[with_post.pk]["created_at"].endswith("+08:00")
    assert isinstance(datetime.datetime.fromisoformat(got[with_post.pk]["updated_at"]), datetime.datetime)


@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.AUDITOR])
def test_the_html_list_rows_come_from_column_values_with_labels_links_and_masking(client, city, home, role):
    from django.urls import reverse
    from django.utils import translation

    viewer = city if role == Role.CITY_ADMIN else factories.user(role)
    worker = factories.worker(at=home, actor=city, name="赵六")
    client.force_login(viewer)
    with mock.patch.object(Worker, "from_db", side_effect=AssertionError("a Worker instance was built")):
        body = client.get(reverse("registry:worker_list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    detail = reverse("registry:worker_detail", args=[worker.pk])
    assert f'<a href="{detail}">赵六</a>' in body
    assert worker.id_number_masked in body
    assert home.name in body and home.district.name in body
    with translation.override("zh-hans"):
        assert str(dict(Team.choices)["care"]) in body
        gender = str(dict(Gender.choices)[worker.gender])
    assert (f"<td>{gender}</td>" in body) is (role == Role.CITY_ADMIN)


def schema_detail(worker: Worker, user) -> dict:
    from django.utils import timezone

    from careforce.registry.schemas import WorkerDetailOut
    from careforce.registry.tenure import years_of_service

    worker = Worker.objects.select_related("district", "institution", "occupation").get(pk=worker.pk)
    history = list(
        worker.employments.select_related("institution", "institution__district").order_by(
            "-start_date", "-id"
        )
    )
    worker.history = history
    worker.years_of_service = years_of_service(
        [(e.start_date, e.end_date) for e in history], today=timezone.localdate()
    )
    request = RequestFactory().get("/")
    request.auth = user
    return WorkerDetailOut.model_validate(worker, context={"request": request}).model_dump(mode="json")


@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.AUDITOR])
def test_the_detail_equals_the_schemas_serialisation_with_history_and_masking(client, city, home, role):
    from careforce.registry.models import Employment
    from careforce.registry.services import worker_transfer
    from careforce.registry.verification import employment_verify

    viewer = city if role == Role.CITY_ADMIN else factories.user(role)
    worker = factories.worker(at=home, actor=city, start=datetime.date(2019, 5, 2))
    other = factories.institution(district_code="500106", actor=city)
    worker_transfer(
        actor=city, worker=worker, data={"institution": other.pk, "post": "主管", "start_date": "2022-01-10"}
    )
    employment_verify(
        actor=city, employment=worker.employments.order_by("id").first(), status="institution_confirmed"
    )
    worker_verify(actor=city, worker=worker, status="institution_confirmed")
    client.force_login(viewer)
    with (
        mock.patch.object(Worker, "from_db", side_effect=AssertionError("a Worker instance was built")),
        mock.patch.object(Employment, "from_db", side_effect=AssertionError("an Employment was built")),
    ):
        response = client.get(f"/api/v1/workers/{worker.pk}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    got = response.json()
    assert got == schema_detail(worker, viewer)
    assert [e["is_current"] for e in got["employments"]] == [True, False]
    assert got["employments"][1]["verified_at"].endswith("+08:00")
    assert got["years_of_service"] > 0
    assert (got["gender"] is not None) is (role == Role.CITY_ADMIN)
    assert "birth_date" not in got and "id_number" not in got


def test_the_detail_of_a_worker_outside_the_area_answers_like_a_missing_one(client, city, home):
    worker = factories.worker(at=home, actor=city)
    elsewhere = factories.user(
        Role.DISTRICT_ADMIN, district=factories.institution(district_code="500106").district
    )
    client.force_login(elsewhere)
    outside = client.get(f"/api/v1/workers/{worker.pk}")
    missing = client.get(f"/api/v1/workers/{worker.pk + 1000}")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
