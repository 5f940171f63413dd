"""Opening uploaded spreadsheets safely: .xlsx, .xls and .csv (UTF-8, UTF-8 with BOM, GB18030/GBK).

Nothing in a file is executed: cells are read as values (formulas come back as their cached results, or
as text), macros and external links are ignored. Before anything is decompressed, an xlsx's zip directory
is checked (number of entries, total uncompressed size, compression ratio); the small XML parts are
parsed with defusedxml and every XML part is refused if it declares a DTD or entities. Each sheet is
measured from its XML before it is read (careforce/imports/limits.py), so that no grid beyond the limits
is ever built. The sheets themselves are read by calamine (Rust), whose XML reader expands no entities,
in a child process with a memory limit (careforce/imports/ahead.py).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree as SafeET
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from careforce.imports import limits

MAX_UPLOAD_BYTES = settings.IMPORT_MAX_UPLOAD_BYTES
MAX_ZIP_ENTRIES = getattr(settings, "IMPORT_MAX_ZIP_ENTRIES", 1000)
MAX_UNCOMPRESSED_BYTES = getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 1536 * 1024 * 1024)
# Real sheets compress about 5–15 times; a zip bomb a thousand times and more.
MAX_COMPRESSION_RATIO = settings.IMPORT_MAX_COMPRESSION_RATIO
_SMALL_XML_PARTS = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")
_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class OpenedFile:
    format: str  # "xlsx", "xls" or "csv"
    rows: Iterator[list[Any]]  # the first row is the header
    total: int  # rows including the header (for progress; an estimate for CSV)
    encoding: str = ""


def refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]}, code="file")


def detect_format(name: str, data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(_XLS_MAGIC):
        return "xls"
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm", ".xls")):
        raise refuse(_("The file is not a readable Excel workbook; save it again as .xlsx and upload that."))
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise refuse(_("This is not a spreadsheet; upload an .xlsx, .xls or .csv file."))
    return "csv"


def check_upload(name: str, data: bytes) -> str:
    """The file's format, after the checks that need no decompression. Raises ValidationError."""
    if not data:
        raise refuse(_("The file is empty."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise refuse(
            _("The file is %(size)d MB; at most %(limit)d MB can be imported at once. Split it.")
            % {"size": len(data) // (1024 * 1024), "limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    fmt = detect_format(name, data)
    if fmt == "xlsx":
        check_xlsx(data)
    return fmt


def check_xlsx(data: bytes) -> None:
    """Zip directory limits before decompressing anything, then the small XML parts with defusedxml."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise refuse(
            _("The file is not a readable Excel workbook; save it again as .xlsx and upload that.")
        ) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise refuse(
                _("The workbook has too many parts (%(count)d); it is not a normal spreadsheet.")
                % {"count": len(entries)}
            )
        total = sum(entry.file_size for entry in entries)
        packed = sum(entry.compress_size for entry in entries) or 1
        if total > MAX_UNCOMPRESSED_BYTES or total > MAX_COMPRESSION_RATIO * max(packed, 64 * 1024):
            raise refuse(
                _(
                    "The workbook would unpack to %(size)d MB, which no roster needs; it looks like a zip bomb."
                )
                % {"size": total // (1024 * 1024)}
            )
        limits.check_parts(archive, limits.Limits.from_settings())
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise refuse(
                _("The file is not a readable Excel workbook; save it again as .xlsx and upload that.")
            )
        for entry in entries:
            if not entry.filename.endswith((".xml", ".rels", ".vml")):
                continue
            with archive.open(entry) as part:
                head = part.read(2048)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise refuse(
                    _("The workbook contains XML declarations spreadsheets never need; it was refused.")
                )
            if entry.filename in _SMALL_XML_PARTS:
                try:
                    SafeET.fromstring(archive.read(entry))
                except Exception:  # defusedxml's refusals and plain parse errors alike
                    raise refuse(_("The workbook's structure is damaged; save it again as .xlsx.")) from None


def decode_csv(data: bytes) -> tuple[io.TextIOBase, str]:
    """A text stream over the bytes, with the encoding detected: BOM, else UTF-8 if it decodes, else
    GB18030 (a superset of GBK and GB2312, what Excel on Chinese Windows writes)."""
    if data.startswith(codecs.BOM_UTF8):
        return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return io.TextIOWrapper(io.BytesIO(data), encoding="utf-16", newline=""), "utf-16"
    # The first 4 MB decide (a GBK file has Chinese in its header row already); a file that turns out
    # otherwise further down is reported by _csv_rows rather than half-read.
    encoding = "utf-8"
    head = data[: 4 * 1024 * 1024]
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == len(data))
    except UnicodeDecodeError:
        encoding = "gb18030"
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""), encoding


def _csv_rows(stream: io.TextIOBase) -> Iterator[list[Any]]:
    bounds = limits.Limits.from_settings()
    columns, rows = bounds.columns, bounds.rows
    try:
        for number, row in enumerate(csv.reader(stream), start=1):
            if len(row) > columns or number > rows:
                limits.check_csv_row(row, number, bounds)
            yield row
    except UnicodeDecodeError:
        raise refuse(_("The CSV file is in an unknown encoding; save it as UTF-8 or GBK.")) from None
    except csv.Error as exc:
        raise refuse(_("The CSV file cannot be read (%(error)s).") % {"error": exc}) from None


def _sheet_rows(data: bytes, fmt: str) -> tuple[Iterator[list[Any]], int]:
    from python_calamine import CalamineError, CalamineWorkbook

    # Measured from the file before calamine builds the sheet's grid (which a far cell makes huge).
    if fmt == "xlsx":
        limits.check_xlsx_sheets(data)
    elif fmt == "xls":
        limits.check_xls(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [
            meta.name
            for meta in book.sheets_metadata
            if str(getattr(meta, "visible", "Visible")).endswith("Visible") and "Worksheet" in str(meta.typ)
        ] or book.sheet_names
        sheet = book.get_sheet_by_name(visible[0])
        height = sheet.height
        rows = sheet.iter_rows()
    except (CalamineError, ValueError, OSError):
        raise refuse(
            _("The workbook cannot be read; open it in Excel, save it again and upload that.")
        ) from None
    return rows, height


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"')
# No real sheet's row is shorter than this in the formats' own encoding (two or three short cells);
# estimates from sizes err towards more rows, which only costs a process fork for a small file.
_MIN_XML_ROW_BYTES = 100
_MIN_XLS_ROW_BYTES = 30


def estimate_rows(fmt: str, data: bytes) -> int:
    """Roughly how many rows the file holds, without decoding its sheet (which for a big workbook costs
    seconds and hundreds of MB): whether to import it with a helper process is decided on this."""
    if fmt == "csv":
        return data.count(b"\n") + 1
    if fmt == "xlsx":
        return _xlsx_rows(data)
    return len(data) // _MIN_XLS_ROW_BYTES


def _xlsx_rows(data: bytes) -> int:
    """The biggest worksheet's row count from its <dimension> element (Excel, WPS and the usual writers
    put it at the top), else from the part's unpacked size."""
    best = 0
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return 0  # opening it says what is wrong, in the user's words
    with archive:
        for entry in archive.infolist():
            if not (entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")):
                continue
            try:
                with archive.open(entry) as part:
                    found = _DIMENSION.search(part.read(4096))
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError):
                found = None  # a damaged part: opening the workbook reports it; the estimate goes by size
            rows = int(found.group(1)) if found else 0
            best = max(best, rows if rows > 1 else entry.file_size // _MIN_XML_ROW_BYTES)
    return best


def open_rows(name: str, data: bytes, fmt: str | None = None) -> OpenedFile:
    fmt = fmt or check_upload(name, data)
    if fmt == "csv":
        stream, encoding = decode_csv(data)
        return OpenedFile("csv", _csv_rows(stream), data.count(b"\n") + 1, encoding)
    rows, height = _sheet_rows(data, fmt)
    return OpenedFile(fmt, rows, height)
