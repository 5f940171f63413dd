"""The labour-contract columns of the worker roster: import through the contract services, export, template."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from careforce.core.models import AuditEvent
from careforce.imports import exports
from careforce.imports.models import ImportRow, JobStatus
from careforce.incentives import services as incentives
from careforce.incentives.models import LabourContract
from careforce.registry.models import Employment, Worker
from careforce.registry.selectors import WorkerFilters
from tests import factories
from tests.factories_imports import commit, fixture_institutions, upload
from tests.fixtures.make_fixtures import YUZHONG_A, person

pytestmark = pytest.mark.django_db

HEADER = (
    "姓名,身份证号码,手机号码,学历,户籍类型,人员类别,职业,来源渠道,机构统一社会信用代码,岗位,入职日期,离职日期,"
    "是否签订劳动合同,劳动合同类型,合同起始日期,合同终止日期"
)


@pytest.fixture
def places(city):
    return fixture_institutions(city)


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def _row(n: int, name: str, contract: str = "", *, end: str = "", institution: str = YUZHONG_A) -> str:
    return (
        f"{name},{person(n)},,高中,农村,,养老护理员,其他,{institution},护理员,2024-05-01,{end},是,{contract}"
    )


def _errors(job) -> dict[int, dict]:
    return {row.number: row.errors for row in ImportRow.objects.filter(job=job, status="error")}


def _contracts(name: str) -> list[tuple]:
    return list(
        LabourContract.objects.filter(worker__name=name)
        .order_by("start_date")
        .values_list("contract_type", "start_date", "end_date", "renewal_of__start_date")
    )


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def test_it_records_new_peoples_contracts_in_officials_words_through_the_service(city, places):
    job = upload(
        city,
        "contracts.csv",
        _csv(
            _row(1, "张三", "固定期限,2024-05-01,2027-04-30"),
            _row(2, "李四", "无固定期,2024/5/1,"),
            _row(3, "王五", "派遣,2024年5月1日,2025-04-30"),
            _row(4, "赵六", "编制内,2024-05-01,"),
            _row(5, "钱七", " 非全日制用工 ,2024-05-01,2024-12-31"),
            _row(6, "孙八"),  # no contract cells: no contract
        ),
    )
    assert (job.rows_new, job.rows_error) == (6, 0), _errors(job)
    assert not LabourContract.objects.exists()  # the preview writes nothing
    commit(city, job)
    assert _contracts("张三") == [("fixed_term", _day("2024-05-01"), _day("2027-04-30"), None)]
    assert _contracts("李四") == [("open_ended", _day("2024-05-01"), None, None)]
    assert _contracts("王五") == [("agency", _day("2024-05-01"), _day("2025-04-30"), None)]
    assert _contracts("赵六") == [("public_institution", _day("2024-05-01"), None, None)]
    assert _contracts("钱七") == [("part_time", _day("2024-05-01"), _day("2024-12-31"), None)]
    assert _contracts("孙八") == []
    zhang = Worker.objects.get(name="张三")
    contract = LabourContract.objects.get(worker=zhang)
    assert contract.institution_id == places["a"].pk and contract.term_months == 36
    assert AuditEvent.objects.filter(
        object_type="incentives.labourcontract", object_id=contract.pk, worker_id=zhang.pk
    ).exists()


def test_a_later_start_renews_the_recorded_contract_and_the_same_row_again_changes_nothing(city, places):
    commit(city, upload(city, "a.csv", _csv(_row(1, "张三", "固定期限,2024-05-01,2025-04-30"))))
    renewal = _csv(_row(1, "张三", "无固定期限劳动合同,2025-05-01,"))
    job = upload(city, "b.csv", renewal)
    assert (job.rows_update, job.rows_error) == (1, 0), _errors(job)
    commit(city, job)
    assert _contracts("张三") == [
        ("fixed_term", _day("2024-05-01"), _day("2025-04-30"), None),
        ("open_ended", _day("2025-05-01"), None, _day("2024-05-01")),
    ]
    again = upload(city, "c.csv", renewal)
    assert (again.rows_unchanged, again.rows_update, again.rows_error) == (1, 0, 0), _errors(again)


def test_a_row_without_the_contract_columns_leaves_contracts_untouched(city, places):
    commit(city, upload(city, "a.csv", _csv(_row(1, "张三", "劳务派遣,2024-05-01,2026-04-30"))))
    before = _contracts("张三")
    events = AuditEvent.objects.count()
    header = HEADER.rsplit(",", 3)[0]
    job = upload(city, "b.csv", _csv(_row(1, "张三").rsplit(",", 3)[0], header=header))
    assert (job.rows_unchanged, job.rows_error) == (1, 0), _errors(job)
    job = upload(city, "c.csv", _csv(_row(1, "张三", ",,")))  # the columns there, the cells empty
    assert (job.rows_unchanged, job.rows_error) == (1, 0), _errors(job)
    assert _contracts("张三") == before and AuditEvent.objects.count() == events


def test_bad_contract_cells_are_errors_naming_the_column_and_nothing_is_saved(city, places):
    job = upload(
        city,
        "bad.csv",
        _csv(
            _row(1, "张三", "临时工,2024-05-01,2025-04-30"),
            _row(2, "李四", "固定期限,2024-05-01,"),
            _row(3, "王五", "固定期限,2024-05-01,2023-04-30"),
            _row(4, "赵六", "固定期限,去年,2025-04-30"),
            _row(5, "钱七", ",2024-05-01,2025-04-30"),
            _row(6, "孙八", "无固定期限,2024-05-01,2025-04-30"),
            _row(7, "周九", "固定期限,2024-05-01,2027-04-30"),
        ),
    )
    errors = _errors(job)
    assert set(errors) == {2, 3, 4, 5, 6, 7}
    assert list(errors[2]) == ["劳动合同类型"] and "固定期限" in errors[2]["劳动合同类型"][0]
    assert list(errors[3]) == ["合同终止日期"]
    assert list(errors[4]) == ["合同终止日期"]
    assert list(errors[5]) == ["合同起始日期"]
    assert list(errors[6]) == ["劳动合同类型"]
    assert list(errors[7]) == ["合同终止日期"]
    for row in errors.values():
        for messages in row.values():
            assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages)  # in Chinese
    assert not job.can_commit
    assert not Worker.objects.exists() and not LabourContract.objects.exists()


def test_the_same_start_with_other_terms_is_an_error_not_an_edit(city, places):
    commit(city, upload(city, "a.csv", _csv(_row(1, "张三", "固定期限,2024-05-01,2025-04-30"))))
    job = upload(city, "b.csv", _csv(_row(1, "张三", "固定期限,2024-05-01,2026-04-30")))
    assert list(_errors(job)[2]) == ["合同起始日期"]
    assert "2025-04-30" in _errors(job)[2]["合同起始日期"][0]


def test_a_contract_the_service_refuses_at_saving_rolls_the_whole_file_back(city, places, monkeypatch):
    """The service refuses the second row's contract at saving (after writing it): the row is reported
    under its contract column and nothing of the file stays — people, posts, contracts, audit."""
    factories.worker(at=places["a"], actor=city, name="张三", id_number=person(1))
    real = incentives.contract_add
    calls = []

    def refusing(**kwargs):
        calls.append(real(**kwargs))
        if len(calls) == 2:
            raise ValidationError({"end_date": "合同终止日期有误"})
        return calls[-1]

    monkeypatch.setattr(incentives, "contract_add", refusing)
    job = upload(
        city,
        "a.csv",
        _csv(
            _row(2, "李四", "固定期限,2024-05-01,2027-04-30"),
            _row(1, "张三", "固定期限,2024-05-01,2027-04-30", end="2024-12-31"),
        ),
    )
    assert job.can_commit, _errors(job)
    before = (Worker.objects.count(), Employment.objects.count(), AuditEvent.objects.count())
    job = commit(city, job)
    assert len(calls) == 2 and job.status != JobStatus.COMMITTED
    assert _errors(job) == {3: {"合同终止日期": ["合同终止日期有误"]}} or "合同终止日期有误" in job.message
    assert (Worker.objects.count(), Employment.objects.count(), AuditEvent.objects.count()) == before
    assert not LabourContract.objects.exists()
    assert Employment.objects.get(worker__name="张三").end_date is None


def test_the_export_carries_the_current_contract_and_reads_back_as_no_change(city, places):
    commit(
        city,
        upload(
            city,
            "a.csv",
            _csv(_row(1, "张三", "固定期限,2020-05-01,2021-04-30"), _row(2, "李四")),
        ),
    )
    zhang = Worker.objects.get(name="张三")
    old = LabourContract.objects.get(worker=zhang)
    incentives.contract_renew(
        actor=city, contract=old, data={"contract_type": "open_ended", "start_date": "2021-05-01"}
    )
    out = io.BytesIO()
    assert exports.export_workers(actor=city, filters=WorkerFilters(), out=out) == 2
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    headers = rows[0]
    by_name = {row[0]: dict(zip(headers, row, strict=True)) for row in rows[1:]}
    assert [by_name["张三"][h] for h in ("劳动合同类型", "合同起始日期", "合同终止日期")] == [
        "无固定期限",
        "2021-05-01",
        None,
    ]
    assert by_name["李四"]["劳动合同类型"] is None
    job = upload(city, "export.xlsx", out.getvalue())
    assert (job.rows_unchanged, job.rows_error, job.rows_update) == (2, 0, 0), _errors(job)


def test_the_template_has_the_contract_columns_and_its_example_row_passes(city, places):
    from careforce.imports.engine import get_sheet

    spec = get_sheet("workers")
    headers = [c.header for c in spec.columns if c.in_template]
    assert headers[-3:] == ["劳动合同类型", "合同起始日期", "合同终止日期"]
    example = spec.example_rows(city)[0]
    line = ",".join(str(v) for v in example)
    job = upload(city, "example.csv", _csv(line))
    assert (job.rows_new, job.rows_error) == (1, 0), _errors(job)
