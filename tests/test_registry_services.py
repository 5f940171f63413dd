import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from careforce.core import audit
from careforce.core.models import AuditEvent, PiiAccess, Role
from careforce.registry import services
from careforce.registry.models import Employment, Worker
from careforce.registry.selectors import worker_years_of_service
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_registers_a_worker_with_derived_identity(city, home):
    number = factories.new_id_number(birth=datetime.date(1975, 6, 15))
    noisy = (
        " " + number[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + number[17].lower()
    )
    worker = factories.worker(at=home, actor=city, name="张 三", id_number=noisy)
    worker.refresh_from_db()
    assert worker.name == "张三"
    assert worker.birth_date == datetime.date(1975, 6, 15)
    assert worker.gender == ("M" if int(number[16]) % 2 else "F")
    assert worker.id_number_masked == number[:6] + "************"
    assert number.encode() not in bytes(worker.id_number_encrypted)
    assert worker.reveal_id_number() == number
    assert (worker.name_pinyin, worker.name_initials) == ("zhangsan", "zs")
    assert worker.institution == home and worker.district == home.district and worker.is_active
    assert AuditEvent.objects.filter(worker_id=worker.pk, action="create").count() == 2


def test_the_creation_events_read_like_the_record_on_its_page(city, home):
    """The bulk path writes audit rows without model instances; they must say what a snapshot would."""
    worker = factories.worker(at=home, actor=city, name="李四", phone="13812345678")
    employment = worker.employments.get()
    created = {e.object_type: e for e in AuditEvent.objects.filter(worker_id=worker.pk, action="create")}
    assert created["registry.worker"].object_id == worker.pk
    assert created["registry.worker"].object_repr == "李四"
    assert created["registry.worker"].actor_id == city.pk
    assert created["registry.worker"].institution_id == home.pk
    expected = {
        name: [None, value]
        for name, value in audit.snapshot(worker, services.AUDITED_WORKER_FIELDS).items()
        if value is not None
    }
    assert created["registry.worker"].changes == expected
    assert expected["occupation"] == [None, worker.occupation.name]
    assert expected["phone_masked"] == [None, "138******78"]
    assert created["registry.employment"].object_id == employment.pk
    assert created["registry.employment"].changes == {
        name: [None, value]
        for name, value in audit.snapshot(employment, services.AUDITED_EMPLOYMENT_FIELDS).items()
        if value is not None
    }
    assert created["registry.employment"].object_repr == str(employment)


def test_it_refuses_a_second_record_for_the_same_person(city, home):
    worker = factories.worker(at=home, actor=city)
    with pytest.raises(ValidationError) as exc:
        factories.worker(at=home, actor=city, id_number=worker.reveal_id_number().lower())
    assert "id_number" in exc.value.message_dict
    assert Worker.objects.count() == 1


def test_it_reports_a_gender_that_contradicts_the_id(city, home):
    number = factories.new_id_number()
    wrong = "女" if int(number[16]) % 2 else "男"
    with pytest.raises(ValidationError) as exc:
        factories.worker(at=home, actor=city, id_number=number, gender=wrong)
    assert "gender" in exc.value.message_dict


def test_it_rejects_an_occupation_outside_the_team(city, home):
    with pytest.raises(ValidationError) as exc:
        factories.worker(at=home, actor=city, team="support")
    assert "occupation" in exc.value.message_dict


def test_a_transfer_closes_the_old_post_and_opens_the_new_on_one_record(city, home):
    worker = factories.worker(at=home, actor=city, start=datetime.date(2019, 1, 1))
    other = factories.institution(actor=city, district_code="500105")
    services.worker_transfer(
        actor=city,
        worker=worker,
        data={
            "institution": other.pk,
            "post": "护理组长",
            "start_date": "2023年7月1日",
            "has_labour_contract": "是",
        },
    )
    worker.refresh_from_db()
    old, new = worker.employments.order_by("start_date")
    assert old.end_date == datetime.date(2023, 6, 30)
    assert new.end_date is None and new.institution == other
    assert worker.institution == other and worker.district == other.district
    assert Worker.objects.count() == 1


def test_one_current_full_time_post_unless_part_time(city, home):
    worker = factories.worker(at=home, actor=city)
    other = factories.institution(actor=city)
    with pytest.raises(ValidationError):
        services.employment_start(
            actor=city,
            worker=worker,
            data={"institution": other.pk, "post": "护理员", "start_date": "2024-01-01"},
        )
    services.employment_start(
        actor=city,
        worker=worker,
        data={"institution": other.pk, "post": "护理员", "start_date": "2024-01-01", "is_part_time": "Y"},
    )
    assert Employment.objects.filter(worker=worker, end_date__isnull=True).count() == 2


def test_years_of_service_count_overlaps_once(city, home):
    worker = factories.worker(at=home, actor=city, start=datetime.date(2010, 1, 1))
    emp = worker.employments.get()
    services.employment_end(actor=city, employment=emp, end_date="2014-12-31")
    other = factories.institution(actor=city)
    services.employment_start(
        actor=city,
        worker=worker,
        data={
            "institution": other.pk,
            "post": "护理员",
            "start_date": "2012-01-01",
            "end_date": "2015-12-31",
            "is_part_time": True,
        },
    )
    assert worker_years_of_service(worker) == 6.0


def test_an_institution_admin_cannot_record_staff_elsewhere(city, home):
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    other = factories.institution(actor=city)
    with pytest.raises(ValidationError) as exc:
        factories.worker(at=other, actor=admin)
    assert "institution" in exc.value.message_dict


def test_unmasking_needs_the_permission_and_a_reason_and_is_logged(city, home):
    worker = factories.worker(at=home, actor=city)
    clerk = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    with pytest.raises(Http404):
        services.pii_reveal(actor=clerk, worker=worker, field="id_number", reason="核对")
    with pytest.raises(ValidationError):
        services.pii_reveal(actor=city, worker=worker, field="id_number", reason=" ")
    value = services.pii_reveal(actor=city, worker=worker, field="phone", reason="电话回访")
    assert value == worker.reveal_phone() and len(value) == 11
    assert PiiAccess.objects.get().reason == "电话回访"


def test_a_failed_batch_writes_nothing(city, home):
    good = services.Registration(
        data={
            "name": "李四",
            "id_number": factories.new_id_number(),
            "education": "college",
            "hukou_type": "城镇户口",
            "source_channel": "rural_migrant",
            "team": "care",
            "occupation": "养老护理员",
        },
        employments=[{"institution": home.uscc, "post": "护理员", "start_date": "2024/5/1"}],
    )
    number = good.data["id_number"]
    wrong_check = number[:17] + ("1" if number[17] != "1" else "2")
    bad = services.Registration(data={**good.data, "id_number": wrong_check}, employments=good.employments)
    with pytest.raises(services.BulkValidationError) as exc:
        services.workers_register(actor=city, registrations=[good, bad])
    assert list(exc.value.by_index) == [1]
    assert (
        Worker.objects.count() == 0 and AuditEvent.objects.filter(object_type="registry.worker").count() == 0
    )


def test_control_characters_never_reach_the_database(city, home):
    worker = factories.worker(at=home, actor=city, name="王\x00五\x07")
    assert worker.name == "王五"
