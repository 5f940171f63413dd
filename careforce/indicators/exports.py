"""Spreadsheets of the dashboard's tables (XlsxWriter, in memory). Text that a spreadsheet would read as a
formula (= + - @ at the start) is written with a leading apostrophe, so a name can never run as one."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.http import HttpResponse
from django.utils.text import slugify

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


@dataclass
class Sheet:
    title: str
    headers: Sequence[Any]
    rows: Sequence[Sequence[Any]]


def safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _sheet_name(title: str, used: set[str]) -> str:
    name = _BAD_SHEET_CHARS.sub(" ", str(title)).strip()[:28] or "Sheet"
    base, n = name, 2
    while name.lower() in used:
        name = f"{base[:25]}({n})"
        n += 1
    used.add(name.lower())
    return name


def workbook(sheets: Sequence[Sheet]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True, "bg_color": "#E9ECEF"})
    used: set[str] = set()
    for sheet in sheets:
        ws = book.add_worksheet(_sheet_name(sheet.title, used))
        for col, header in enumerate(sheet.headers):
            ws.write_string(0, col, safe_text(str(header)), bold)
            ws.set_column(col, col, max(10, min(40, len(str(header)) * 2 + 2)))
        for r, row in enumerate(sheet.rows, start=1):
            for col, value in enumerate(row):
                write_cell(ws, r, col, value)
        ws.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def write_cell(ws, row: int, col: int, value: Any) -> None:
    if value is None:
        ws.write_blank(row, col, None)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, float(value))
    else:
        ws.write_string(row, col, safe_text(str(value)))


def xlsx_response(sheets: Sequence[Sheet], filename: str) -> HttpResponse:
    response = HttpResponse(
        workbook(sheets), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    ascii_name = slugify(filename) or "export"
    response["Content-Disposition"] = f'attachment; filename="{ascii_name}.xlsx"'
    return response
