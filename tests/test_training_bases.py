"""Training bases (培训基地 / 实习实训基地): kept by the city and by each district for its own, on pages and in the
API, every change audited."""

import pytest
from django.urls import reverse

from careforce.core.models import AuditEvent, District, Role
from careforce.training import services
from tests import factories

pytestmark = pytest.mark.django_db

DATA = {
    "name": "渝中区养老护理培训基地",
    "kind": "training",
    "host": "重庆城市管理职业学院",
    "district": "500103",
    "accredited_on": "2024-03-01",
    "capacity": 300,
}


@pytest.fixture
def official(db):
    return factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))


def test_api_registers_lists_and_changes_bases(client, city, official):
    client.force_login(city)
    created = client.post("/api/v1/training/bases", DATA, content_type="application/json")
    assert created.status_code == 201, created.content
    base_id = created.json()["id"]
    assert created.json()["district"]["code"] == "500103"
    jiangbei = client.post(
        "/api/v1/training/bases",
        {**DATA, "name": "江北区实训基地", "kind": "practical", "district": "500105"},
        content_type="application/json",
    ).json()["id"]
    client.force_login(official)
    ids = {b["id"] for b in client.get("/api/v1/training/bases").json()["items"]}
    assert ids == {base_id}
    changed = client.patch(
        f"/api/v1/training/bases/{base_id}",
        {"capacity": 350, "is_active": False},
        content_type="application/json",
    )
    assert changed.status_code == 200 and (changed.json()["capacity"], changed.json()["is_active"]) == (
        350,
        False,
    )
    event = AuditEvent.objects.filter(object_type="training.trainingbase", action="update").latest("id")
    assert event.changes["capacity"] == [300, 350] and event.changes["is_active"] == [True, False]
    bad = client.patch(
        f"/api/v1/training/bases/{base_id}", {"capacity": 0, "kind": "x"}, content_type="application/json"
    )
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"capacity", "kind"}
    moved = client.patch(
        f"/api/v1/training/bases/{base_id}", {"district": "500105"}, content_type="application/json"
    )
    assert moved.status_code == 422 and moved.json()["errors"][0]["field"] == "district"
    assert (
        client.patch(
            f"/api/v1/training/bases/{jiangbei}", {"capacity": 1}, content_type="application/json"
        ).status_code
        == 404
    )


def test_the_base_page_changes_a_base_for_its_keepers_only(client, city, home, official):
    base = services.training_base_register(actor=city, data=DATA)
    client.force_login(official)
    detail = client.get(reverse("training:base_detail", args=[base.pk])).content.decode()
    edit_url = reverse("training:base_edit", args=[base.pk])
    assert edit_url in detail
    form = client.get(edit_url).content.decode()
    assert 'value="渝中区养老护理培训基地"' in form and 'value="2024-03-01"' in form
    posted = {**DATA, "district": str(base.district_id), "capacity": "abc", "address": "渝中区大坪"}
    bad = client.post(edit_url, posted)
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()
    response = client.post(edit_url, {**posted, "capacity": "320", "is_active": "on"})
    assert response.status_code == 302
    base.refresh_from_db()
    assert (base.capacity, base.address, base.is_active) == (320, "渝中区大坪", True)
    client.post(edit_url, {**posted, "capacity": "320"})  # the box unticked: no longer active
    base.refresh_from_db()
    assert base.is_active is False
    client.force_login(factories.user(Role.INSTITUTION_ADMIN, institution=home))
    assert edit_url not in client.get(reverse("training:base_detail", args=[base.pk])).content.decode()
    assert client.get(edit_url).status_code == 404
