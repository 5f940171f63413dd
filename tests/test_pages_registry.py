"""The registry's pages: list, detail, unmasking, registration, editing and the employment actions."""

import datetime

import pytest
from django.urls import reverse

from careforce.core.models import AuditEvent, PiiAccess, Role
from careforce.registry import services
from careforce.registry.models import Employment, Occupation, Worker
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def district_admin(db):
    return factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"))


@pytest.fixture
def worker(city, home):
    return factories.worker(at=home, actor=city, name="张三", start=datetime.date(2019, 3, 1))


def worker_post(**overrides):
    data = {
        "name": "李四",
        "id_number": factories.new_id_number(birth=datetime.date(1978, 4, 9)),
        "phone": "13812345678",
        "education": "senior_high",
        "hukou_type": "rural",
        "source_channel": "rural_migrant",
        "team": "care",
        "occupation": "",
        "post": "护理员",
        "start_date": "2024-05-01",
        "has_labour_contract": "on",
    }
    data["occupation"] = str(Occupation.objects.get(code="care_worker").pk)
    data.update(overrides)
    return data


# ---------------------------------------------------------------- list


def test_it_lists_workers_in_scope_only(client, city, home, district_admin):
    mine = factories.worker(at=home, actor=city, name="王芳")
    elsewhere = factories.worker(
        at=factories.institution(actor=city, district_code="500105"), actor=city, name="赵强"
    )
    client.force_login(district_admin)
    response = client.get(reverse("registry:worker_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert mine.name in body and mine.id_number_masked in body
    assert elsewhere.name not in body
    assert mine.reveal_id_number() not in body
    assert "人才信息库" in body


def test_it_searches_by_pinyin_initials_but_not_by_the_last_four(client, city, home):
    zhang = factories.worker(at=home, actor=city, name="张三")
    li = factories.worker(at=home, actor=city, name="李四")
    client.force_login(city)
    body = client.get(reverse("registry:worker_list"), {"q": "zs"}).content.decode()
    assert f"/workers/{zhang.pk}/" in body and f"/workers/{li.pk}/" not in body
    body = client.get(reverse("registry:worker_list"), {"q": li.id_last4}).content.decode()
    assert f"/workers/{li.pk}/" not in body


def test_it_filters_by_employment_status_and_team(client, city, home, worker):
    other = factories.worker(at=home, actor=city, name="李四")
    services.employment_end(
        actor=city, employment=other.employments.get(), end_date="2024-01-31", reason="离职"
    )
    client.force_login(city)
    body = client.get(reverse("registry:worker_list"), {"active": "no"}).content.decode()
    assert f"/workers/{other.pk}/" in body and f"/workers/{worker.pk}/" not in body
    body = client.get(reverse("registry:worker_list"), {"team": "support"}).content.decode()
    assert f"/workers/{worker.pk}/" not in body


def test_it_lists_with_a_constant_number_of_queries(client, city, home, django_assert_num_queries):
    client.force_login(city)
    factories.worker(at=home, actor=city)
    url = reverse("registry:worker_list")
    client.get(url)  # warm up (session, content types)
    # the session, the account, the option lists' version once for all the lists (the test cache is the
    # database's, Redis in production) and the page's rows; no COUNT; permissions and the second-factor
    # device come from memory
    with django_assert_num_queries(4):
        client.get(url)
    for _ in range(4):
        factories.worker(at=factories.institution(actor=city, district_code="500106"), actor=city)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.content.decode().count("/workers/") >= 5


def test_it_answers_htmx_with_the_table_only(client, city, worker):
    client.force_login(city)
    response = client.get(reverse("registry:worker_list"), {"q": "张"}, HTTP_HX_TARGET="results", **HTMX)
    body = response.content.decode()
    assert "<table" in body and "<html" not in body and worker.name in body
    assert "HX-Target" in response["Vary"]


# ---------------------------------------------------------------- detail and unmasking


def test_it_shows_the_record_with_history_and_years_of_service(client, city, worker):
    client.force_login(city)
    response = client.get(reverse("registry:worker_detail", args=[worker.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert worker.id_number_masked in body and worker.phone_masked in body
    assert worker.reveal_id_number() not in body
    assert "从业经历" in body and "从业年限" in body and "变更记录" in body
    assert "显示完整" in body
    assert reverse("registry:worker_transfer", args=[worker.pk]) in body


def test_it_hides_a_record_out_of_scope(client, city, worker):
    other_district = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500105"))
    client.force_login(other_district)
    assert client.get(reverse("registry:worker_detail", args=[worker.pk])).status_code == 404
    assert client.get(reverse("registry:worker_edit", args=[worker.pk])).status_code == 404
    response = client.post(
        reverse("registry:worker_unmask", args=[worker.pk]), {"field": "id_number", "reason": "核对社保"}
    )
    assert response.status_code == 404
    assert not PiiAccess.objects.exists()


def test_it_unmasks_the_id_number_with_a_reason_over_htmx(client, city, worker):
    client.force_login(city)
    url = reverse("registry:worker_unmask", args=[worker.pk])
    form = client.get(url, {"field": "id_number"}, **HTMX)
    assert form.status_code == 200 and "<html" not in form.content.decode()
    response = client.post(url, {"field": "id_number", "reason": "核对社保"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert worker.reveal_id_number() in body and "<html" not in body
    access = PiiAccess.objects.get()
    assert (access.actor, access.worker, access.field, access.reason) == (
        city,
        worker,
        "id_number",
        "核对社保",
    )
    assert access.ip_address == "127.0.0.1"
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_it_refuses_to_unmask_without_a_reason(client, city, worker):
    client.force_login(city)
    url = reverse("registry:worker_unmask", args=[worker.pk])
    response = client.post(url, {"field": "phone", "reason": " "}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "说明" in body and worker.reveal_phone() not in body
    assert not PiiAccess.objects.exists()


def test_it_unmasks_on_a_full_page_without_htmx(client, city, worker):
    client.force_login(city)
    url = reverse("registry:worker_unmask", args=[worker.pk])
    response = client.post(url, {"field": "phone", "reason": "电话回访"})
    body = response.content.decode()
    assert "<html" in body and worker.reveal_phone() in body
    assert PiiAccess.objects.filter(field="phone").count() == 1


def test_it_gives_no_unmask_control_without_the_permission(client, city, home, worker):
    manager = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    client.force_login(manager)
    body = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert "显示完整" not in body
    response = client.post(
        reverse("registry:worker_unmask", args=[worker.pk]), {"field": "id_number", "reason": "核对"}
    )
    assert response.status_code == 404
    assert not PiiAccess.objects.exists()


# ---------------------------------------------------------------- registration and editing


def test_it_registers_a_worker_with_the_current_employment(client, city, home):
    client.force_login(city)
    data = worker_post(institution=str(home.pk), start_date="2024/5/1")
    response = client.post(reverse("registry:worker_create"), data)
    worker = Worker.objects.get(name="李四")
    assert response.status_code == 302
    assert response.url == reverse("registry:worker_detail", args=[worker.pk])
    assert worker.institution == home and worker.is_active
    assert worker.employments.get().start_date == datetime.date(2024, 5, 1)
    page = client.get(response.url).content.decode()
    assert "已登记" in page


def test_it_accepts_a_chinese_written_date(client, city, home):
    client.force_login(city)
    client.post(
        reverse("registry:worker_create"), worker_post(institution=str(home.pk), start_date="2024年5月1日")
    )
    assert Worker.objects.get(name="李四").employments.get().start_date == datetime.date(2024, 5, 1)


def test_it_shows_a_wrong_id_checksum_beside_the_field_and_writes_nothing(client, city, home):
    client.force_login(city)
    good = factories.new_id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    events = AuditEvent.objects.count()
    response = client.post(
        reverse("registry:worker_create"), worker_post(institution=str(home.pk), id_number=bad)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "id_number" in form.errors
    assert "校验码" in form.errors["id_number"][0]
    body = response.content.decode()
    assert "is-invalid" in body and "校验码" in body
    assert not Worker.objects.filter(name="李四").exists()
    assert AuditEvent.objects.count() == events


def test_it_reports_every_missing_field_at_once(client, city):
    client.force_login(city)
    response = client.post(reverse("registry:worker_create"), {"name": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    for name in ("name", "id_number", "education", "team", "occupation", "institution", "post", "start_date"):
        assert name in errors, name
    assert "必填" in errors["name"][0]


def test_it_files_a_worker_without_employment_under_a_district(client, district_admin):
    client.force_login(district_admin)
    data = worker_post(
        no_employment="on", district=str(factories.district("500103").pk), post="", start_date=""
    )
    response = client.post(reverse("registry:worker_create"), data)
    assert response.status_code == 302
    worker = Worker.objects.get(name="李四")
    assert worker.district.code == "500103" and not worker.is_active and worker.institution is None


def test_it_warns_after_saving_an_unknown_region_code(client, city, home):
    client.force_login(city)
    number = factories.new_id_number(region="509999")
    response = client.post(
        reverse("registry:worker_create"),
        worker_post(institution=str(home.pk), id_number=number),
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "alert-warning" in body and "509999" in body
    assert Worker.objects.filter(name="李四").exists()


def test_an_institution_admin_can_only_choose_their_institution(client, city, home):
    factories.institution(actor=city, district_code="500103", name="别家养老院")
    manager = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    client.force_login(manager)
    response = client.get(reverse("registry:worker_create"))
    body = response.content.decode()
    assert home.name in body and "别家养老院" not in body
    assert "no_employment" not in response.context["form"].fields


def test_it_edits_a_worker_keeping_the_masked_id(client, city, worker):
    client.force_login(city)
    url = reverse("registry:worker_edit", args=[worker.pk])
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update(education="college")
    response = client.post(url, data)
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.education == "college"
    assert worker.reveal_id_number() and worker.id_number_masked == form.initial["id_number"]
    event = AuditEvent.objects.filter(worker_id=worker.pk, action="update").get()
    assert event.changes == {"education": ["senior_high", "college"]}
    page = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert "高中（中专、职高）" in page and "大专" in page


def test_it_shows_a_bad_phone_beside_the_field(client, city, worker):
    client.force_login(city)
    url = reverse("registry:worker_edit", args=[worker.pk])
    form = client.get(url).context["form"]
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["phone"] = "12345"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "11 位" in response.context["form"].errors["phone"][0]
    worker.refresh_from_db()
    assert worker.phone_masked == form.initial["phone"]


# ---------------------------------------------------------------- employment actions


def test_it_records_a_transfer(client, city, worker):
    other = factories.institution(actor=city, district_code="500105", name="江北区康乐养老院")
    client.force_login(city)
    response = client.post(
        reverse("registry:worker_transfer", args=[worker.pk]),
        {
            "institution": str(other.pk),
            "post": "护理组长",
            "start_date": "2024-06-01",
            "has_labour_contract": "on",
        },
    )
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.institution == other and worker.district.code == "500105"
    old, new = worker.employments.order_by("start_date")
    assert old.end_date == datetime.date(2024, 5, 31) and new.end_date is None and new.post == "护理组长"


def test_a_transfer_to_the_same_institution_is_refused_inline(client, city, home, worker):
    client.force_login(city)
    response = client.post(
        reverse("registry:worker_transfer", args=[worker.pk]),
        {"institution": str(home.pk), "post": "护理员", "start_date": "2024-06-01"},
    )
    assert response.status_code == 200
    assert "institution" in response.context["form"].errors
    assert worker.employments.count() == 1


def test_it_adds_corrects_and_ends_periods(client, city, home, worker):
    client.force_login(city)
    other = factories.institution(actor=city, district_code="500103", name="旧养老院")
    response = client.post(
        reverse("registry:employment_create", args=[worker.pk]),
        {
            "institution": str(other.pk),
            "post": "护理员",
            "start_date": "2015-01-01",
            "end_date": "2018-12-31",
        },
    )
    assert response.status_code == 302
    past = worker.employments.get(institution=other)
    response = client.post(
        reverse("registry:employment_edit", args=[past.pk]),
        {
            "institution": str(other.pk),
            "post": "护理员",
            "start_date": "2016-01-01",
            "end_date": "2018-12-31",
        },
    )
    assert response.status_code == 302
    past.refresh_from_db()
    assert past.start_date == datetime.date(2016, 1, 1)
    current = worker.employments.get(end_date__isnull=True)
    response = client.post(
        reverse("registry:employment_end", args=[current.pk]),
        {"end_date": "2024-01-31", "end_reason": "退休"},
    )
    assert response.status_code == 302
    current.refresh_from_db()
    assert current.end_date == datetime.date(2024, 1, 31) and current.end_reason == "退休"
    worker.refresh_from_db()
    assert not worker.is_active


def test_an_overlapping_period_is_refused_beside_the_start_date(client, city, home, worker):
    client.force_login(city)
    response = client.post(
        reverse("registry:employment_create", args=[worker.pk]),
        {"institution": str(home.pk), "post": "护理员", "start_date": "2020-01-01", "end_date": "2021-01-01"},
    )
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors
    assert worker.employments.count() == 1


def test_ending_with_a_bad_date_shows_the_error(client, city, worker):
    client.force_login(city)
    current = worker.employments.get()
    response = client.post(reverse("registry:employment_end", args=[current.pk]), {"end_date": "昨天"})
    assert response.status_code == 200
    assert "日期" in response.context["form"].errors["end_date"][0]
    current.refresh_from_db()
    assert current.end_date is None


def test_a_district_admin_cannot_correct_a_period_elsewhere(client, city, district_admin, worker):
    elsewhere = factories.institution(actor=city, district_code="500105")
    past = services.employment_start(
        actor=city,
        worker=worker,
        data={
            "institution": elsewhere.pk,
            "post": "护理员",
            "start_date": "2010-01-01",
            "end_date": "2012-01-01",
        },
    )
    client.force_login(district_admin)
    body = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert reverse("registry:employment_edit", args=[past.pk]) not in body
    assert client.get(reverse("registry:employment_edit", args=[past.pk])).status_code == 404


# ---------------------------------------------------------------- read-only roles


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.WORKER])
def test_read_only_roles_see_no_edit_buttons_and_get_404_on_writes(client, city, home, worker, role):
    reader = (
        factories.user(Role.AUDITOR, district=factories.district("500103"))
        if role == Role.AUDITOR
        else factories.user(Role.WORKER, worker=worker)
    )
    client.force_login(reader)
    detail = client.get(reverse("registry:worker_detail", args=[worker.pk]))
    assert detail.status_code == 200
    body = detail.content.decode()
    assert reverse("registry:worker_edit", args=[worker.pk]) not in body
    assert reverse("registry:worker_transfer", args=[worker.pk]) not in body
    period = worker.employments.get()
    urls = [
        reverse("registry:worker_create"),
        reverse("registry:worker_edit", args=[worker.pk]),
        reverse("registry:worker_transfer", args=[worker.pk]),
        reverse("registry:employment_create", args=[worker.pk]),
        reverse("registry:employment_edit", args=[period.pk]),
        reverse("registry:employment_end", args=[period.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "x", "end_date": "2024-01-01"}).status_code == 404, url
    assert Employment.objects.get(pk=period.pk).end_date is None


def test_a_worker_sees_only_their_own_record(client, city, home, worker):
    other = factories.worker(at=home, actor=city, name="李四")
    account = factories.user(Role.WORKER, worker=worker)
    client.force_login(account)
    assert client.get(reverse("registry:worker_detail", args=[other.pk])).status_code == 404
    body = client.get(reverse("registry:worker_list")).content.decode()
    assert f"/workers/{other.pk}/" not in body


@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.INSTITUTION_ADMIN])
def test_every_page_renders_for_an_in_scope_writer(client, city, home, worker, role):
    account = {
        Role.CITY_ADMIN: lambda: city,
        Role.DISTRICT_ADMIN: lambda: factories.user(Role.DISTRICT_ADMIN, district=home.district),
        Role.INSTITUTION_ADMIN: lambda: factories.user(Role.INSTITUTION_ADMIN, institution=home),
    }[role]()
    client.force_login(account)
    period = worker.employments.get()
    for url in (
        reverse("registry:worker_list"),
        reverse("registry:worker_detail", args=[worker.pk]),
        reverse("registry:worker_create"),
        reverse("registry:worker_edit", args=[worker.pk]),
        reverse("registry:worker_transfer", args=[worker.pk]),
        reverse("registry:employment_create", args=[worker.pk]),
        reverse("registry:employment_edit", args=[period.pk]),
        reverse("registry:employment_end", args=[period.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_an_institution_admin_registers_staff_at_their_institution(client, home):
    manager = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    client.force_login(manager)
    response = client.post(reverse("registry:worker_create"), worker_post(institution=str(home.pk)))
    assert response.status_code == 302
    assert Worker.objects.get(name="李四").institution == home


def test_city_filters_offer_institutions_of_the_chosen_district_only(client, city, home):
    other = factories.institution(actor=city, district_code="500106", name="沙坪坝区康宁养老院")
    client.force_login(city)
    url = reverse("registry:worker_list")
    unfiltered = client.get(url).content.decode()
    assert home.name not in unfiltered and other.name not in unfiltered
    by_district = client.get(url, {"district": home.district_id}).content.decode()
    assert home.name in by_district and other.name not in by_district
