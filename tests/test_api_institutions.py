"""/api/v1/institutions: list, filters, pagination, detail, create, update, scope."""

from __future__ import annotations

import json
import random

import pytest

from careforce.core.models import AuditEvent, Role
from careforce.core.synthetic import credit_code
from careforce.institutions.models import Institution
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"
_rng = random.Random(7)


def send(client, method: str, url: str, body=None, **headers):
    return getattr(client, method)(
        API + url, json.dumps(body) if body is not None else "", content_type="application/json", **headers
    )


def fields_of(response) -> set[str | None]:
    return {error["field"] for error in response.json()["errors"]}


def new_body(**fields) -> dict:
    return {
        "uscc": credit_code(_rng, region="500105"),
        "name": "江北区康乐养老中心",
        "district": factories.district("500105").pk,
        "kind": "institution",
        "ownership": "public_built_private_run",
        "beds": "120",
        "star_grade": 3,
        **fields,
    }


@pytest.fixture
def api(client, city):
    client.force_login(city)
    return client


def test_it_lists_and_filters_institutions(api, city, home):
    community = factories.institution(
        actor=city,
        district_code="500105",
        kind="community",
        ownership="public",
        name="江北区观音桥社区服务中心",
    )

    def ids(query: str = "") -> set[int]:
        response = api.get(f"{API}/institutions?{query}")
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids() >= {home.pk, community.pk}
    assert ids(f"district={community.district_id}") == {community.pk}
    assert community.pk in ids("kind=community") and home.pk not in ids("kind=community")
    assert community.pk in ids("ownership=public") and home.pk not in ids("ownership=public")
    assert ids("q=观音桥") == {community.pk}
    assert ids(f"q={home.uscc}") == {home.pk}
    item = next(i for i in api.get(f"{API}/institutions?q=观音桥").json()["items"])
    assert item["district"] == {"id": community.district_id, "code": "500105", "name": "江北区"}
    assert item["kind"] == "community" and item["residents"] == 0


def test_it_pages_by_cursor_and_stays_stable(api, city):
    made = [factories.institution(actor=city, district_code="500110").pk for _ in range(5)]
    district = factories.district("500110").pk
    first = api.get(f"{API}/institutions?district={district}&limit=3").json()
    assert [i["id"] for i in first["items"]] == sorted(made, reverse=True)[:3]
    factories.institution(actor=city, district_code="500110")
    second = api.get(f"{API}/institutions?district={district}&limit=3&cursor={first['next_cursor']}").json()
    assert [i["id"] for i in second["items"]] == sorted(made, reverse=True)[3:]
    assert second["next_cursor"] is None


def test_the_list_does_not_grow_queries_with_rows(api, city, django_assert_num_queries):
    for _ in range(2):
        factories.institution(actor=city, district_code="500111")
    district = factories.district("500111").pk
    api.get(f"{API}/institutions?district={district}")
    # session, user, the page with districts joined (the permissions and the verified device are known from an earlier request: core/account_cache.py)
    with django_assert_num_queries(3):
        assert len(api.get(f"{API}/institutions?district={district}").json()["items"]) == 2
    for _ in range(8):
        factories.institution(actor=city, district_code="500111")
    with django_assert_num_queries(3):
        assert len(api.get(f"{API}/institutions?district={district}").json()["items"]) == 10


def test_it_shows_one_institution(api, home):
    response = api.get(f"{API}/institutions/{home.pk}")
    assert response.status_code == 200
    assert response.json()["uscc"] == home.uscc and response.json()["name"] == "渝中区幸福养老院"
    assert api.get(f"{API}/institutions/999999999").status_code == 404


def test_it_creates_an_institution_with_audit(api):
    response = send(api, "post", "/institutions", new_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["beds"] == 120 and data["star_grade"] == 3 and data["district"]["code"] == "500105"
    assert AuditEvent.objects.filter(
        object_type="institutions.institution", object_id=data["id"], action="create"
    ).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"uscc": "91500000MA5U7Q1234"}, "uscc"),  # check character wrong
        ({"uscc": "123"}, "uscc"),
        ({"kind": "hotel"}, "kind"),
        ({"district": 999999}, "district"),
        ({"star_grade": 9}, "star_grade"),
        ({"beds": "many"}, "beds"),
        ({"name": "  "}, "name"),
        ({"name": None}, "name"),
        ({"beds": {"n": 1}}, "beds"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_answers_422_naming_the_field(api, change, field):
    response = send(api, "post", "/institutions", new_body(**change))
    assert response.status_code == 422, response.content
    assert field in fields_of(response)
    assert not Institution.objects.exists()


def test_a_duplicate_credit_code_is_refused(api, home):
    response = send(api, "post", "/institutions", new_body(uscc=home.uscc.lower()))
    assert response.status_code == 422 and fields_of(response) == {"uscc"}


def test_it_updates_only_the_fields_sent(api, home):
    response = send(api, "patch", f"/institutions/{home.pk}", {"beds": 150, "contact_name": "王主任"})
    assert response.status_code == 200, response.content
    home.refresh_from_db()
    assert (home.beds, home.contact_name, home.name) == (150, "王主任", "渝中区幸福养老院")
    event = AuditEvent.objects.get(object_type="institutions.institution", object_id=home.pk, action="update")
    assert event.changes["beds"] == [100, 150]
    assert fields_of(send(api, "patch", f"/institutions/{home.pk}", {"uscc": "bad"})) == {"uscc"}


def test_scope_district_and_institution_admins(client, city, home):
    other = factories.institution(actor=city, district_code="500105")
    district_admin = factories.user(Role.DISTRICT_ADMIN, district=home.district)
    client.force_login(district_admin)
    listed = {i["id"] for i in client.get(f"{API}/institutions?limit=500").json()["items"]}
    assert home.pk in listed and other.pk not in listed
    assert client.get(f"{API}/institutions/{other.pk}").status_code == 404
    assert send(client, "patch", f"/institutions/{other.pk}", {"beds": 1}).status_code == 404
    elsewhere = send(client, "post", "/institutions", new_body())  # a 江北区 district id
    assert elsewhere.status_code == 422 and fields_of(elsewhere) == {"district"}
    own = send(client, "post", "/institutions", new_body(district=home.district_id))
    assert own.status_code == 201

    client.force_login(factories.user(Role.INSTITUTION_ADMIN, institution=home))
    assert [i["id"] for i in client.get(f"{API}/institutions").json()["items"]] == [home.pk]
    assert client.get(f"{API}/institutions/{other.pk}").status_code == 404
    assert send(client, "patch", f"/institutions/{home.pk}", {"beds": 90}).status_code == 200
    refused = send(client, "post", "/institutions", new_body(district=home.district_id))
    assert refused.status_code == 422 and fields_of(refused) == {None}
    other.refresh_from_db()
    assert other.beds == 100


def test_auditors_and_workers_read_but_cannot_write(client, city, home):
    worker = factories.worker(at=home, actor=city)
    for user in (
        factories.user(Role.AUDITOR),
        factories.user(Role.AUDITOR, district=home.district),
    ):
        client.force_login(user)
        assert client.get(f"{API}/institutions/{home.pk}").status_code == 200
        assert send(client, "post", "/institutions", new_body(district=home.district_id)).status_code == 404
        assert send(client, "patch", f"/institutions/{home.pk}", {"beds": 1}).status_code == 404
    client.force_login(factories.user(Role.WORKER, worker=worker))
    assert client.get(f"{API}/institutions").json()["items"] == []
    assert client.get(f"{API}/institutions/{home.pk}").status_code == 404
    assert send(client, "patch", f"/institutions/{home.pk}", {"beds": 1}).status_code == 404
    home.refresh_from_db()
    assert home.beds == 100 and Institution.objects.count() == 1


def test_an_auditor_of_another_district_gets_404(client, city, home):
    client.force_login(factories.user(Role.AUDITOR, district=factories.district("500105")))
    assert client.get(f"{API}/institutions/{home.pk}").status_code == 404
    assert home.pk not in {i["id"] for i in client.get(f"{API}/institutions").json()["items"]}
