"""A training base imports the results (attendance and completions) of the sessions held at it, and only
those: a session elsewhere, or a worker outside the session's course area, answers as if it did not exist."""

import pytest
from django.urls import reverse

from careforce.core.models import Role
from careforce.imports import selectors as import_selectors
from careforce.imports import services as imports
from careforce.training.models import Enrolment, EnrolmentStatus
from tests import factories
from tests import factories_training as ft
from tests.scope.common import training_base

pytestmark = pytest.mark.django_db

HEADER = "身份证号码,姓名,培训班编号,结业日期,学时,考核结果\n"


def _run(actor, text: str):
    job = imports.import_upload(
        actor=actor, sheet="training_records", file_name="结业.csv", data=text.encode("utf-8-sig")
    )
    job.refresh_from_db()
    return job


@pytest.fixture
def world(city, home):
    own, other = training_base(city, "500103"), training_base(city, "500105")
    account = factories.user(Role.TRAINING_BASE, training_base=own)
    # A Yuzhong district course held at the base: its area is Yuzhong's workers.
    official = factories.user(Role.DISTRICT_ADMIN, district=home.district)
    course = ft.course(actor=official, tier="district", title="渝中区在岗轮训", kind="in_service")
    mine = ft.session(course=course, actor=official, base=own.pk)
    elsewhere = ft.session(course=ft.course(actor=city), actor=city, base=other.pk)
    return {"account": account, "mine": mine, "elsewhere": elsewhere, "other_base": other}


def test_a_base_imports_completions_for_its_own_session(city, home, world):
    worker = factories.worker(at=home, actor=city, name="张三")
    number = worker.reveal_id_number()
    job = _run(world["account"], HEADER + f"{number},张三,{world['mine'].pk},2025-03-03,8,合格\n")
    assert job.rows_new == 1 and job.can_commit, job.message
    imports.import_commit(actor=world["account"], job=job)
    enrolment = Enrolment.objects.get(session=world["mine"], worker=worker)
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.hours == 8
    # The job is the base's, seen from another account of the same base, not from another base's.
    colleague = factories.user(Role.TRAINING_BASE, training_base=world["mine"].base)
    assert import_selectors.jobs_visible_to(colleague).filter(pk=job.pk).exists()
    stranger = factories.user(Role.TRAINING_BASE, training_base=world["other_base"])
    assert not import_selectors.jobs_visible_to(stranger).filter(pk=job.pk).exists()


def test_rows_outside_the_base_answer_as_if_nothing_were_there(city, home, world):
    worker = factories.worker(at=home, actor=city, name="张三")
    jiangbei = factories.institution(actor=city, district_code="500105")
    outsider = factories.worker(at=jiangbei, actor=city, name="李四")
    rows = (
        f"{worker.reveal_id_number()},张三,{world['elsewhere'].pk},2025-03-03,8,合格\n"  # another base's
        f"{worker.reveal_id_number()},张三,999999,2025-03-03,8,合格\n"  # no such session
        f"{outsider.reveal_id_number()},李四,{world['mine'].pk},2025-03-03,8,合格\n"  # outside the course area
    )
    job = _run(world["account"], HEADER + rows)
    assert job.rows_error == 3 and not job.can_commit
    first, second, third = [row.errors for row in import_selectors.job_rows(job)]
    assert first == second  # another base's session reads like one that does not exist
    assert list(first) == ["培训班编号"] and list(third) == [
        "身份证号码"
    ]  # errors are keyed by column header
    assert not Enrolment.objects.filter(session__in=[world["mine"], world["elsewhere"]]).exists()


def test_the_base_finds_the_import_in_its_menu_and_only_its_own_sheet(client, world):
    client.force_login(world["account"])
    page = client.get(reverse("imports:job_list")).content.decode()
    assert reverse("imports:template", args=["training_records"]) in page
    assert reverse("imports:template", args=["workers"]) not in page
    assert client.get(reverse("imports:template", args=["certificates"])).status_code == 404
