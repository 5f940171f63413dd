"""Writing xlsx: templates, error reports and exports, with xlsxwriter in constant-memory mode (rows go
to disk as they are written, so a million rows cost no more memory than ten).

Every text cell is written as text, never as a formula, and text that a spreadsheet would still take as
one (starting with = + - @, a tab or a carriage return) gets a leading apostrophe, which Excel and WPS show
as text. The importer drops that apostrophe again, so escaped values round-trip."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import IO, Any

import xlsxwriter
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from careforce.imports.sheets import REPORT_HEADER, SheetSpec

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def unescape(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


class SheetWriter:
    """One worksheet written row by row."""

    def __init__(
        self, book: xlsxwriter.Workbook, name: str, headers: Sequence[str], widths: Sequence[int] = ()
    ):
        self.sheet = book.add_worksheet(name[:31])
        self.header_format = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.text = book.add_format({"num_format": "@"})
        for index in range(len(headers)):
            width = widths[index] if index < len(widths) else 14
            self.sheet.set_column(index, index, width, self.text)
        self.row = 0
        self.write([*headers], self.header_format)
        self.sheet.freeze_panes(1, 0)

    def write(self, values: Iterable[Any], fmt=None) -> None:
        sheet, row = self.sheet, self.row
        for col, value in enumerate(values):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_string(row, col, "是" if value else "否", fmt)
            elif hasattr(value, "isoformat"):
                sheet.write_string(row, col, _iso(value), fmt)
            elif isinstance(value, int | float):
                sheet.write_number(row, col, value, fmt)
            else:
                sheet.write_string(row, col, escape(str(value)), fmt)
        self.row += 1


def _iso(value: Any) -> str:
    text = value.isoformat()
    return text[:10] if text.endswith("T00:00:00") else text


def new_book(target: IO[bytes]) -> xlsxwriter.Workbook:
    return xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )


def template(spec: SheetSpec, actor: Any = None) -> IO[bytes]:
    """The sheet's template: the headers (Chinese, as officials' files carry them), an example row, and an
    instructions sheet with what each column takes."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, closed by it
    book = new_book(out)
    columns = spec.template_columns
    data = SheetWriter(book, str(spec.title), [c.header for c in columns], [c.width for c in columns])
    for example in spec.example_rows(actor):
        data.write(example)
    help_sheet = SheetWriter(
        book, _("Instructions"), [_("Column"), _("Required"), _("What to write")], [24, 10, 80]
    )
    for column in columns:
        help_sheet.write(
            [column.header, _("Yes") if column.required else "", str(column.help or column.label)]
        )
    help_sheet.write([])
    for line in spec.instructions:
        help_sheet.write([str(line)])
    help_sheet.write([_("Delete the example row before uploading.")])
    book.close()
    out.seek(0)
    return out


def report(header: Sequence[Any], rows: Iterable[tuple[Sequence[Any], str]]) -> IO[bytes]:
    """The file as uploaded, with a last column 错误说明 giving each row's problems."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, closed by it
    book = new_book(out)
    writer = SheetWriter(
        book,
        pgettext("sheet name", "Errors"),
        [*(str(h) if h is not None else "" for h in header), REPORT_HEADER],
    )
    problem = book.add_format({"bg_color": "#F8D7DA", "text_wrap": False})
    width = len(header)
    for cells, message in rows:
        cells = list(cells)[:width] + [None] * max(0, width - len(cells))
        if message:
            writer.write([*cells, message], problem)
        else:
            writer.write(cells)
    book.close()
    out.seek(0)
    return out
