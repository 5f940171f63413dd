"""The importer end to end through its services, on the real files in tests/fixtures."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404

from careforce.core.models import AuditEvent, District, PiiAccess, Role
from careforce.imports import engine, exports, services
from careforce.imports.models import ExportLog, ImportJob, ImportRow, JobStatus
from careforce.imports.readers import check_upload, estimate_rows, open_rows
from careforce.registry import services as registry
from careforce.registry.models import Employment, Worker
from careforce.registry.selectors import WorkerFilters
from tests import factories
from tests.factories_imports import FIXTURES, commit, fixture_institutions, upload
from tests.fixtures.make_fixtures import YUZHONG_A, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(city):
    return fixture_institutions(city)


def _errors(job: ImportJob) -> dict[int, dict]:
    return {row.number: row.errors for row in ImportRow.objects.filter(job=job, status="error")}


def _snapshot() -> tuple:
    return (
        sorted(Worker.objects.values_list("id", "name", "education", "institution_id", "is_active")),
        sorted(Employment.objects.values_list("id", "worker_id", "institution_id", "post", "end_date")),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(
    "name, count",
    [("roster_utf8_bom.csv", 4), ("roster_gbk.csv", 2), ("roster.xls", 2), ("roster_dates.xlsx", 2)],
)
def test_it_reads_every_format_and_saves_all_rows(city, places, name, count):
    job = upload(city, name)
    assert (job.status, job.rows_new, job.rows_error, job.message) == (JobStatus.VALIDATED, count, 0, "")
    assert Worker.objects.count() == 0  # the preview writes nothing
    job = commit(city, job)
    assert job.status == JobStatus.COMMITTED
    assert Worker.objects.count() == count


def _without_dimension(xlsx: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension [^>]*/>", b"", data)
            target.writestr(entry, data)
    return out.getvalue()


@pytest.mark.parametrize("name", ["roster_utf8_bom.csv", "roster_gbk.csv", "roster.xls", "roster_dates.xlsx"])
def test_the_row_estimate_never_counts_fewer_rows_than_there_are(name):
    """Whether a helper process reads the file is decided on it, before the sheet is decoded."""
    data = (FIXTURES / name).read_bytes()
    opened = open_rows(name, data)
    rows = sum(1 for _ in opened.rows)
    variants = [data, _without_dimension(data)] if opened.format == "xlsx" else [data]
    for variant in variants:
        assert rows <= estimate_rows(opened.format, variant) <= rows + 200
    if opened.format == "xlsx":
        assert estimate_rows("xlsx", data) == rows  # read from the sheet's <dimension>
        assert estimate_rows("xlsx", _damaged_sheet(data)) >= 1  # by size; opening it then reports it
    assert estimate_rows("xlsx", b"PK\x03\x04 not a zip") == 0


def _damaged_sheet(xlsx: bytes) -> bytes:
    """The workbook with the compressed bytes of its first sheet overwritten (the zip directory intact)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        entry = next(e for e in archive.infolist() if e.filename.startswith("xl/worksheets/"))
    damaged = bytearray(xlsx)
    # the local header: 30 bytes, then the name and the extra field, then the data
    name_length = int.from_bytes(damaged[entry.header_offset + 26 : entry.header_offset + 28], "little")
    extra_length = int.from_bytes(damaged[entry.header_offset + 28 : entry.header_offset + 30], "little")
    start = entry.header_offset + 30 + name_length + extra_length
    damaged[start : start + entry.compress_size] = b"\xff" * entry.compress_size
    return bytes(damaged)


def test_it_detects_gbk_without_being_told(city, places):
    data = (FIXTURES / "roster_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    commit(city, upload(city, "roster_gbk.csv"))
    assert set(Worker.objects.values_list("name", flat=True)) == {"钱十一", "冯十二"}


def test_it_normalises_noise_and_reads_dates_in_every_form(city, places):
    commit(city, upload(city, "roster_utf8_bom.csv"))
    li = Worker.objects.get(name="李四")
    assert li.id_number_masked == person(2)[:6] + "************"
    assert li.phone_masked == "139******78"
    assert li.team == "professional"
    starts = dict(Employment.objects.values_list("worker__name", "start_date"))
    assert {str(day) for name, day in starts.items() if name != "赵六"} == {"2024-05-01"}
    zhao = Employment.objects.get(worker__name="赵六")
    assert (str(zhao.start_date), str(zhao.end_date)) == ("2023-03-15", "2024-01-31")
    assert Employment.objects.get(worker__name="王五").has_labour_contract is False
    assert Employment.objects.get(worker__name="李四").has_labour_contract is True


def test_it_reads_excel_dates_and_serials_and_reports_unknown_columns(city, places):
    job = upload(city, "roster_dates.xlsx")
    assert job.unknown_headers == ["备注"]
    commit(city, job)
    starts = dict(Employment.objects.values_list("worker__name", "start_date"))
    assert (str(starts["孙七"]), str(starts["周八"])) == ("2022-07-01", "2024-05-01")
    assert Worker.objects.get(name="周八").phone_masked == "186******78"


def test_it_refuses_a_zip_bomb_before_decompressing(city):
    data = (FIXTURES / "zip_bomb.xlsx").read_bytes()
    assert len(data) < 1024 * 1024
    with pytest.raises(ValidationError) as caught:
        services.import_upload(actor=city, sheet="workers", file_name="zip_bomb.xlsx", data=data)
    assert "压缩炸弹" in caught.value.messages[0]
    assert not ImportJob.objects.exists()


def test_it_refuses_xml_with_entities(city):
    with pytest.raises(ValidationError):
        check_upload("entity_bomb.xlsx", (FIXTURES / "entity_bomb.xlsx").read_bytes())


def test_it_refuses_files_over_the_size_limit(city, settings, monkeypatch):
    monkeypatch.setattr("careforce.imports.readers.MAX_UPLOAD_BYTES", 100)
    with pytest.raises(ValidationError):
        services.import_upload(actor=city, sheet="workers", file_name="big.csv", data=b"x" * 101)


def test_it_names_both_rows_of_a_duplicate(city, places):
    job = upload(city, "duplicate_in_file.csv")
    assert job.rows_error == 1
    assert _errors(job) == {4: {"身份证号码": ["第 2 行与第 4 行是同一条记录，请只保留其中一行。"]}}
    assert not job.can_commit


def test_it_reports_a_contradiction_with_the_registry_naming_the_record(city, places):
    worker = factories.worker(at=places["a"], actor=city, name="赵大", id_number=person(1))
    job = upload(city, "roster_utf8_bom.csv")
    message = _errors(job)[2]["姓名"][0]
    assert "赵大" in message and str(worker.pk) in message


def test_a_district_administrator_imports_only_into_its_district(places):
    official = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))
    job = upload(official, "scope_violation.csv")
    errors = _errors(job)
    assert list(errors) == [3]
    assert "机构统一社会信用代码" in errors[3]
    assert job.rows_new == 1 and not job.can_commit


def test_an_institution_administrator_imports_only_into_its_institution(places):
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=places["a"])
    job = upload(admin, "roster_utf8_bom.csv")
    assert sorted(_errors(job)) == [4, 5]  # the rows at 乙养老院
    assert job.rows_new == 2


def test_read_only_roles_cannot_import(places):
    auditor = factories.user(Role.AUDITOR)
    with pytest.raises(Http404):
        upload(auditor, "roster_gbk.csv")


def test_uploading_the_same_file_again_changes_nothing(city, places):
    commit(city, upload(city, "roster_utf8_bom.csv"))
    before = _snapshot()
    again = upload(city, "roster_utf8_bom.csv")
    assert (again.rows_new, again.rows_update, again.rows_unchanged, again.rows_error) == (0, 0, 4, 0)
    assert not again.can_commit  # nothing to save
    assert _snapshot() == before


def test_an_export_uploaded_again_round_trips_as_no_change(city, places):
    commit(city, upload(city, "roster_utf8_bom.csv"))
    out = io.BytesIO()
    assert exports.export_workers(actor=city, filters=WorkerFilters(), out=out) == 4
    before = _snapshot()
    job = upload(city, "export.xlsx", out.getvalue())
    assert (job.rows_unchanged, job.rows_error, job.rows_new, job.rows_update) == (4, 0, 0, 0), _errors(job)
    assert _snapshot() == before


def test_an_edited_export_updates_through_the_services(city, places):
    commit(city, upload(city, "roster_utf8_bom.csv"))
    out = io.BytesIO()
    exports.export_workers(actor=city, filters=WorkerFilters(q="张三"), out=out)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=headers.index("学历") + 1, value="大学本科")
    sheet.cell(row=2, column=headers.index("离职日期") + 1, value="2025-01-31")
    edited = io.BytesIO()
    book.save(edited)
    job = upload(city, "edited.xlsx", edited.getvalue())
    assert job.rows_update == 1, _errors(job)
    commit(city, job)
    zhang = Worker.objects.get(name="张三")
    assert zhang.education == "bachelor" and not zhang.is_active
    assert str(zhang.employments.get().end_date) == "2025-01-31"
    assert AuditEvent.objects.filter(worker_id=zhang.pk, action="update").exists()


def test_a_failure_in_the_middle_of_the_commit_leaves_the_database_as_it_was(city, places, monkeypatch):
    factories.worker(at=places["a"], actor=city, name="张三", id_number=person(1), education="junior_high")
    job = upload(city, "roster_utf8_bom.csv")
    assert (job.rows_new, job.rows_update) == (3, 1)
    before = _snapshot()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(registry, "worker_update", broken)  # runs after the new rows were written
    commit(city, job)  # the task fails (the tasks backend records the exception)
    assert _snapshot() == before
    assert ImportJob.objects.get(pk=job.pk).status == JobStatus.FAILED


def test_the_commit_checks_again_and_saves_nothing_when_a_row_went_wrong_meanwhile(city, places):
    job = upload(city, "roster_gbk.csv")
    factories.worker(at=places["a"], actor=city, name="别人", id_number=person(12))
    before = _snapshot()
    job = commit(city, job)
    assert job.status == JobStatus.VALIDATED and job.rows_error == 1 and job.message
    assert _snapshot() == before


def test_one_import_at_a_time_per_scope(city, places):
    busy = upload(city, "roster_gbk.csv")
    ImportJob.objects.filter(pk=busy.pk).update(status=JobStatus.VALIDATING)
    with pytest.raises(ValidationError) as caught:
        upload(city, "roster.xls")
    assert "另有导入正在进行" in caught.value.messages[0]
    official = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))
    assert upload(official, "roster.xls").status == JobStatus.VALIDATED  # another scope is free


def test_the_error_report_has_the_original_rows_and_an_error_column(city, places):
    job = upload(city, "with_error.csv")
    book = openpyxl.load_workbook(engine.error_report(job))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][-1] == "错误说明"
    assert rows[1][0] == "卫一" and rows[1][-1] is None
    assert rows[2][0] == "卫二" and "身份证号码" in rows[2][-1]


def test_exports_escape_formulas(city, places):
    commit(city, upload(city, "formula_injection.csv"))
    out = io.BytesIO()
    exports.export_workers(actor=city, filters=WorkerFilters(), out=out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    cells = [
        c
        for row in openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True)
        for c in row
    ]
    assert '\'=HYPERLINK("http://evil","x")' in cells and "'+蒋二" in cells
    assert "'@SUM(1+1)" in cells and "'-护理员" in cells


def test_exports_are_masked_and_logged(city, places):
    commit(city, upload(city, "roster_gbk.csv"))
    official = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))
    out = io.BytesIO()
    exports.export_workers(actor=official, filters=WorkerFilters(), out=out)
    cells = [
        c
        for row in openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True)
        for c in row
    ]
    assert person(11) not in cells and any(str(c).startswith("500103********") for c in cells)
    log = ExportLog.objects.get()
    assert (log.actor, log.row_count, log.unmasked) == (official, 2, False)
    assert not PiiAccess.objects.exists()


def test_an_unmasked_export_needs_the_permission_and_a_reason_and_logs_each_person(city, places):
    commit(city, upload(city, "roster_gbk.csv"))
    institution_admin = factories.user(Role.INSTITUTION_ADMIN, institution=places["a"])
    with pytest.raises(Http404):
        exports.export_workers(
            actor=institution_admin, filters=WorkerFilters(), out=io.BytesIO(), unmask_reason="核对"
        )
    with pytest.raises(ValidationError):
        exports.export_workers(actor=city, filters=WorkerFilters(), out=io.BytesIO(), unmask_reason=" ")
    out = io.BytesIO()
    exports.export_workers(actor=city, filters=WorkerFilters(), out=out, unmask_reason="核对社保")
    cells = [
        c
        for row in openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True)
        for c in row
    ]
    assert person(11) in cells
    assert PiiAccess.objects.filter(actor=city, reason="核对社保").count() == 4  # 2 people × ID and phone
    assert ExportLog.objects.get().unmasked


def test_an_unmasked_export_uploaded_again_is_no_change(city, places):
    commit(city, upload(city, "roster_gbk.csv"))
    out = io.BytesIO()
    exports.export_workers(actor=city, filters=WorkerFilters(), out=out, unmask_reason="核对社保")
    job = upload(city, "full.xlsx", out.getvalue())
    assert (job.rows_unchanged, job.rows_error) == (2, 0)


def test_institutions_export(city, places):
    out = io.BytesIO()
    assert exports.export_institutions(actor=city, filters={"district": None}, out=out) == 3
    rows = list(openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("机构名称", "统一社会信用代码")
    assert YUZHONG_A in [r[1] for r in rows]


def test_the_command_line_import_checks_and_commits_with_a_progress_bar(city, places, capsys):
    from django.core.management import call_command

    call_command("import", str(FIXTURES / "roster_gbk.csv"), "--as", city.username, "--commit")
    captured = capsys.readouterr()
    assert "rows/s" in captured.err and "new 2" in captured.out
    assert Worker.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's column compression")
def test_uploaded_files_are_compressed_with_lz4_where_the_server_has_it():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
        )
        has_lz4 = cursor.fetchone() is not None
        cursor.execute(
            "SELECT attcompression FROM pg_attribute "
            "WHERE attrelid = 'imports_importfile'::regclass AND attname = 'data'"
        )
        assert cursor.fetchone()[0] == ("l" if has_lz4 else "")
