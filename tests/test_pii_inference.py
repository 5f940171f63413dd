"""Masking that survives inference: what a role without `core.unmask_pii` sees of a person leaves at least
10,000 candidates for their ID number and for their phone, wherever it looks (page, API, export, audit
history). tests/inference.py counts the candidates."""

import datetime
import io
import json

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from careforce.core.masking import age_band, mask_id_number, mask_phone, remask
from careforce.core.models import AuditEvent, Role
from careforce.registry import services
from tests import factories
from tests.inference import Observed, id_candidates, observe, phone_candidates

pytestmark = pytest.mark.django_db

API = "/api/v1"
BIRTH = datetime.date(1986, 7, 23)
PHONE = "18012342589"


@pytest.fixture
def person(city, home):
    return factories.worker(
        at=home, actor=city, name="陈秀英", id_number=factories.new_id_number(birth=BIRTH), phone=PHONE
    )


def viewers(home):
    """Every role that sees the person without the permission to unmask, and the person themself."""
    district = factories.district("500103")
    return {
        "city auditor": factories.user(Role.AUDITOR),
        "district auditor": factories.user(Role.AUDITOR, district=district),
        "institution admin": factories.user(Role.INSTITUTION_ADMIN, institution=home),
    }


def _export_cells(client) -> str:
    response = client.get(reverse("imports:export_workers") + "?mode=masked")
    if response.status_code != 200 or not response.get("Content-Type", "").startswith("application/vnd"):
        return ""
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return json.dumps([[str(c) for c in row] for row in book.active.iter_rows(values_only=True)])


def everything_seen(client, user, worker) -> list[str]:
    client.force_login(user)
    texts = [
        client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode(),
        client.get(reverse("registry:worker_list")).content.decode(),
        client.get(f"{API}/workers/{worker.pk}").content.decode(),
        client.get(f"{API}/workers").content.decode(),
        _export_cells(client),
    ]
    if worker.institution_id:
        texts.append(
            client.get(
                reverse("institutions:institution_detail", args=[worker.institution_id])
            ).content.decode()
        )
    return texts


# ---------------------------------------------------------------- the counter counts


def test_the_counter_finds_what_the_old_mask_gave_away():
    """Region + last four beside the birth date (the old worker page) leaves one number; with the age in
    years (the old API) about 34 — both far below 10,000. The counter must see that, or it proves nothing."""
    number = factories.new_id_number(birth=BIRTH)
    today = datetime.date(2026, 12, 7)
    old_mask = number[:6] + "********" + number[-4:]
    page = observe([f"<code>{old_mask}</code> {BIRTH.isoformat()}"], id_number=number, phone=PHONE,
                   birth=BIRTH, gender="F", today=today)  # fmt: skip
    assert id_candidates(page, region=number[:6], today=today) == 1
    api = observe([json.dumps({"id_number_masked": old_mask, "age": 40})], id_number=number, phone=PHONE,
                  birth=BIRTH, gender="F", today=today)  # fmt: skip
    assert 20 <= id_candidates(api, region=number[:6], today=today) <= 50
    assert phone_candidates(observe(["180****2589"], id_number=number, phone=PHONE, birth=BIRTH, gender="F",
                                    today=today)) == 10_000  # fmt: skip
    assert id_candidates(Observed(), region="500103", today=today) > 30_000_000


# ---------------------------------------------------------------- the candidate counts


@pytest.mark.parametrize("role", ["city auditor", "district auditor", "institution admin", "worker"])
def test_what_a_role_without_unmask_sees_leaves_at_least_10000_candidates(client, city, home, person, role):
    user = factories.user(Role.WORKER, worker=person) if role == "worker" else viewers(home)[role]
    number = person.reveal_id_number()
    today = timezone.localdate()
    seen = observe(everything_seen(client, user, person), id_number=number, phone=PHONE, birth=BIRTH,
                   gender=person.gender, today=today)  # fmt: skip
    assert seen.id_chars, "the masked ID number is shown somewhere"
    assert seen.birth_date is None and seen.age_years is None and seen.gender is None, seen
    assert seen.band == age_band(BIRTH)
    ids = id_candidates(seen, region=number[:6], today=today)
    phones = phone_candidates(seen)
    assert ids >= 10_000 and phones >= 10_000, (ids, phones)
    # The figures docs/security.md quotes: a ten-year band, 999 sequence numbers.
    assert 3_500_000 <= ids <= 3_700_000 and phones == 1_000_000


def test_a_role_that_may_unmask_sees_gender_and_birth_date_but_still_the_short_mask(client, city, person):
    client.force_login(city)
    page = client.get(reverse("registry:worker_detail", args=[person.pk])).content.decode()
    number = person.reveal_id_number()
    assert BIRTH.isoformat() in page and mask_id_number(number[:6]) in page
    assert number[-4:] not in page and "2589" not in page
    body = client.get(f"{API}/workers/{person.pk}").json()
    assert body["gender"] == person.gender and body["age_band"] == age_band(BIRTH) and "age" not in body


# ---------------------------------------------------------------- each place the number lived


def test_the_detail_page_shows_no_birth_date_age_or_last_digits(client, city, home, person):
    client.force_login(viewers(home)["city auditor"])
    page = client.get(reverse("registry:worker_detail", args=[person.pk])).content.decode()
    number = person.reveal_id_number()
    assert f'<code class="text-body">{number[:6]}************</code>' in page
    for secret in (BIRTH.isoformat(), "1986年", number[-4:], "岁", "2589", "女", "男"):
        assert secret not in page
    assert "180******89" in page and f'id="age-band">{age_band(BIRTH)}<' in page


def test_the_api_sends_an_age_band_and_no_age_birth_date_or_gender(client, city, home, person):
    client.force_login(viewers(home)["institution admin"])
    body = client.get(f"{API}/workers/{person.pk}").json()
    assert "age" not in body and "birth_date" not in body
    assert body["gender"] is None and body["age_band"] == age_band(BIRTH)
    assert body["id_number_masked"] == person.reveal_id_number()[:6] + "*" * 12
    assert body["phone_masked"] == "180******89"
    items = client.get(f"{API}/workers").json()["items"]
    assert [(i["gender"], i["age_band"]) for i in items] == [(None, age_band(BIRTH))]
    schema = client.get(f"{API}/openapi.json").json()["components"]["schemas"]["WorkerOut"]["properties"]
    assert "age" not in schema and "age_band" in schema


def test_the_masked_export_has_the_short_masks(client, city, home, person):
    client.force_login(viewers(home)["institution admin"])
    cells = _export_cells(client)
    number = person.reveal_id_number()
    assert number[:6] + "*" * 12 in cells and "180******89" in cells
    assert number[-4:] not in cells and "2589" not in cells and BIRTH.isoformat() not in cells


def test_the_audit_history_shows_masks_stored_by_earlier_versions_in_todays_shape(client, city, home, person):
    number = person.reveal_id_number()
    AuditEvent.objects.create(
        action="update",
        object_type="registry.worker",
        object_id=person.pk,
        object_repr=person.name,
        worker_id=person.pk,
        changes={
            "id_number_masked": ["500101********1234", number[:6] + "********" + number[-4:]],
            "phone_masked": ["138****5678", "180****2589"],
        },
    )
    client.force_login(viewers(home)["city auditor"])
    page = client.get(reverse("registry:worker_detail", args=[person.pk])).content.decode()
    assert "500101************ → " + number[:6] + "************" in page
    assert "138******78 → 180******89" in page
    assert number[-4:] not in page and "2589" not in page and "5678" not in page


def test_a_new_id_number_that_masks_like_the_old_one_is_still_audited(city, home, person):
    new = factories.new_id_number(birth=datetime.date(1987, 1, 2))
    assert mask_id_number(new[:6]) == person.id_number_masked
    services.worker_update(actor=city, worker=person, data={"id_number": new, "phone": "18012340089"})
    event = AuditEvent.objects.filter(worker_id=person.pk, action="update").latest("id")
    assert event.changes["id_number_masked"] == [person.id_number_masked] * 2
    assert event.changes["phone_masked"] == ["180******89", "180******89"]
    assert new[-4:] not in json.dumps(event.changes)


def test_remask_turns_old_masks_into_todays_and_leaves_other_values():
    assert remask("500103********7182") == "500103************"
    assert remask("180****2589") == "180******89"
    assert remask("张三") == "张三" and remask(None) is None and remask(5) == 5
    assert mask_phone("180", "2589") == "180******89" and mask_id_number("") == ""
    assert age_band(datetime.date(1996, 12, 31), datetime.date(2026, 1, 1)) == "30-39"
    assert age_band(datetime.date(1997, 1, 1), datetime.date(2026, 12, 31)) == "<30"
    assert age_band(datetime.date(1950, 1, 1), datetime.date(2026, 1, 1)) == "60+"


def test_a_role_without_unmask_cannot_test_a_gender_guess_by_changing_it(client, city, home, person):
    client.force_login(viewers(home)["institution admin"])
    answers = {
        gender: client.patch(
            f"{API}/workers/{person.pk}", json.dumps({"gender": gender}), content_type="application/json"
        )
        for gender in ("M", "F")
    }
    assert {a.status_code for a in answers.values()} == {422}
    assert answers["M"].json() == answers["F"].json()


def test_the_audit_administrator_sees_stored_masks_in_todays_shape_in_the_admin(client, city, person):
    number = person.reveal_id_number()
    event = AuditEvent.objects.create(
        action="update",
        object_type="registry.worker",
        object_id=person.pk,
        object_repr=person.name,
        worker_id=person.pk,
        changes={"id_number_masked": [None, number[:6] + "********" + number[-4:]]},
    )
    client.force_login(factories.user(Role.AUDIT_ADMIN))
    page = client.get(reverse("admin:core_auditevent_change", args=[event.pk])).content.decode()
    assert number[:6] + "************" in page and number[-4:] not in page
