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
    account = ft.body_account(body)  # each body imports the certificates it issued
    number = worker.reveal_id_number()
    header = "证书编号,身份证号码,姓名,职业,等级,评价机构,发证日期\n"
    bad = _run(
        account,
        "certificates",
        header + f"Z1,{number},张三,养老护理员,高级技师,{body.registration_number},2024-01-01\n",
    )
    assert bad.rows_error == 1
    job = _run(
        account,
        "certificates",
        header
        + f"Z2,{number},张三,养老护理员,初级工,{body.registration_number},2024-01-01\n"
        + f"Z3,{number},张三,养老护理员,中级工,,2024-02-01\n",
    )
    assert job.rows_new == 2, job.message
    imports.import_commit(actor=account, job=job)
    assert Certificate.objects.get(number="Z2").worker == worker
    assert Certificate.objects.get(number="Z3").issuer == body  # an empty issuer: the body's own


def test_the_certificates_sheet_checks_a_batch_in_a_fixed_number_of_queries(city, home):
    """Holders, issuers (by registration number, credit code or name) with their ranges, occupations, levels
    and the numbers already recorded are read once per batch, not once per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from careforce.core.scope import scope_of
    from careforce.imports.sheets import ImportContext, Row, RowStatus, get_sheet

    bodies = [ft.evaluation_body(), ft.evaluation_body()]
    sheet = get_sheet("certificates")

    def classify(size: int) -> tuple[int, list[Row]]:
        workers = [factories.worker(at=home, actor=city, name="张三") for _ in range(size)]
        recorded = ft.certificate(workers[0], issuer=bodies[0])  # re-imported: no change
        rows = []
        for i, worker in enumerate(workers):
            issuer = (bodies[0].registration_number, bodies[1].uscc, bodies[1].name)[i % 3]
            values = {
                "number": recorded.number if i == 0 else f"Q{size:03d}{i:05d}",
                "id_number": worker.reveal_id_number(),
                "name": "张三",
                "occupation": ("养老护理员", "care_worker")[i % 2],
                "level": ("初级工", "中级工", "高级技师")[i % 3] if i != 4 else "首席技师",
                "issuer": issuer,
                "issued_on": "2024-01-01",
            }
            rows.append(Row(number=i + 2, values=values))
        ctx = ImportContext(actor=city, scope=scope_of(city))
        for row in rows:
            row.key = sheet.identify(row, ctx)
        with CaptureQueriesContext(connection) as queries:
            sheet.classify(rows, ctx)
        return len(queries), rows

    small, rows = classify(6)
    large, more = classify(60)
    assert small == large, (small, large)
    for batch in (rows, more):
        assert batch[0].status == RowStatus.UNCHANGED
        assert batch[1].status == RowStatus.NEW and batch[3].status == RowStatus.NEW, batch[1].errors
        assert batch[2].status == RowStatus.ERROR and "level" in batch[2].errors  # 高级技师: out of range
        assert batch[4].status == RowStatus.ERROR and "level" in batch[4].errors  # 首席技师: not certified


def test_a_training_record_brings_back_a_withdrawn_worker(city, home):
    from careforce.training import services

    worker = factories.worker(at=home, actor=city, name="张三")
    session = ft.session()
    (enrolment,) = services.enrolments_create(actor=city, session=session, workers=[worker])
    services.enrolment_withdraw(actor=city, enrolment=enrolment)
    job = _run(
        city,
        "training_records",
        f"身份证号码,姓名,培训班编号,结业日期,学时\n{worker.reveal_id_number()},张三,{session.pk},2025-03-03,8\n",
    )
    assert job.rows_update == 1 and job.can_commit, job.message
    imports.import_commit(actor=city, job=job)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.hours) == (EnrolmentStatus.COMPLETED, 8)
