"""/api/v1/workers, /employments, /occupations: lists, filters, pagination, detail, writes, scope, masking."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careforce.core.models import AuditEvent, District, PiiAccess, Role
from careforce.registry.models import Employment, Worker
from careforce.registry.services import worker_transfer
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"


def send(client, method: str, url: str, body=None, **headers):
    return getattr(client, method)(
        API + url, json.dumps(body) if body is not None else "", content_type="application/json", **headers
    )


def fields_of(response) -> set[str]:
    return {error["field"] for error in response.json()["errors"]}


def walk(client, url: str, limit: int) -> list[int]:
    ids, cursor = [], None
    while True:
        sep = "&" if "?" in url else "?"
        page = client.get(f"{API}{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")).json()
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids


def new_worker_body(institution_id: int | None = None, **fields) -> dict:
    body = {
        "name": "李四",
        "id_number": factories.new_id_number(birth=datetime.date(1980, 5, 17)),
        "phone": "13812345678",
        "education": "高中",
        "hukou_type": "rural",
        "source_channel": "rural_migrant",
        "team": "care",
        "occupation": "care_worker",
        **fields,
    }
    if institution_id is not None:
        body.setdefault(
            "employment", {"institution": institution_id, "post": "护理员", "start_date": "2021-04-01"}
        )
    return body


@pytest.fixture
def api(client, city):
    client.force_login(city)
    return client


# ---------------------------------------------------------------- reference lists


def test_it_lists_all_41_districts(api):
    rows = api.get(f"{API}/districts").json()
    assert len(rows) == District.objects.count() == 41
    assert {"id", "code", "name", "kind"} == set(rows[0])
    assert any(
        row["code"] == "500103" and row["name"] == "渝中区" and row["kind"] == "district" for row in rows
    )


def test_it_lists_occupations(api):
    rows = api.get(f"{API}/occupations").json()
    assert any(row["code"] == "care_worker" and row["team"] == "care" for row in rows)


# ---------------------------------------------------------------- lists, filters, pagination


def test_it_filters_the_list(api, city, home):
    other = factories.institution(actor=city, district_code="500105")
    a = factories.worker(at=home, actor=city, name="张三")
    b = factories.worker(at=other, actor=city, name="王五", team="support", occupation="cook")
    c = factories.worker(at=home, actor=city, name="赵六", source_channel="retired_medical")
    Employment.objects.filter(worker=c)  # c stays current; end a's post to make it inactive
    emp = a.employments.get()
    assert send(api, "post", f"/employments/{emp.pk}/end", {"end_date": "2024-01-31"}).status_code == 200

    def ids(query: str) -> set[int]:
        response = api.get(f"{API}/workers?{query}")
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["items"]}

    assert ids("") >= {a.pk, b.pk, c.pk}
    assert ids(f"district={other.district_id}") == {b.pk}
    assert ids(f"institution={home.pk}") == {a.pk, c.pk}
    assert ids("team=support") >= {b.pk} and a.pk not in ids("team=support")
    assert b.pk in ids(f"occupation={b.occupation_id}") and a.pk not in ids(f"occupation={b.occupation_id}")
    assert ids(f"source_channel=retired_medical&institution={home.pk}") == {c.pk}
    assert ids(f"active=false&institution={home.pk}") == {a.pk}
    assert ids(f"active=true&institution={home.pk}") == {c.pk}


def test_it_searches_by_name_pinyin_initials_id_and_phone(api, city, home):
    worker = factories.worker(at=home, actor=city, name="欧阳娜娜", phone="13900001111")
    factories.worker(at=home, actor=city, name="张三")
    number = worker.reveal_id_number()
    for q in ("欧阳", "ouyang", "oynn", number, number.lower(), "13900001111"):
        found = [item["id"] for item in api.get(f"{API}/workers", {"q": q}).json()["items"]]
        assert worker.pk in found, q
        if q not in ("欧阳", "ouyang", "oynn"):
            assert found == [worker.pk], q
    # not by the last four of the ID number (docs/security.md: they narrow a guess without being a lookup)
    assert api.get(f"{API}/workers", {"q": number[-4:]}).json()["items"] == []


def test_it_pages_by_cursor_and_stays_stable_when_rows_are_inserted(api, city, home):
    created = [factories.worker(at=home, actor=city).pk for _ in range(5)]
    url = f"{API}/workers?institution={home.pk}&limit=2"
    first = api.get(url).json()
    assert [item["id"] for item in first["items"]] == sorted(created, reverse=True)[:2]
    assert first["next_cursor"]

    newcomer = factories.worker(at=home, actor=city).pk  # arrives between pages
    second = api.get(url + f"&cursor={first['next_cursor']}").json()
    assert [item["id"] for item in second["items"]] == sorted(created, reverse=True)[2:4]
    third = api.get(url + f"&cursor={second['next_cursor']}").json()
    assert [item["id"] for item in third["items"]] == sorted(created)[:1]
    assert third["next_cursor"] is None
    assert walk(api, f"/workers?institution={home.pk}", 2) == sorted([*created, newcomer], reverse=True)


def test_it_limits_page_size_and_refuses_bad_paging_input(api, city, home):
    factories.worker(at=home, actor=city)
    assert len(api.get(f"{API}/workers").json()["items"]) == 1
    for query, field in (
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("limit=x", "limit"),
        ("cursor=!!", "cursor"),
    ):
        response = api.get(f"{API}/workers?{query}")
        assert response.status_code == 422, query
        assert fields_of(response) == {field}
    assert api.get(f"{API}/workers?limit=500").status_code == 200
    assert api.get(f"{API}/workers?district=abc").status_code == 422


def test_the_list_costs_the_same_queries_for_3_or_30_workers(api, city, home, django_assert_num_queries):
    other = factories.institution(actor=city, district_code="500106")
    for i in range(3):
        factories.worker(at=home if i % 2 else other, actor=city)
    api.get(f"{API}/workers")
    # session, user, one page (workers with occupation, district and institution joined) (the permissions and the verified device are known from an earlier request: core/account_cache.py)
    with django_assert_num_queries(3):
        assert len(api.get(f"{API}/workers").json()["items"]) == 3
    for i in range(27):
        factories.worker(at=home if i % 2 else other, actor=city)
    with django_assert_num_queries(3):
        assert len(api.get(f"{API}/workers?limit=100").json()["items"]) == 30
    with CaptureQueriesContext(connection) as queries:
        api.get(f"{API}/workers?limit=10")
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


# ---------------------------------------------------------------- detail and masking


def test_the_detail_has_years_of_service_and_history_and_only_masked_personal_data(
    api, city, home, django_assert_num_queries
):
    worker = factories.worker(at=home, actor=city, start=datetime.date(2015, 1, 1), phone="13712345678")
    other = factories.institution(actor=city, district_code="500105")
    worker_transfer(
        actor=city,
        worker=worker,
        data={"institution": other.pk, "post": "护理组长", "start_date": "2020-01-01"},
    )
    number = worker.reveal_id_number()
    # session, user, second-factor device, worker, history, the caller's permissions (2), the access-log row
    with django_assert_num_queries(8):
        response = api.get(f"{API}/workers/{worker.pk}")
    body = response.json()
    assert response.status_code == 200
    assert body["id_number_masked"] == number[:6] + "************"
    assert body["phone_masked"] == "137******78"
    assert body["years_of_service"] > 5
    assert [e["institution"]["id"] for e in body["employments"]] == [other.pk, home.pk]
    assert body["institution"]["id"] == other.pk and body["district"]["code"] == "500105"
    text = response.content.decode()
    for secret in (
        number,
        number[6:14],
        number[-4:],
        "5678",
        "13712345678",
        "encrypted",
        "hash",
        "birth_date",
    ):
        assert secret not in text
    listing = api.get(f"{API}/workers").content.decode()
    assert number not in listing and "13712345678" not in listing and "hash" not in listing


def test_it_answers_404_for_a_missing_worker(api):
    response = api.get(f"{API}/workers/999999999")
    assert response.status_code == 404 and "detail" in response.json()


# ---------------------------------------------------------------- writes


def test_it_registers_a_worker_with_an_employment(api, home):
    body = new_worker_body(home.pk)
    response = send(api, "post", "/workers", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["institution"]["id"] == home.pk and data["is_active"]
    assert data["id_number_masked"] == body["id_number"][:6] + "************"
    assert data["education"] == "senior_high"
    assert body["id_number"] not in response.content.decode()
    worker = Worker.objects.get(pk=data["id"])
    assert worker.reveal_id_number() == body["id_number"]
    assert AuditEvent.objects.filter(worker_id=worker.pk, action="create").count() == 2


def test_it_registers_a_worker_under_a_district_only(api):
    response = send(api, "post", "/workers", new_worker_body(district="500105"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["district"]["code"] == "500105" and data["institution"] is None and not data["is_active"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id_number": "500103198005170013"}, "id_number"),  # wrong check digit
        ({"occupation": "astronaut"}, "occupation"),
        ({"phone": "12345"}, "phone"),
        ({"education": "kindergarten"}, "education"),
        ({"employment_start": "2999-01-01"}, "start_date"),
        ({"employment_start": "not a date"}, "start_date"),
        ({"name": ["a", "list"]}, "name"),
        ({"nickname": "小李"}, "nickname"),
    ],
)
def test_bad_input_answers_422_naming_the_field(api, home, change, field):
    body = new_worker_body(home.pk)
    if "employment_start" in change:
        body["employment"]["start_date"] = change.pop("employment_start")
    body.update(change)
    response = send(api, "post", "/workers", body)
    assert response.status_code == 422, response.content
    assert field in fields_of(response) or f"employment.{field}" in fields_of(response)
    assert all(error["message"] for error in response.json()["errors"])
    assert not Worker.objects.exists()


def test_a_missing_or_malformed_body_is_a_json_error_not_a_500(api):
    assert send(api, "post", "/workers", {}).status_code == 422
    empty = api.post(f"{API}/workers", "", content_type="application/json")
    assert empty.status_code == 422 and empty.json()["errors"]
    broken = api.post(f"{API}/workers", "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["errors"][0]["message"]
    assert api.post(f"{API}/workers", "[1, 2]", content_type="application/json").status_code == 422
    assert send(api, "patch", "/workers/abc", {}).status_code == 422


def test_messages_follow_the_requests_language(api, home):
    body = new_worker_body(home.pk, occupation="astronaut")
    english = send(api, "post", "/workers", body, HTTP_ACCEPT_LANGUAGE="en").json()["errors"]
    default = send(api, "post", "/workers", body).json()["errors"]
    source = "Unknown occupation; choose one from the list of occupations."
    assert {"field": "occupation", "message": source} in english
    with translation.override("zh-hans"):
        chinese = translation.gettext(source)
    assert {"field": "occupation", "message": chinese} in default
    # pydantic-level messages too (Django's own catalogue already has Chinese for this one)
    with translation.override("zh-hans"):
        whole_number = translation.gettext("Enter a whole number.")
    assert whole_number != "Enter a whole number."
    assert api.get(f"{API}/workers?limit=x").json()["errors"][0]["message"] == whole_number
    english = api.get(f"{API}/workers?limit=x", HTTP_ACCEPT_LANGUAGE="en").json()["errors"][0]["message"]
    assert english == "Enter a whole number."


def test_it_updates_a_worker_and_ignores_a_masked_value_sent_back(api, city, home):
    worker = factories.worker(at=home, actor=city, phone="13512345678")
    before = worker.reveal_id_number()
    detail = api.get(f"{API}/workers/{worker.pk}").json()
    response = send(
        api,
        "patch",
        f"/workers/{worker.pk}",
        {"phone": "13687654321", "id_number": detail["id_number_masked"], "education": "college"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["phone_masked"] == "136******21" and response.json()["education"] == "college"
    worker.refresh_from_db()
    assert worker.reveal_phone() == "13687654321" and worker.reveal_id_number() == before
    assert AuditEvent.objects.filter(worker_id=worker.pk, action="update").exists()
    assert fields_of(send(api, "patch", f"/workers/{worker.pk}", {"district": 1})) == {"district"}


def test_a_change_of_gender_or_birth_date_alone_is_checked_not_silently_dropped(api, city, home):
    """Without a new ID number, the gender is checked against the record's; a birth date is refused (it
    follows from the ID number, and checking a guess against the stored one would tell it)."""
    worker = factories.worker(at=home, actor=city)
    wrong_gender = "M" if worker.gender == "F" else "F"
    response = send(api, "patch", f"/workers/{worker.pk}", {"gender": wrong_gender})
    assert response.status_code == 422 and fields_of(response) == {"gender"}
    assert send(api, "patch", f"/workers/{worker.pk}", {"gender": worker.gender}).status_code == 200
    for birth in ("2024-13-01", worker.birth_date.isoformat(), "1970-01-01"):
        response = send(api, "patch", f"/workers/{worker.pk}", {"birth_date": birth})
        assert response.status_code == 422 and fields_of(response) == {"birth_date"}
        assert birth not in response.content.decode() and worker.birth_date.isoformat() not in str(
            response.json()
        )
    assert len({str(send(api, "patch", f"/workers/{worker.pk}", {"birth_date": b}).json()) for b in (
        worker.birth_date.isoformat(), "1970-01-01")}) == 1  # fmt: skip


def test_it_adds_corrects_and_ends_employment_periods(api, city, home):
    worker = factories.worker(at=home, actor=city, start=datetime.date(2022, 1, 1))
    part_time = factories.institution(actor=city, district_code="500103")
    added = send(
        api,
        "post",
        f"/workers/{worker.pk}/employments",
        {"institution": part_time.uscc, "post": "助浴师", "start_date": "2023-03-01", "is_part_time": "是"},
    )
    assert added.status_code == 201, added.content
    emp_id = added.json()["id"]
    assert added.json()["is_part_time"] and added.json()["institution"]["id"] == part_time.pk
    overlap = send(
        api,
        "post",
        f"/workers/{worker.pk}/employments",
        {"institution": part_time.pk, "post": "x", "start_date": "2023-01-01"},
    )
    assert overlap.status_code == 422 and "start_date" in fields_of(overlap)

    patched = send(api, "patch", f"/employments/{emp_id}", {"post": "助浴师（兼职）"})
    assert patched.status_code == 200 and patched.json()["post"] == "助浴师（兼职）"  # as typed
    assert fields_of(send(api, "patch", f"/employments/{emp_id}", {"end_date": "2022-01-01"})) == {"end_date"}

    ended = send(api, "post", f"/employments/{emp_id}/end", {"end_date": "2024-06-30", "reason": "合同到期"})
    assert ended.status_code == 200, ended.content
    assert ended.json()["end_date"] == "2024-06-30" and not ended.json()["is_current"]
    again = send(api, "post", f"/employments/{emp_id}/end", {"end_date": "2024-07-01"})
    assert again.status_code == 422 and fields_of(again) == {"end_date"}
    assert fields_of(send(api, "post", f"/employments/{emp_id}/end", {})) == {"end_date"}

    history = api.get(f"{API}/workers/{worker.pk}/employments").json()
    assert history[0]["id"] == emp_id and len(history) == 2


def test_it_transfers_a_worker_on_the_same_record(api, city, home):
    worker = factories.worker(at=home, actor=city, start=datetime.date(2019, 1, 1))
    other = factories.institution(actor=city, district_code="500105")
    response = send(
        api,
        "post",
        f"/workers/{worker.pk}/transfer",
        {
            "institution": other.pk,
            "post": "护理组长",
            "start_date": "2023-07-01",
            "has_labour_contract": True,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["institution"]["id"] == other.pk and body["district"]["code"] == "500105"
    assert [(e["institution"]["id"], e["end_date"]) for e in body["employments"]] == [
        (other.pk, None),
        (home.pk, "2023-06-30"),
    ]
    same = send(
        api,
        "post",
        f"/workers/{worker.pk}/transfer",
        {"institution": other.pk, "post": "x", "start_date": "2024-01-01"},
    )
    assert same.status_code == 422 and fields_of(same) == {"institution"}


# ---------------------------------------------------------------- unmasking


def test_unmask_returns_the_full_value_and_logs_it(api, city, home):
    worker = factories.worker(at=home, actor=city, phone="13912340000")
    response = send(api, "post", f"/workers/{worker.pk}/unmask", {"field": "id_number", "reason": "核对社保"})
    assert response.status_code == 200, response.content
    assert response.json() == {"field": "id_number", "value": worker.reveal_id_number()}
    assert response["Cache-Control"] == "no-store"
    access = PiiAccess.objects.get(worker=worker)
    assert (access.actor, access.field, access.reason, access.channel) == (
        city,
        "id_number",
        "核对社保",
        "api",
    )
    phone = send(api, "post", f"/workers/{worker.pk}/unmask", {"field": "phone", "reason": "回访"})
    assert phone.json()["value"] == "13912340000"
    assert PiiAccess.objects.filter(worker=worker).count() == 2


def test_unmask_needs_a_reason_a_known_field_and_the_permission(client, city, home):
    worker = factories.worker(at=home, actor=city)
    client.force_login(city)
    assert fields_of(
        send(client, "post", f"/workers/{worker.pk}/unmask", {"field": "id_number", "reason": ""})
    ) == {"reason"}
    assert fields_of(
        send(client, "post", f"/workers/{worker.pk}/unmask", {"field": "name", "reason": "核对"})
    ) == {"field"}
    # an institution administrator sees the worker but may not unmask: 404 like a missing record
    client.force_login(factories.user(Role.INSTITUTION_ADMIN, institution=home))
    assert client.get(f"{API}/workers/{worker.pk}").status_code == 200
    denied = send(
        client, "post", f"/workers/{worker.pk}/unmask", {"field": "id_number", "reason": "核对社保"}
    )
    assert denied.status_code == 404
    assert not PiiAccess.objects.exists()


# ---------------------------------------------------------------- scope


def _outsiders(city, home):
    """Accounts that must not see a worker at `home` (渝中区), one per scoped role."""
    elsewhere = factories.institution(actor=city, district_code="500105")
    someone_else = factories.worker(at=elsewhere, actor=city)
    return {
        "district_admin": factories.user(Role.DISTRICT_ADMIN, district=factories.district("500105")),
        "institution_admin": factories.user(Role.INSTITUTION_ADMIN, institution=elsewhere),
        "worker": factories.user(Role.WORKER, worker=someone_else),
        "auditor": factories.user(Role.AUDITOR, district=factories.district("500105")),
    }


def test_out_of_scope_workers_answer_404_on_every_route(client, city, home):
    worker = factories.worker(at=home, actor=city)
    emp = worker.employments.get()
    missing_worker, missing_emp = 10**9, 10**9
    for role, user in _outsiders(city, home).items():
        client.force_login(user)
        listing = client.get(f"{API}/workers?limit=500").json()["items"]
        assert worker.pk not in [item["id"] for item in listing], role
        for wid, eid in ((worker.pk, emp.pk), (missing_worker, missing_emp)):
            calls = [
                ("get", f"/workers/{wid}", None),
                ("get", f"/workers/{wid}/employments", None),
                ("patch", f"/workers/{wid}", {"name": "改名"}),
                (
                    "post",
                    f"/workers/{wid}/transfer",
                    {"institution": home.pk, "post": "x", "start_date": "2024-01-01"},
                ),
                ("post", f"/workers/{wid}/unmask", {"field": "id_number", "reason": "核对社保"}),
                (
                    "post",
                    f"/workers/{wid}/employments",
                    {"institution": home.pk, "post": "x", "start_date": "2024-01-01"},
                ),
                ("patch", f"/employments/{eid}", {"post": "x"}),
                ("post", f"/employments/{eid}/end", {"end_date": "2024-01-01"}),
            ]
            for method, url, body in calls:
                response = client.get(API + url) if method == "get" else send(client, method, url, body)
                assert response.status_code == 404, (role, method, url, response.content)
                assert response.json() == {"detail": response.json()["detail"]}
    worker.refresh_from_db()
    assert worker.name == "张三" and worker.employments.count() == 1
    assert not PiiAccess.objects.exists()


def test_in_scope_roles_see_the_worker_and_a_worker_sees_only_themself(client, city, home):
    worker = factories.worker(at=home, actor=city)
    colleague = factories.worker(at=home, actor=city)
    insiders = [
        factories.user(Role.DISTRICT_ADMIN, district=home.district),
        factories.user(Role.INSTITUTION_ADMIN, institution=home),
        factories.user(Role.AUDITOR, district=home.district),
        factories.user(Role.AUDITOR),
    ]
    for user in insiders:
        client.force_login(user)
        assert client.get(f"{API}/workers/{worker.pk}").status_code == 200, user.role
    client.force_login(factories.user(Role.WORKER, worker=worker))
    assert [item["id"] for item in client.get(f"{API}/workers").json()["items"]] == [worker.pk]
    assert client.get(f"{API}/workers/{colleague.pk}").status_code == 404


def test_read_only_roles_cannot_write_even_in_scope(client, city, home):
    worker = factories.worker(at=home, actor=city)
    emp = worker.employments.get()
    for user in (
        factories.user(Role.AUDITOR, district=home.district),
        factories.user(Role.AUDITOR),
        factories.user(Role.WORKER, worker=worker),
    ):
        client.force_login(user)
        assert client.get(f"{API}/workers/{worker.pk}").status_code == 200
        for method, url, body in (
            ("post", "/workers", new_worker_body(home.pk)),
            ("patch", f"/workers/{worker.pk}", {"name": "改名"}),
            (
                "post",
                f"/workers/{worker.pk}/transfer",
                {"institution": home.pk, "post": "x", "start_date": "2024-01-01"},
            ),
            (
                "post",
                f"/workers/{worker.pk}/employments",
                {"institution": home.pk, "post": "x", "start_date": "2024-01-01", "is_part_time": True},
            ),
            ("patch", f"/employments/{emp.pk}", {"post": "x"}),
            ("post", f"/employments/{emp.pk}/end", {"end_date": "2024-01-01"}),
        ):
            response = send(client, method, url, body)
            assert response.status_code == 404, (user.role, method, url, response.content)
    worker.refresh_from_db()
    assert worker.name == "张三" and Worker.objects.count() == 1 and worker.employments.count() == 1


def test_an_institution_admin_cannot_place_staff_at_another_institution(client, city, home):
    elsewhere = factories.institution(actor=city, district_code="500103")
    client.force_login(factories.user(Role.INSTITUTION_ADMIN, institution=home))
    response = send(client, "post", "/workers", new_worker_body(elsewhere.pk))
    assert response.status_code == 422 and "institution" in fields_of(response)
    assert send(client, "post", "/workers", new_worker_body(home.pk)).status_code == 201


def test_an_oversized_body_is_a_json_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = send(api, "post", "/workers", new_worker_body(name="长" * 2000))
    assert response.status_code == 413 and response.json()["detail"]


def test_nul_characters_and_huge_ids_are_input_errors_not_500s(api, city, home):
    # PostgreSQL cannot store NUL: refused at the door with a message, on every database.
    worker = factories.worker(at=home, actor=city)
    assert fields_of(send(api, "patch", f"/workers/{worker.pk}", {"name": "王\x00五"})) == {"name"}
    assert fields_of(send(api, "post", "/workers", new_worker_body(home.pk, phone="138\x00"))) == {"phone"}
    assert api.get(f"{API}/workers", {"q": "zs\x00"}).status_code == 422
    assert api.get(f"{API}/institutions", {"q": "\x00"}).status_code == 422
    huge = 10**20
    assert fields_of(api.get(f"{API}/workers/{huge}")) == {"worker_id"}
    assert fields_of(api.get(f"{API}/workers?district={huge}&institution=1")) == {"district"}
    assert send(api, "post", "/workers", new_worker_body(huge)).status_code == 422
    assert fields_of(send(api, "post", "/institutions", {"district": huge})) >= {"district"}
    assert fields_of(send(api, "patch", f"/employments/{huge}", {})) == {"employment_id"}


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["", "2024-05-01", "2999-01-01", "是", "care", "care_worker", "500103", "９", "\x00"]),
)
_VALUES = st.one_of(
    _SCALARS, st.lists(_SCALARS, max_size=2), st.dictionaries(st.text(max_size=4), _SCALARS, max_size=2)
)
_WORKER_FIELDS = [
    "name",
    "id_number",
    "phone",
    "education",
    "team",
    "occupation",
    "gender",
    "birth_date",
    "district",
]
_EMPLOYMENT_FIELDS = ["institution", "post", "start_date", "end_date", "has_labour_contract", "is_part_time"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_it_never_answers_500_to_arbitrary_input(api, city, home, data):
    worker = Worker.objects.first() or factories.worker(at=home, actor=city)
    emp_id = worker.employments.values_list("pk", flat=True).first()
    method, url, fields = data.draw(
        st.sampled_from(
            [
                ("post", "/workers", [*_WORKER_FIELDS, "employment"]),
                ("patch", f"/workers/{worker.pk}", _WORKER_FIELDS[:-1]),
                ("post", f"/workers/{worker.pk}/employments", _EMPLOYMENT_FIELDS),
                ("patch", f"/employments/{emp_id}", _EMPLOYMENT_FIELDS),
                ("post", f"/employments/{emp_id}/end", ["end_date", "reason"]),
                ("post", f"/workers/{worker.pk}/transfer", ["institution", "post", "start_date"]),
                ("post", f"/workers/{worker.pk}/unmask", ["field", "reason"]),
                ("post", "/institutions", ["uscc", "name", "district", "kind", "beds", "star_grade"]),
                (
                    "patch",
                    f"/institutions/{home.pk}",
                    ["uscc", "name", "district", "kind", "beds", "star_grade"],
                ),
            ]
        )
    )
    body = data.draw(st.dictionaries(st.sampled_from(fields), _VALUES, max_size=5))
    if "employment" in body and data.draw(st.booleans()):
        body["employment"] = data.draw(
            st.dictionaries(st.sampled_from(_EMPLOYMENT_FIELDS), _VALUES, max_size=4)
        )
    assert send(api, method, url, body).status_code < 500, (url, body)
    query = data.draw(
        st.dictionaries(
            st.sampled_from(["limit", "cursor", "district", "institution", "team", "active", "q"]),
            st.text(max_size=12),
            max_size=3,
        )
    )
    assert api.get(f"{API}/workers", query).status_code < 500, query
    assert api.get(f"{API}/institutions", {k: v for k, v in query.items() if k != "team"}).status_code < 500
