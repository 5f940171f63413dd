"""Evaluations and complaints through the importer (careforce.imports), via the conduct services."""

import pytest

from careforce.conduct.models import Complaint, Evaluation
from careforce.credit.models import CreditScore
from careforce.imports import services as imports
from tests import factories

pytestmark = pytest.mark.django_db

SCORES = "服务态度,专业技能,守时守约,沟通交流,清洁卫生"


def _run(actor, sheet: str, text: str):
    job = imports.import_upload(actor=actor, sheet=sheet, file_name="t.csv", data=text.encode("utf-8-sig"))
    job.refresh_from_db()
    return job


def test_it_imports_evaluations_and_reports_bad_rows(city, home):
    worker = factories.worker(at=home, actor=city, name="张三")
    number = worker.reveal_id_number()
    bad = _run(
        city, "evaluations", f"身份证号码,评价人,评价日期,{SCORES}\n{number},家属,2026-05-01,5,5,7,5,5\n"
    )
    assert bad.rows_error == 1 and not bad.can_commit
    job = _run(
        city, "evaluations", f"身份证号码,评价人,评价日期,{SCORES}\n{number},家属,2026-05-01,5,4,5,5,5\n"
    )
    assert job.rows_new == 1 and job.can_commit, job.message
    imports.import_commit(actor=city, job=job)
    evaluation = Evaluation.objects.get()
    assert evaluation.source == "import" and float(evaluation.average) == 4.8
    assert CreditScore.objects.get(worker=worker).evaluation_count == 1


def test_it_imports_complaints(city, home):
    worker = factories.worker(at=home, actor=city, name="张三")
    header = "投诉渠道,被投诉人身份证号码,被投诉机构统一社会信用代码,收到日期,投诉内容\n"
    bad = _run(city, "complaints", header + "信鸽,,,2026-05-01,无主体\n")
    assert bad.rows_error == 1
    job = _run(
        city, "complaints", header + f"信访,{worker.reveal_id_number()},{home.uscc},2026-05-01,态度差\n"
    )
    assert job.rows_new == 1, job.message
    imports.import_commit(actor=city, job=job)
    complaint = Complaint.objects.get()
    assert (
        complaint.worker == worker
        and complaint.institution == home
        and complaint.channel.code == "letters_visits"
    )
