"""Hostile spreadsheets: limits checked before any grid is built, and parsing in a child process with a
memory limit, so that no file can stop the worker."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile

import pytest
from django.core.exceptions import ValidationError

from careforce.imports import limits
from careforce.imports.models import ImportJob, JobStatus
from careforce.imports.readers import check_upload
from tests import xlsx_parts
from tests.factories_imports import fixture_institutions, upload

pytestmark = pytest.mark.django_db

# Reads a workbook with calamine the way the importer did before the limits, in a process whose address
# space is capped so that the machine running the tests is not the one that runs out.
_READ_WITH_CALAMINE = """
import io, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1024 * 1024 * 1024,) * 2)
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
sheet = book.get_sheet_by_name(book.sheet_names[0])
for row in sheet.iter_rows():
    pass
print("read")
"""


@pytest.fixture
def places(city):
    return fixture_institutions(city)


def _message(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


def test_a_far_cell_makes_the_sheet_reader_abort_its_process():
    """The finding: a 1.5 KB workbook whose reader allocates for the whole grid and dies (SIGABRT)."""
    bomb = xlsx_parts.far_cell_bomb()
    assert len(bomb) < 2000
    done = subprocess.run(
        [sys.executable, "-c", _READ_WITH_CALAMINE], input=bomb, capture_output=True, timeout=120
    )
    assert done.returncode != 0 and b"read" not in done.stdout


def test_the_far_cell_is_refused_before_any_grid_is_built():
    with pytest.raises(ValidationError) as caught:
        limits.check_xlsx_sheets(xlsx_parts.far_cell_bomb())
    assert "16384" in _message(caught) and "1000" in _message(caught) and "列" in _message(caught)


def test_an_upload_with_a_far_cell_is_checked_and_refused_with_the_limit_named(city, places):
    job = upload(city, "far.xlsx", xlsx_parts.far_cell_bomb())
    assert job.status == JobStatus.VALIDATED and job.rows_total == 0
    assert "16384" in job.message and "列" in job.message


def test_a_far_cell_within_excel_columns_is_refused_by_the_cell_count():
    """Column 1000 and the last row: both within their own limits, but the grid is 10⁹ cells."""
    with pytest.raises(ValidationError) as caught:
        limits.check_xlsx_sheets(xlsx_parts.far_cell_bomb("ALL1048576"))
    assert "1048576" in _message(caught) and "20000000" in _message(caught)


def test_a_far_row_in_a_cell_reference_counts_even_under_a_near_row_element():
    rows = ['<row r="1">' + xlsx_parts.cell("A1", "姓名") + xlsx_parts.cell("AAA2000000", "x") + "</row>"]
    with pytest.raises(ValidationError) as caught:
        limits.check_xlsx_sheets(xlsx_parts.workbook(xlsx_parts.sheet(rows)))
    assert "2000000" in _message(caught)


def test_a_declared_dimension_beyond_the_limits_is_refused():
    data = xlsx_parts.workbook(xlsx_parts.sheet(['<row r="1"><c r="A1"/></row>'], dimension="A1:XFD5"))
    with pytest.raises(ValidationError):
        limits.check_xlsx_sheets(data)


def test_cells_without_references_count_by_their_place_in_the_row():
    wide = '<row r="1">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 1001 + "</row>"
    with pytest.raises(ValidationError) as caught:
        limits.check_xlsx_sheets(xlsx_parts.workbook(xlsx_parts.sheet([wide])))
    assert "1001" in _message(caught)
    narrow = '<row r="1">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 13 + "</row>"
    sizes = limits.check_xlsx_sheets(xlsx_parts.workbook(xlsx_parts.sheet([narrow] * 3)))
    assert sizes["xl/worksheets/sheet1.xml"].columns == 13


def test_a_shared_strings_part_with_a_bomb_ratio_is_refused_although_the_whole_file_is_not():
    """The whole workbook stays under 100:1 thanks to an incompressible part; its shared strings don't."""
    strings = b"<sst>" + b"<si><t>aaaaaaaaaaaaaaaaaaaa</t></si>" * 1_000_000 + b"</sst>"
    noise = os.urandom(600 * 1024)
    data = xlsx_parts.workbook(
        xlsx_parts.sheet(['<row r="1"><c r="A1"/></row>']),
        {"xl/sharedStrings.xml": strings, "xl/media/image1.png": noise},
        level=9,
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        assert sum(i.file_size for i in infos) < 100 * sum(i.compress_size for i in infos)
    with pytest.raises(ValidationError) as caught:
        check_upload("strings.xlsx", data)
    assert "xl/sharedStrings.xml" in _message(caught) and "100" in _message(caught)


def test_a_csv_row_with_too_many_columns_is_refused(city, places, settings):
    header = "姓名,身份证号码,学历,户籍类型,职业,来源渠道"
    data = (header + "\n" + "," * 1500 + "\n").encode()
    job = upload(city, "wide.csv", data)
    assert "1501" in job.message and "1000" in job.message


def _roster_sheet(rows: int) -> bytes:
    """A roster of realistic shape (13 inline-string cells a row, as xlsxwriter writes big files)."""
    cells = [
        ("A", "王伟"),
        ("B", "50010319820417001X"),
        ("C", "15863181386"),
        ("D", "大学本科"),
        ("E", "城镇"),
        ("F", "养老护理"),
        ("G", "养老护理员"),
        ("H", "农村转移劳动力"),
        ("I", "91500103MA5U0000XX"),
        ("J", "护理员"),
        ("K", "2015-03-01"),
        ("L", "2020-01-01"),
        ("M", "是"),
    ]
    template = "".join(f'<c r="{c}{{n}}" t="inlineStr"><is><t>{text}</t></is></c>' for c, text in cells)
    template = '<row r="{n}">' + template + "</row>"
    return xlsx_parts.sheet((template.format(n=n) for n in range(1, rows + 1)), dimension=f"A1:M{rows}")


_MEASURE = """
import resource, sys, time
from careforce.imports import limits
data = sys.stdin.buffer.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
size = limits.check_xlsx_sheets(data, limits.Limits(1000, 1048576, 20000000, 1536 * 2**20, 100))
seconds = time.perf_counter() - started
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
size = size["xl/worksheets/sheet1.xml"]
print(size.rows, size.columns, size.cells, round(seconds, 2), grown // 1024)
"""


def test_a_200000_row_roster_passes_streamed_in_bounded_memory():
    """A real roster must pass, streamed, never held unpacked (the 1,000,000-row figure: bench). Measured
    in a process of its own, so that its peak memory is the scan's."""
    sheet = _roster_sheet(200_000)
    data = xlsx_parts.workbook(sheet, level=1)
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE], input=data, capture_output=True, timeout=300, check=True
    )
    rows, columns, cells, seconds, grown_mb = done.stdout.split()
    assert (int(rows), int(columns), int(cells)) == (200_000, 13, 2_600_000)
    assert len(sheet) > 100 * 2**20 and int(grown_mb) < 100  # ~130 MB of XML, a few 8 MB pieces at a time
    assert float(seconds) < 60


# ---------------------------------------------------------------- the child process


def test_a_reader_crashing_in_the_child_fails_the_job_and_not_the_worker(city, places, settings):
    """With the limits out of the way, calamine meets the far cell in the child and aborts: the job fails
    with a message; this process (the worker, here) goes on."""
    settings.IMPORT_MAX_COLUMNS = settings.IMPORT_MAX_ROWS = settings.IMPORT_MAX_CELLS = 10**12
    settings.IMPORT_CHILD_MEMORY_BYTES = 512 * 1024 * 1024
    job = upload(city, "far.xlsx", xlsx_parts.far_cell_bomb())
    assert job.status == JobStatus.FAILED
    assert "512 MB" in job.message and "内存" in job.message
    # The area is free again and the worker imports the next file.
    assert upload(city, "roster_gbk.csv").status == JobStatus.VALIDATED


def test_without_fork_the_file_is_read_in_process(city, places, monkeypatch):
    from careforce.imports import ahead

    monkeypatch.setattr(ahead, "can_fork", lambda: False)
    assert upload(city, "roster_gbk.csv").rows_new == 2


def test_the_limits_are_settings(settings):
    settings.IMPORT_MAX_COLUMNS = 5
    narrow = xlsx_parts.workbook(xlsx_parts.sheet(['<row r="1"><c r="F1"/></row>']))
    with pytest.raises(ValidationError):
        limits.check_xlsx_sheets(narrow)
    assert not ImportJob.objects.exists()


def _xls_with_far_cell(row: int, column: int) -> bytes:
    """The fixture's xls with its first text cell moved to (row, column): BIFF allows 16-bit columns."""
    import struct

    import olefile

    from tests.factories_imports import FIXTURES

    path = FIXTURES / "roster.xls"
    with olefile.OleFileIO(str(path)) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
    position = 0
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        if kind == 0x00FD:  # LABELSST
            struct.pack_into("<HH", stream, position + 4, row, column)
            break
        position += 4 + length
    copy = io.BytesIO(path.read_bytes())
    with olefile.OleFileIO(copy, write_mode=True) as ole:
        ole.write_stream("Workbook", bytes(stream))
    return copy.getvalue()


def test_an_xls_with_a_far_cell_is_refused_before_it_is_read(city, places):
    data = _xls_with_far_cell(60_000, 16_000)
    done = subprocess.run(
        [sys.executable, "-c", _READ_WITH_CALAMINE], input=data, capture_output=True, timeout=120
    )
    assert done.returncode != 0  # the reader's grid: 60,001 × 16,001 cells
    with pytest.raises(ValidationError) as caught:
        limits.check_xls(data)
    assert "16001" in _message(caught)
    job = upload(city, "far.xls", data)
    assert job.status == JobStatus.VALIDATED and "16001" in job.message
