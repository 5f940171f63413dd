"""Training records and certificates through the importer (careforce.imports), via the services."""

import pytest

from careforce.imports import services as imports
from careforce.skills.models import Certificate
from careforce.training.models import EnrolmentStatus
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db


def _run(actor, sheet: str, text: str):
    job = imports.import_upload(actor=actor, sheet=sheet, file_name="t.csv", data=text.encode("utf-8-sig"))
    job.refresh_from_db()
    return job


def test_it_imports_completions_and_reports_bad_rows(city, home):
    worker = factories.worker(at=home, actor=city, name="张三")
    session = ft.session()
    number = worker.reveal_id_number()
    bad = _run(
        city,
        "training_records",
        f"身份证号码,姓名,培训班编号,结业日期,学时\n{number},李四,{session.pk},2025-03-03,8\n",
    )
    assert bad.rows_error == 1 and not bad.can_commit
    job = _run(
        city,
        "training_records",
        f"身份证号码,姓名,培训班编号,结业日期,学时,考核结果\n{number},张三,{session.pk},2025-03-03,8,合格\n",
    )
    assert job.rows_new == 1 and job.can_commit, job.message
    imports.import_commit(actor=city, job=job)
    enrolment = session.enrolments.get(worker=worker)
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.hours == 8


def test_it_imports_certificates_within_the_issuers_range(city, home):
    worker = factories.worker(at=home, actor=city, name="张三")
    body = ft.evaluation_body()
    number = worker.reveal_id_number()
    header = "证书编号,身份证号码,姓名,职业,等级,评价机构,发证日期\n"
    bad = _run(
        city,
        "certificates",
        header + f"Z1,{number},张三,养老护理员,高级技师,{body.registration_number},2024-01-01\n",
    )
    assert bad.rows_error == 1
    job = _run(
        city,
        "certificates",
        header + f"Z2,{number},张三,养老护理员,初级工,{body.registration_number},2024-01-01\n",
    )
    assert job.rows_new == 1, job.message
    imports.import_commit(actor=city, job=job)
    assert Certificate.objects.get(number="Z2").worker == worker
