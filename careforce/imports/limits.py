"""Limits a spreadsheet must keep before any reader builds its grid.

A sheet reader (calamine, openpyxl …) allocates a dense grid from the first to the last cell of a sheet:
one cell at XFD1048576 asks for 17 billion cells, and a 1.5 KB file stops the process. So the sheet's
size is taken from the file itself first, without building anything: for xlsx the zip directory (each
part's unpacked size and compression ratio, shared strings included), then every worksheet streamed in
chunks, reading its `<dimension ref>` and every cell reference (`r="XFD1048576"`) and counting its rows
and cells. For xls the workbook stream is read from its OLE container (olefile) and every cell record's
row and column taken (BIFF stores them as 16-bit numbers, so a hostile file can place a cell at column
65,535 although Excel stops at 256). For CSV the columns of each row and the rows, as they are read.

Each refusal names the limit and the sheet's figure, in the user's language. The limits are settings
(careforce/settings.py, environment CAREFORCE_IMPORT_MAX_*). What a lying file could still make a reader
do is bounded by the memory limit of the child process that parses it (careforce/imports/ahead.py).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Chunks of unpacked XML scanned at a time; a row longer than this is scanned in pieces.
_CHUNK = 8 * 1024 * 1024
_MAX_CARRY = 64 * 1024 * 1024
# Cell references: ` r="AB12"` (a row's own r= has no letters; other elements say ref= or sqref=). The
# literal space makes the common case a fast scan; a piece where some cell was not matched this way (no
# reference, or another separator before r=) is measured again with the slow, exact patterns.
_FAST_COLUMN = re.compile(rb' r="([A-Z]+)')
_FAST_ROW = re.compile(rb' r="[A-Z]+([0-9]+)')
_FAST_ROW_NUMBER = re.compile(rb'<row r="([0-9]+)')
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]+)([0-9]+)"')
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="([0-9]+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+[0-9]+)(?::([A-Z]+[0-9]+))?"')
_ROOT = re.compile(rb"<(\w+:)?worksheet\b")
_REF = re.compile(r"([A-Z]+)([0-9]+)")
# Excel's own grid: XFD1048576.
EXCEL_COLUMNS = 16_384
EXCEL_ROWS = 1_048_576


@dataclass(frozen=True)
class Limits:
    columns: int
    rows: int
    cells: int  # the grid a reader builds: rows × columns from A1 to the last cell
    part_bytes: int  # one unpacked part of an xlsx
    ratio: int  # unpacked : packed, per part

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            columns=settings.IMPORT_MAX_COLUMNS,
            rows=settings.IMPORT_MAX_ROWS,
            cells=settings.IMPORT_MAX_CELLS,
            part_bytes=settings.IMPORT_MAX_PART_BYTES,
            ratio=settings.IMPORT_MAX_COMPRESSION_RATIO,
        )


@dataclass
class SheetSize:
    """What a worksheet's XML says about its extent."""

    rows: int = 0  # the last row number (a row's or a cell's, whichever is larger)
    columns: int = 0  # the last column number
    cells: int = 0  # cell elements in the file
    row_elements: int = 0
    declared_rows: int = 0  # from <dimension ref>
    declared_columns: int = 0


def _refuse(message: str) -> ValidationError:
    return ValidationError({"file": [message]}, code="limit")


def column_number(letters: str | bytes) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    number = 0
    for char in letters:
        number = number * 26 + (ord(char) - 64)
    return number


def _ref(text: bytes) -> tuple[int, int]:
    match = _REF.fullmatch(text.decode("ascii"))
    return (int(match.group(2)), column_number(match.group(1))) if match else (0, 0)


# ---------------------------------------------------------------- xlsx


def check_parts(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Every part's unpacked size and compression ratio, from the zip directory (nothing unpacked)."""
    for entry in archive.infolist():
        if entry.file_size > limits.part_bytes:
            raise _refuse(
                _(
                    "The workbook's part %(part)s unpacks to %(size)d MB; at most %(limit)d MB per part is "
                    "allowed. Save the sheet again in Excel, or split it."
                )
                % {
                    "part": entry.filename,
                    "size": entry.file_size // (1024 * 1024),
                    "limit": limits.part_bytes // (1024 * 1024),
                }
            )
        # Real sheets compress 5–15 times; a small part may compress more (it is short anyway).
        if entry.file_size > limits.ratio * max(entry.compress_size, 64 * 1024):
            raise _refuse(
                _(
                    "The workbook's part %(part)s is compressed %(ratio)d to 1; at most %(limit)d to 1 is "
                    "allowed. It looks like a zip bomb and was refused."
                )
                % {
                    "part": entry.filename,
                    "ratio": entry.file_size // max(entry.compress_size, 1),
                    "limit": limits.ratio,
                }
            )


def _chunks(stream) -> Iterator[bytes]:
    """The unpacked XML in pieces that end at a row's end (so a row is counted in one piece) or, for a row
    longer than _MAX_CARRY, at a tag's end."""
    carry = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        buffer = carry + chunk
        cut = buffer.rfind(b"row>") + 4
        if cut < 4:
            cut = buffer.rfind(b">") + 1 if len(buffer) > _MAX_CARRY else 0
        yield buffer[:cut]
        carry = buffer[cut:]
    if carry:
        yield carry


def scan_sheet(stream, limits: Limits) -> SheetSize:
    """Stream one worksheet's XML and measure it; refuse as soon as a limit is passed."""
    size = SheetSize()
    cell_open = b"<c"
    first = True
    for piece in _chunks(stream):
        if first:
            first = False
            root = _ROOT.search(piece)
            cell_open = b"<" + ((root.group(1) or b"") if root else b"") + b"c"
            dimension = _DIMENSION.search(piece)
            if dimension:
                last = dimension.group(2) or dimension.group(1)
                size.declared_rows, size.declared_columns = _ref(last)
                _check(limits, size.declared_rows, size.declared_columns)
        # Counts every "<c…" tag (a few <col>, <cfRule> … too, which only sends the piece the slow way).
        tags = piece.count(cell_open)
        column_refs = _FAST_COLUMN.findall(piece)
        if tags == len(column_refs):
            size.cells += tags
            columns = set(column_refs)
            rows = {*_FAST_ROW.findall(piece), *_FAST_ROW_NUMBER.findall(piece)}
            size.row_elements += piece.count(b"<row")
        else:
            cells = _CELL.findall(piece)
            refs = _CELL_REF.findall(piece)
            size.cells += len(cells)
            columns = {column for column, _row in refs}
            rows = {*(row for _column, row in refs), *_ROW_NUMBER.findall(piece)}
            size.row_elements += len(re.findall(rb"<(?:\w+:)?row[\s>]", piece))
            if len(cells) > len(refs):
                # Cells without a reference sit one after another: a row is as wide as its cells.
                size.columns = max(size.columns, _widest_row(piece))
        if columns:
            size.columns = max(size.columns, max(column_number(c) if len(c) < 5 else 10**9 for c in columns))
        if rows:
            size.rows = max(size.rows, max(int(r) if len(r) < 12 else 10**12 for r in rows))
        size.rows = max(size.rows, size.row_elements)
        _check(limits, size.rows, size.columns, size.cells)
    return size


def _widest_row(piece: bytes) -> int:
    return max((len(_CELL.findall(row)) for row in re.split(rb"<(?:\w+:)?row[\s>]", piece)), default=0)


def _check(limits: Limits, rows: int, columns: int, cells: int = 0) -> None:
    if columns > limits.columns:
        raise _refuse(
            _(
                "The sheet reaches column %(columns)d; at most %(limit)d columns are allowed. Delete the "
                "empty columns on the right (select them, right-click, Delete) and save again."
            )
            % {"columns": columns, "limit": limits.columns}
        )
    if rows > limits.rows:
        raise _refuse(
            _(
                "The sheet reaches row %(rows)d; at most %(limit)d rows are allowed. Delete the empty rows "
                "at the bottom, or split the file."
            )
            % {"rows": rows, "limit": limits.rows}
        )
    grid = rows * columns
    if grid > limits.cells or cells > limits.cells:
        raise _refuse(
            _(
                "The sheet spans %(rows)d rows × %(columns)d columns (%(cells)d cells); at most %(limit)d "
                "cells are allowed. Delete empty rows and columns, or split the file."
            )
            % {"rows": rows, "columns": columns, "cells": max(grid, cells), "limit": limits.cells}
        )


def check_xlsx_sheets(data: bytes, limits: Limits | None = None) -> dict[str, SheetSize]:
    """Every worksheet of an xlsx measured (streamed, nothing built). Raises ValidationError."""
    limits = limits or Limits.from_settings()
    sizes: dict[str, SheetSize] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        check_parts(archive, limits)
        for entry in archive.infolist():
            name = entry.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with archive.open(entry) as stream:
                    sizes[name] = scan_sheet(stream, limits)
    return sizes


# ---------------------------------------------------------------- xls

# BIFF record types that hold one cell (row and column are their first two 16-bit fields): LABELSST, NUMBER,
# RK, BLANK, LABEL, BOOLERR, FORMULA, RSTRING; and two that hold a run of cells in one row.
_XLS_CELL = frozenset({0x00FD, 0x0203, 0x027E, 0x0201, 0x0204, 0x0205, 0x0006, 0x00D6})
_XLS_RUN = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first column, …, last column
_XLS_DIMENSIONS = 0x0200


def check_xls(data: bytes, limits: Limits | None = None) -> SheetSize:
    """The extent of an xls's sheets from its cell records (all sheets together). Raises ValidationError.
    A file that is not an OLE workbook is left to the reader, which says it cannot read it."""
    import olefile

    limits = limits or Limits.from_settings()
    size = SheetSize()
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:  # olefile's refusals of a damaged container
        return size
    with ole:
        name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if name is None:
            return size
        if ole.get_size(name) > limits.part_bytes:
            raise _refuse(
                _(
                    "The workbook's part %(part)s unpacks to %(size)d MB; at most %(limit)d MB per part is "
                    "allowed. Save the sheet again in Excel, or split it."
                )
                % {
                    "part": name,
                    "size": ole.get_size(name) // (1024 * 1024),
                    "limit": limits.part_bytes // (1024 * 1024),
                }
            )
        stream = ole.openstream(name).read()
    unpack = struct.unpack_from
    rows = columns = cells = 0
    position, end = 0, len(stream) - 4
    while position <= end:
        kind, length = unpack("<HH", stream, position)
        body = position + 4
        if kind in _XLS_CELL and length >= 4:
            row, column = unpack("<HH", stream, body)
            cells += 1
        elif kind in _XLS_RUN and length >= 6 and body + length <= len(stream):
            row, first = unpack("<HH", stream, body)
            (column,) = unpack("<H", stream, body + length - 2)
            cells += max(column - first + 1, 0)
        elif kind == _XLS_DIMENSIONS and length >= 14:
            _first_row, last_row, _first_column, last_column = unpack("<IIHH", stream, body)
            size.declared_rows = max(size.declared_rows, last_row)
            size.declared_columns = max(size.declared_columns, last_column)
            row = column = -1
        else:
            row = column = -1
        if row >= rows:
            rows = row + 1
        if column >= columns:
            columns = column + 1
        position = body + length
    size.rows, size.columns, size.cells = rows, columns, cells
    _check(limits, max(rows, size.declared_rows), max(columns, size.declared_columns), cells)
    return size


# ---------------------------------------------------------------- csv


def check_csv_row(row: list, number: int, limits: Limits) -> None:
    if len(row) > limits.columns:
        raise _refuse(
            _("Row %(row)d of the CSV file has %(columns)d columns; at most %(limit)d columns are allowed.")
            % {"row": number, "columns": len(row), "limit": limits.columns}
        )
    if number > limits.rows:
        raise _refuse(_("The CSV file has more than %(limit)d rows; split it.") % {"limit": limits.rows})
