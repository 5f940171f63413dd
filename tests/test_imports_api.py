"""/api/v1/imports."""

from __future__ import annotations

import pytest

from careforce.core.models import Role
from careforce.registry.models import Worker
from tests import factories
from tests.factories_imports import FIXTURES, fixture_institutions

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(city):
    return fixture_institutions(city)


def _upload(client, name: str):
    with open(FIXTURES / name, "rb") as handle:
        return client.post("/api/v1/imports", {"file": handle, "sheet": "workers"})


def test_it_uploads_checks_lists_rows_and_commits(client, city, places):
    client.force_login(city)
    response = _upload(client, "roster_gbk.csv")
    assert response.status_code == 201, response.content
    job = response.json()
    assert (job["status"], job["rows_new"], job["can_commit"]) == ("validated", 2, True)
    assert client.get(f"/api/v1/imports/{job['id']}").json()["rows_total"] == 2
    response = client.post(f"/api/v1/imports/{job['id']}/commit")
    assert response.status_code == 202 and response.json()["status"] == "committed"
    assert Worker.objects.count() == 2


def test_rows_with_errors_are_listed_by_column(client, city, places):
    client.force_login(city)
    job = _upload(client, "with_error.csv").json()
    page = client.get(f"/api/v1/imports/{job['id']}/rows?status=error").json()
    assert [item["number"] for item in page["items"]] == [3]
    assert list(page["items"][0]["errors"]) == ["身份证号码"]
    refused = client.post(f"/api/v1/imports/{job['id']}/commit")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "job"


def test_a_bad_file_is_a_422_on_the_file_field(client, city):
    client.force_login(city)
    response = _upload(client, "zip_bomb.xlsx")
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "file"


def test_read_only_roles_get_404(client, places):
    client.force_login(factories.user(Role.AUDITOR))
    assert _upload(client, "roster_gbk.csv").status_code == 404
