"""Vacancies and trainee posts, job seekers from the key groups, matching and hires into the registry."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from careforce.core import crypto
from careforce.core.models import AuditEvent, District, Role
from careforce.registry.models import Worker
from careforce.vacancies import selectors, services
from careforce.vacancies.models import JobSeeker, SeekerStatus, VacancyStatus
from tests import factories
from tests import factories_vacancies as fv

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_the_post_is_resolved_against_the_occupations_with_synonyms(city, home):
    assert services.resolve_post("养老护理员").code == "care_worker"
    assert services.resolve_post(" 护理员 ").code == "care_worker"  # a synonym
    assert services.resolve_post("宇航员") is None
    vacancy = fv.vacancy(city, home, post="护理员")
    assert vacancy.post_text == "护理员" and vacancy.occupation.code == "care_worker"
    with pytest.raises(ValidationError) as caught:
        fv.vacancy(city, home, post="宇航员")
    assert "post" in caught.value.message_dict


def test_an_institution_publishes_its_own_vacancies_only(city, home):
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    other = factories.institution(actor=city, district_code="500105")
    own = services.vacancy_publish(
        actor=admin,
        data={"post": "养老护理员", "number": 1, "pay_min": 3000, "pay_max": 4000, "closing_date": TODAY()},
    )
    assert own.institution == home and own.district == home.district
    with pytest.raises(ValidationError) as caught:
        fv.vacancy(admin, other)
    assert "institution" in caught.value.message_dict
    auditor = factories.user(Role.AUDITOR)
    with pytest.raises(Http404):
        fv.vacancy(auditor, home)


def test_bad_vacancy_input_names_the_field(city, home):
    with pytest.raises(ValidationError) as caught:
        fv.vacancy(
            city,
            home,
            number=0,
            pay_min=6000,
            pay_max=5000,
            closing_date=TODAY() - datetime.timedelta(days=1),
            kind="全职",
        )
    assert set(caught.value.message_dict) == {"number", "pay_max", "closing_date", "kind"}


def test_a_trainee_post_is_read_from_its_chinese_name(city, home):
    assert fv.vacancy(city, home, kind="就业见习岗位").kind == "trainee"


def test_a_job_seeker_is_registered_with_consent_and_protected_identity(city):
    number = factories.new_id_number()
    with pytest.raises(ValidationError) as caught:
        fv.seeker(city, id_number=number, consent=False)
    assert "consent" in caught.value.message_dict
    seeker = fv.seeker(city, id_number=number, source_channel="脱贫人口")
    assert seeker.source_channel == "lifted_from_poverty"
    assert number.encode() not in bytes(seeker.id_number_encrypted)
    assert crypto.decrypt(seeker.id_number_encrypted, context=b"jobseeker.id_number") == number
    assert seeker.id_number_hash == crypto.blind_index(number, purpose="id_number")
    assert seeker.id_number_masked == f"{number[:6]}************"
    assert seeker.consent_at is not None and seeker.consent_text.version == "v1"
    event = AuditEvent.objects.get(object_type="vacancies.jobseeker", object_id=seeker.pk)
    assert number not in str(event.changes) and number[-4:] not in str(event.changes)
    with pytest.raises(ValidationError) as caught:
        fv.seeker(city, id_number=number)
    assert "id_number" in caught.value.message_dict


def test_only_the_city_and_districts_register_job_seekers(city, home):
    yuzhong = District.objects.get(code="500103")
    district = factories.user(Role.DISTRICT_ADMIN, district=yuzhong)
    assert fv.seeker(district, district="").district == yuzhong
    with pytest.raises(ValidationError):
        fv.seeker(district, district="500105")
    with pytest.raises(Http404):
        fv.seeker(factories.user(Role.INSTITUTION_ADMIN, institution=home))


def test_matching_by_post_district_and_education(city, home):
    vacancy = fv.vacancy(city, home, min_education="college")
    fits = fv.seeker(city, education="bachelor")
    fv.seeker(city, education="senior_high")  # below the minimum
    fv.seeker(city, district="500105", education="bachelor")  # another district
    fv.seeker(city, wanted_post="厨师", education="bachelor")  # another post
    assert list(selectors.matches(vacancy)) == [fits]


def test_filled_closed_and_expired_vacancies_stop_matching(city, home):
    seeker = fv.seeker(city)
    vacancy = fv.vacancy(city, home, closing_date=TODAY())
    assert list(selectors.matches(vacancy)) == [seeker]
    tomorrow = TODAY() + datetime.timedelta(days=1)
    assert list(selectors.matches(vacancy, tomorrow)) == []
    assert selectors.shown_status(vacancy, tomorrow) == "expired"
    services.vacancy_close(actor=city, vacancy=vacancy)
    vacancy.refresh_from_db()
    assert vacancy.status == VacancyStatus.CLOSED and list(selectors.matches(vacancy)) == []


def test_a_hire_registers_the_worker_with_the_key_group_and_fills_the_vacancy(city, home):
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    vacancy = fv.vacancy(admin, home, number=1, post="护理员")
    seeker = fv.seeker(city, source_channel="registered_unemployed")
    number = crypto.decrypt(seeker.id_number_encrypted, context=b"jobseeker.id_number")
    hire = services.hire(actor=admin, vacancy=vacancy, seeker=seeker, data={})
    worker = Worker.objects.get(id_number_hash=crypto.blind_index(number, purpose="id_number"))
    assert hire.worker == worker and worker.source_channel == "registered_unemployed"
    assert worker.institution == home and worker.is_active and worker.occupation.code == "care_worker"
    assert worker.employments.get().post == "护理员"
    vacancy.refresh_from_db()
    seeker.refresh_from_db()
    assert (vacancy.filled, vacancy.status) == (1, VacancyStatus.FILLED)
    assert seeker.status == SeekerStatus.HIRED and seeker.worker == worker
    # Filled: it matches no one, and a second hire is refused.
    other = fv.seeker(city)
    assert list(selectors.matches(vacancy)) == []
    with pytest.raises(ValidationError):
        services.hire(actor=admin, vacancy=vacancy, seeker=other, data={})


def test_a_hire_of_a_registered_worker_adds_the_post_to_their_record(city, home):
    elsewhere = factories.institution(actor=city, district_code="500103")
    worker = factories.worker(at=elsewhere, actor=city, source_channel="other")
    seeker = fv.seeker(city, id_number=worker.reveal_id_number(), source_channel="housekeeping_transfer")
    vacancy = fv.vacancy(city, home)
    services.hire(actor=city, vacancy=vacancy, seeker=seeker, data={})
    worker.refresh_from_db()
    assert Worker.objects.count() == 1
    assert worker.institution == home and worker.source_channel == "housekeeping_transfer"
    assert worker.employments.filter(end_date__isnull=True).get().institution == home


def test_a_hire_is_refused_for_a_seeker_who_does_not_match(city, home):
    vacancy = fv.vacancy(city, home)
    far = fv.seeker(city, district="500105")
    with pytest.raises(ValidationError) as caught:
        services.hire(actor=city, vacancy=vacancy, seeker=far, data={})
    assert "seeker" in caught.value.message_dict
    assert not Worker.objects.exists()


def test_withdrawn_consent_erases_the_personal_data_and_ends_matching(city, home):
    vacancy = fv.vacancy(city, home)
    number = factories.new_id_number()
    seeker = fv.seeker(city, id_number=number)
    services.seeker_withdraw_consent(actor=city, seeker=seeker)
    seeker.refresh_from_db()
    assert seeker.status == SeekerStatus.WITHDRAWN and seeker.consent_withdrawn_at is not None
    assert seeker.name == services.ERASED_NAME and bytes(seeker.id_number_encrypted) == b""
    assert (seeker.id_number_hash, seeker.id_region, seeker.phone_hash, seeker.phone_encrypted) == (
        "",
        "",
        "",
        None,
    )
    assert list(selectors.matches(vacancy)) == []
    # The person may register again later (a new consent).
    assert fv.seeker(city, id_number=number).pk != seeker.pk
    assert JobSeeker.objects.filter(district__code="500103").count() == 2


def test_figures_per_district_count_open_filled_and_groups(city, home):
    v1 = fv.vacancy(city, home, number=2)
    fv.vacancy(city, factories.institution(actor=city, district_code="500105"), number=3)
    services.hire(actor=city, vacancy=v1, seeker=fv.seeker(city, source_channel="rural_migrant"), data={})
    rows = {row["district"]: row for row in selectors.district_figures(city)}
    assert rows["渝中区"]["open_vacancies"] == 1 and rows["渝中区"]["open_posts"] == 1
    assert rows["渝中区"]["filled"] == 1
    assert [(g["source_channel"], g["hires"]) for g in rows["渝中区"]["by_group"]] == [("rural_migrant", 1)]
    assert rows["江北区"]["open_posts"] == 3 and rows["江北区"]["filled"] == 0
    district = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))
    assert [row["district"] for row in selectors.district_figures(district)] == ["渝中区"]


def test_an_institution_sees_the_seekers_its_vacancies_match(city, home):
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    match = fv.seeker(city)
    cook = fv.seeker(city, wanted_post="厨师")
    assert list(selectors.seekers_visible_to(admin)) == []
    fv.vacancy(admin, home)
    assert list(selectors.seekers_visible_to(admin)) == [match]
    assert cook in selectors.seekers_visible_to(city)


# ---------------------------------------------------------------- API and pages


def test_the_api_publishes_matches_and_hires(client, city, home):
    client.force_login(city)
    response = client.post(
        "/api/v1/vacancies",
        {
            "institution": home.uscc,
            "post": "养老护理员",
            "number": 1,
            "pay_min": 3000,
            "pay_max": 4200,
            "closing_date": "2030-01-31",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    vacancy_id = response.json()["id"]
    bad = client.post("/api/v1/vacancies/seekers", {"name": "王五"}, content_type="application/json")
    assert bad.status_code == 422
    seeker = client.post(
        "/api/v1/vacancies/seekers",
        {
            "name": "王五",
            "id_number": factories.new_id_number(),
            "district": "500103",
            "source_channel": "unemployed_graduate",
            "education": "bachelor",
            "hukou_type": "urban",
            "wanted_post": "护理员",
            "consent": True,
        },
        content_type="application/json",
    )
    assert seeker.status_code == 201, seeker.content
    body = seeker.json()
    assert body["id_number_masked"].endswith("************") and body["consent_text_version"] == "v1"
    matches = client.get(f"/api/v1/vacancies/{vacancy_id}/matches").json()
    assert [m["id"] for m in matches] == [body["id"]]
    hired = client.post(
        f"/api/v1/vacancies/{vacancy_id}/hires", {"seeker": body["id"]}, content_type="application/json"
    )
    assert hired.status_code == 201, hired.content
    assert Worker.objects.get(pk=hired.json()["worker_id"]).source_channel == "unemployed_graduate"
    assert client.get(f"/api/v1/vacancies/{vacancy_id}").json()["status"] == "filled"
    figures = client.get("/api/v1/vacancies/figures").json()
    assert figures[0]["filled"] == 1


def test_api_errors_are_in_chinese_and_name_the_field(client, city, home):
    client.force_login(city)
    response = client.post(
        "/api/v1/vacancies",
        {
            "institution": home.pk,
            "post": "宇航员",
            "number": 1,
            "pay_min": 1,
            "pay_max": 2,
            "closing_date": "2030-01-01",
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "post" and "岗位" in error["message"]


def test_the_pages_publish_register_and_hire(client, city, home):
    client.force_login(city)
    response = client.post(
        reverse("vacancies:vacancy_create"),
        {
            "institution": home.uscc,
            "kind": "job",
            "post": "养老护理员",
            "number": "1",
            "pay_min": "3000",
            "pay_max": "4000",
            "closing_date": "2030-01-01",
        },
    )
    assert response.status_code == 302, response.content.decode()
    vacancy = selectors.vacancies_visible_to(city).get()
    response = client.post(
        reverse("vacancies:seeker_create"),
        {
            "name": "陈六",
            "id_number": factories.new_id_number(),
            "district": "500103",
            "source_channel": "rural_migrant",
            "education": "senior_high",
            "hukou_type": "rural",
            "wanted_post": "养老护理员",
        },
    )
    assert response.status_code == 200 and "consent" in response.context["form"].errors
    seeker = fv.seeker(city)
    page = client.get(reverse("vacancies:vacancy_detail", args=[vacancy.pk])).content.decode()
    assert f'id="match-{seeker.pk}"' in page
    client.post(
        reverse("vacancies:vacancy_hire", args=[vacancy.pk]),
        {"seeker": seeker.pk, "start_date": TODAY().isoformat()},
    )
    vacancy.refresh_from_db()
    assert vacancy.filled == 1
    home_page = client.get(reverse("vacancies:home")).content.decode()
    assert 'id="district-figures"' in home_page
    assert 'id="home-vacancies"' in client.get(reverse("core:home")).content.decode()


def test_the_data_dashboard_shows_the_district_figures(client, city, home):
    vacancy = fv.vacancy(city, home, number=3)
    services.hire(actor=city, vacancy=vacancy, seeker=fv.seeker(city, source_channel="脱贫人口"), data={})
    client.force_login(city)
    page = client.get(reverse("indicators:home")).content.decode()
    assert 'id="dashboard-vacancies"' in page and "脱贫人口" in page
    district = client.get(reverse("indicators:district", args=[home.district_id])).content.decode()
    row = district.split('id="dashboard-vacancies"', 1)[1].split("</table>", 1)[0]
    assert '<td class="filled">1</td>' in row and '<td class="open">1</td>' in row
    client.force_login(factories.user(Role.WORKER, worker=factories.worker(at=home, actor=city)))
    assert 'id="dashboard-vacancies"' not in client.get(reverse("core:home")).content.decode()


def test_the_vacancy_sheet_imports_all_or_nothing(city, home):
    from careforce.imports import services as imports
    from careforce.vacancies.models import Vacancy

    def run(text):
        job = imports.import_upload(
            actor=city, sheet="vacancies", file_name="v.csv", data=text.encode("utf-8-sig")
        )
        job.refresh_from_db()
        return job

    header = "统一社会信用代码,岗位类型,岗位,招聘人数,最低学历,薪酬下限,薪酬上限,截止日期,岗位要求\n"
    bad = run(
        header
        + f"{home.uscc},招聘岗位,养老护理员,2,,3000,4000,2030-01-01,\n{home.uscc},就业见习岗位,宇航员,1,,2000,2500,2030-01-01,\n"
    )
    assert bad.rows_error == 1 and not bad.can_commit
    job = run(
        header
        + f"{home.uscc},招聘岗位,养老护理员,2,大专,3000,4000,2030-01-01,有证\n{home.uscc},就业见习岗位,社会工作者,1,,2000,2500,2030-01-01,\n"
    )
    assert job.rows_new == 2 and job.can_commit, job.message
    imports.import_commit(actor=city, job=job)
    assert sorted(Vacancy.objects.values_list("kind", "occupation__code")) == [
        ("job", "care_worker"),
        ("trainee", "social_worker"),
    ]


def test_key_rotation_moves_job_seekers_and_leaves_erased_rows_empty(settings, city):
    from django.core.management import call_command

    from careforce.core.crypto_provider import AES, SM4
    from tests.test_crypto_suites import b64

    seeker = fv.seeker(city)
    erased = services.seeker_withdraw_consent(actor=city, seeker=fv.seeker(city))
    number = crypto.decrypt(seeker.id_number_encrypted, context=b"jobseeker.id_number")
    settings.CRYPTO_SUITE, settings.BLIND_INDEX_PREVIOUS = SM4.name, AES.name
    settings.PII_KEYS = f"9:{b64(16)},{settings.PII_KEYS}"
    call_command("rotate_pii_keys", verbosity=0)
    settings.BLIND_INDEX_PREVIOUS = ""
    seeker.refresh_from_db()
    erased.refresh_from_db()
    assert (
        crypto.suite_of(seeker.id_number_encrypted) is SM4 and crypto.key_id_of(seeker.phone_encrypted) == 9
    )
    assert crypto.decrypt(seeker.id_number_encrypted, context=b"jobseeker.id_number") == number
    assert seeker.id_number_hash == crypto.blind_index(number, purpose="id_number")
    assert bytes(erased.id_number_encrypted) == b"" and erased.id_number_hash == ""


def test_a_duplicate_registration_counts_as_a_full_number_lookup(settings, city):
    # A counter store outside the database, as in production (Redis): the refused registration's rollback
    # would take the database cache's count with it (see tests/test_access_log.py).
    settings.LOOKUP_RATE = "2/h"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    number = factories.new_id_number()
    fv.seeker(city, id_number=number)
    messages = []
    for _attempt in range(3):
        with pytest.raises(ValidationError) as caught:
            fv.seeker(city, id_number=number)
        messages.append(caught.value.message_dict["id_number"][0])
    assert messages[0] == messages[1] and "查询的次数过多" in messages[2]
