"""The access log of reads and the limit on full-identifier lookups (search is not an oracle)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from stdnum.cn import ric

from careforce.core.models import AccessKind, RecordAccess, Role
from careforce.registry import services
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def person(city, home):
    return factories.worker(at=home, actor=city, name="陈秀英", phone="18012342589")


@pytest.fixture
def auditor(db):
    return factories.user(Role.AUDITOR)


def rows(**filters):
    return list(
        RecordAccess.objects.filter(**filters).values_list("kind", "channel", "result_count", "worker_id")
    )


# ---------------------------------------------------------------- lookups: logged and limited


def test_each_full_id_lookup_writes_a_row_and_the_31st_in_an_hour_is_refused_with_429(
    client, auditor, person, settings
):
    settings.LOOKUP_RATE = "30/h"
    client.force_login(auditor)
    number = person.reveal_id_number()
    bodies = [number[:14] + f"{seq:03d}" for seq in range(1, 40)]
    candidates = [body + ric.calc_check_digit(body + "0") for body in bodies]
    answers = [client.get(f"{API}/workers", {"q": c}) for c in candidates[:30]]
    assert all(a.status_code == 200 for a in answers)
    assert RecordAccess.objects.filter(actor=auditor, kind=AccessKind.LOOKUP_ID).count() == 30
    refused = client.get(f"{API}/workers", {"q": number})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "查询" in refused.json()["detail"] and "30" in refused.json()["detail"]
    assert number not in refused.content.decode()
    assert RecordAccess.objects.filter(actor=auditor).count() == 30  # refused: nothing answered, no row
    # the limit is the account's, not the channel's: the page refuses too, with the message
    page = client.get(reverse("registry:worker_list"), {"q": number}).content.decode()
    assert 'id="lookup-refused"' in page and person.name not in page
    # names and other filters are not lookups and stay free
    assert client.get(f"{API}/workers", {"q": "陈"}).status_code == 200


def test_phone_guessing_is_limited_the_same_way(client, auditor, person, settings):
    settings.LOOKUP_RATE = "5/h"
    client.force_login(auditor)
    guesses = [f"180123425{n:02d}" for n in range(80, 90)]
    codes = [client.get(f"{API}/workers", {"q": g}).status_code for g in guesses]
    assert codes == [200] * 5 + [429] * 5
    assert rows(actor=auditor) == [(AccessKind.LOOKUP_PHONE, "api", 0, None)] * 5


def test_a_lookup_is_logged_with_its_result_and_the_person_it_found(client, auditor, person):
    client.force_login(auditor)
    body = client.get(f"{API}/workers", {"q": person.reveal_id_number()}).json()
    assert [i["id"] for i in body["items"]] == [person.pk]
    client.get(reverse("registry:worker_list"), {"q": "18012342589"})
    client.get(f"{API}/workers", {"q": factories.new_id_number()})  # nobody's
    assert rows(actor=auditor) == [
        (AccessKind.LOOKUP_ID, "api", 0, None),
        (AccessKind.LOOKUP_PHONE, "web", 1, person.pk),
        (AccessKind.LOOKUP_ID, "api", 1, person.pk),
    ]


def test_an_id_registered_outside_the_area_answers_like_one_registered_nowhere(client, city, home, person):
    elsewhere = factories.district("500105")
    official = factories.user(Role.DISTRICT_ADMIN, district=elsewhere)
    client.force_login(official)
    unknown = factories.new_id_number()
    answers = {}
    for name, number in (("outside", person.reveal_id_number()), ("unknown", unknown)):
        api = client.get(f"{API}/workers", {"q": number})
        page = client.get(reverse("registry:worker_list"), {"q": number})
        text = re.sub(r"[A-Za-z0-9]{64}", "CSRF", page.content.decode().replace(number, "NUMBER"))
        answers[name] = (api.status_code, api.json(), page.status_code, text)
    assert answers["outside"] == answers["unknown"]
    # the log (which the searcher cannot read) knows whose number it was
    assert rows(actor=official, worker_id=person.pk) == [
        (AccessKind.LOOKUP_ID, "web", 0, person.pk),
        (AccessKind.LOOKUP_ID, "api", 0, person.pk),
    ]


def test_the_rate_is_configuration(monkeypatch):
    import subprocess
    import sys

    env = {"CAREFORCE_ENV": "development", "CAREFORCE_LOOKUP_RATE": "many", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-c", "import careforce.settings"], env=env, capture_output=True, text=True
    )
    assert run.returncode != 0 and "CAREFORCE_LOOKUP_RATE" in run.stderr
    env["CAREFORCE_LOOKUP_RATE"] = "100/2d"
    code = "import careforce.settings as s; print(s.LOOKUP_RATE)"
    assert (
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip()
        == "100/2d"
    )


# ---------------------------------------------------------------- views of a record


def test_views_of_a_record_are_logged_except_the_persons_own(client, city, home, person, auditor):
    client.force_login(auditor)
    client.get(reverse("registry:worker_detail", args=[person.pk]))
    client.get(f"{API}/workers/{person.pk}")
    own = factories.user(Role.WORKER, worker=person)
    client.force_login(own)
    assert client.get(reverse("registry:worker_detail", args=[person.pk])).status_code == 200
    client.force_login(city)
    services.pii_reveal(actor=city, worker=person, field="phone", reason="回访", channel="api")
    assert rows(worker_id=person.pk) == [
        (AccessKind.REVEAL, "api", None, person.pk),
        (AccessKind.VIEW, "api", None, person.pk),
        (AccessKind.VIEW, "web", None, person.pk),
    ]
    assert not RecordAccess.objects.filter(actor=own).exists()


def test_out_of_scope_views_write_nothing(client, city, person):
    outsider = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500105"))
    client.force_login(outsider)
    assert client.get(reverse("registry:worker_detail", args=[person.pk])).status_code == 404
    assert not RecordAccess.objects.exists()


def test_who_has_looked_is_shown_to_city_and_district_administrators_only(
    client, city, home, person, auditor
):
    client.force_login(auditor)
    client.get(reverse("registry:worker_detail", args=[person.pk]))
    assert (
        "Who has looked"
        not in client.get(reverse("registry:worker_detail", args=[person.pk])).content.decode()
    )
    district_admin = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"))
    for viewer in (city, district_admin):
        client.force_login(viewer)
        page = client.get(reverse("registry:worker_detail", args=[person.pk])).content.decode()
        assert 'id="readers"' in page and str(auditor) in page
    inst = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    client.force_login(inst)
    assert (
        'id="readers"' not in client.get(reverse("registry:worker_detail", args=[person.pk])).content.decode()
    )


def test_the_audit_administrator_reads_the_log_of_reads_without_opening_records(client, person, auditor):
    client.force_login(auditor)
    client.get(f"{API}/workers", {"q": person.reveal_id_number()})
    audit_admin = factories.user(Role.AUDIT_ADMIN)
    client.force_login(audit_admin)
    assert client.get(reverse("registry:worker_detail", args=[person.pk])).status_code == 404
    page = client.get(reverse("core:read_log")).content.decode()
    assert str(auditor) in page and f"#{person.pk}" in page and person.reveal_id_number() not in page
    filtered = client.get(reverse("core:read_log"), {"worker": person.pk + 1}).content.decode()
    assert str(auditor) not in filtered
    client.force_login(auditor)
    assert client.get(reverse("core:read_log")).status_code == 404


def test_the_pre_employment_check_is_a_lookup_too(client, home, person, settings):
    settings.LOOKUP_RATE = "2/h"
    head = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    client.force_login(head)
    number = person.reveal_id_number()
    checks = [
        client.post(f"{API}/pre-employment-checks", {"id_number": number}, content_type="application/json")
        for _ in range(3)
    ]
    assert [c.status_code for c in checks] == [201, 201, 429]
    assert rows(actor=head) == [(AccessKind.LOOKUP_ID, "api", 0, person.pk)] * 2
    # searches and checks share the account's limit
    page = client.post(reverse("credit:check"), {"id_number": number}).content.decode()
    assert "查询的次数过多" in page


def test_registering_numbers_that_exist_counts_against_the_lookup_limit(city, home, person, settings):
    """A refusal "already in the registry" confirms the number: guessing through the registration form is
    limited like the search (and the message never says where the person is).

    The count must survive the refused registration's rollback: Redis does; the database cache writes in the
    same transaction and loses it (docs/security.md), so the counter store here is one outside the database."""
    settings.LOOKUP_RATE = "2/h"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    number = person.reveal_id_number()
    messages = []
    for _ in range(3):
        with pytest.raises(ValidationError) as exc:
            factories.worker(at=home, actor=city, id_number=number)
        messages.append(exc.value.message_dict["id_number"][0])
    assert messages[0] == messages[1] and "查询的次数过多" in messages[2]
    assert "area" not in messages[0] and "辖区" not in messages[0]


def test_an_import_row_with_a_number_registered_outside_the_area_says_no_more_than_a_registration(city):
    from careforce.imports.models import ImportRow
    from tests.factories_imports import fixture_institutions, upload
    from tests.fixtures.make_fixtures import person

    places = fixture_institutions(city)
    factories.worker(at=places["jiangbei"], actor=city, name="赵大", id_number=person(1))
    official = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"))
    job = upload(official, "roster_utf8_bom.csv")
    errors = [
        m
        for row in ImportRow.objects.filter(job=job, status="error")
        for ms in row.errors.values()
        for m in ms
    ]
    assert "人才信息库中已有该身份证号码的人员，请勿重复登记。" in errors
    assert not any("管辖" in m or "区县" in m for m in errors)


def test_an_export_filtered_by_a_full_number_beyond_the_limit_is_refused_with_the_message(
    client, auditor, person, settings
):
    settings.LOOKUP_RATE = "1/h"
    client.force_login(auditor)
    number = person.reveal_id_number()
    assert client.get(reverse("imports:export_workers"), {"q": number, "mode": "masked"}).status_code == 200
    refused = client.get(reverse("imports:export_workers"), {"q": number, "mode": "masked"})
    assert refused.status_code == 403 and "查询的次数过多" in refused.content.decode()
