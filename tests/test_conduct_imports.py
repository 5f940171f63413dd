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


def test_a_sheet_of_candidate_numbers_is_limited_like_the_search(city, home, settings):
    """A sheet matched by full ID number says row by row who is in the area: each number finding nobody counts
    against the lookup limit and is logged; beyond the limit no row of the sheet says anything."""
    from stdnum.cn import ric

    from careforce.core.models import AccessKind, RecordAccess

    settings.LOOKUP_RATE = "3/h"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    worker = factories.worker(at=home, actor=city, name="张三")
    number = worker.reveal_id_number()
    # Candidates sharing the person's region and birth date, the right one last.
    candidates = []
    for seq in range(100, 200):
        body = number[:14] + f"{seq:03d}"
        candidate = body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18
        if candidate != number:
            candidates.append(candidate)
    header = f"身份证号码,评价人,评价日期,{SCORES}\n"

    def sheet(numbers):
        return header + "".join(f"{n},家属,2026-05-01,5,5,5,5,5\n" for n in numbers)

    first = _run(city, "evaluations", sheet(candidates[:2]))
    assert first.rows_error == 2, [
        r.errors for r in first.rows.all()
    ]  # two numbers of nobody: counted, logged
    assert RecordAccess.objects.filter(actor=city, kind=AccessKind.LOOKUP_ID, result_count=0).count() == 2, [
        r.errors for r in first.rows.all()
    ]
    guessing = _run(city, "evaluations", sheet([*candidates[2:6], number]))
    assert guessing.rows_error == 5 and guessing.rows_new == 0  # the right number is not told apart
    errors = [str(row.errors) for row in guessing.rows.all()]
    assert len(errors) == 5 and all("查询的次数过多" in e for e in errors), errors
