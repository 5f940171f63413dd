"""Officials' findings on the forms: every field's error at once with the input kept, a date that does not
exist named as such, and the browser's length limits the same as the database's."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from careforce.core.models import District, Role
from careforce.registry.dates import date_error
from careforce.registry.models import Worker
from careforce.training.models import Course
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(db):
    return factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))


def _input(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    return match.group(0)


def test_a_day_that_does_not_exist_is_not_called_a_wrong_format():
    with translation.override("en"):
        assert "does not exist" in date_error("2024-02-30")
        assert "no month 13" in date_error("2024/13/01")
        assert "write it like 2024-05-01" in date_error("明天")


def test_bad_hours_and_a_bad_date_are_reported_together_and_the_typed_date_is_kept(client, official):
    client.force_login(official)
    response = client.post(
        reverse("training:session_create"),
        {
            "title": "渝中区在岗轮训",
            "kind": "in_service",
            "tier": "district",
            "hours": "很多",
            "start_date": "2024-02-30",
            "end_date": "2024/3/1",
            "venue": "区民政局",
            "capacity": "30",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    form = response.context["form"]
    assert set(form.errors) >= {"hours", "start_date"}, form.errors
    assert "不存在" in " ".join(form.errors["start_date"])
    start = _input(page, "start_date")
    assert 'value="2024-02-30"' in start and 'type="text"' in start
    assert 'value="2024/3/1"' in _input(page, "end_date")
    assert not Course.objects.exists()


def test_a_valid_date_keeps_the_date_picker(client, official):
    client.force_login(official)
    response = client.post(reverse("training:session_create"), {"start_date": "2024-03-01"})
    assert 'type="date"' in _input(response.content.decode(), "start_date")


def test_the_name_box_stops_where_the_database_does(client, city):
    client.force_login(city)
    page = client.get(reverse("registry:worker_create")).content.decode()
    limit = Worker._meta.get_field("name").max_length
    assert f'maxlength="{limit}"' in _input(page, "name")
