"""The payment batch as xlsx for finance. A batch can hold a million rows, so its rows go to the Rust
writer (rustpy-xlsxwriter, constant memory, about seven times XlsxWriter's speed) straight from a
server-side cursor; the sheet is the one the project's SheetWriter makes: bold shaded headers, the header row
frozen, the widths below, text columns formatted as text, ID numbers masked to their region, and text that a
spreadsheet would take as a formula escaped with a leading apostrophe (`imports.workbooks.escape`)."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _
from rustpy_xlsxwriter import Format, write_worksheet

from careforce.core.masking import mask_id_number
from careforce.core.models import User
from careforce.imports.workbooks import SheetWriter, escape, new_book
from careforce.incentives import selectors
from careforce.incentives.models import PaymentBatch

WIDTHS = (12, 12, 12, 22, 14, 24, 14, 14, 16, 30)
NUMBER_COLUMNS = (0, 1, 7, 8)  # payment no., worker no., amount, reversed payment no.


def _text(value: Any) -> str | None:
    """A text cell as SheetWriter writes it: empty stays empty, formula-like text is escaped."""
    return escape(str(value)) if value not in (None, "") else None


def batch_book(user: User, batch: PaymentBatch) -> IO[bytes]:
    """The batch's payments that `user` may see (a district officer: their district's rows)."""
    headers = [
        _("Payment no."),
        _("Worker no."),
        _("Name"),
        _("ID number"),
        _("District"),
        _("Scheme"),
        _("Tranche or period"),
        _("Amount (yuan)"),
        _("Reverses payment no."),
        _("Reason"),
    ]

    def records() -> Iterator[dict[str, Any]]:
        for (
            pk,
            worker_id,
            name,
            region,
            district,
            scheme,
            key,
            amount,
            reverses,
            reason,
        ) in selectors.batch_rows(user, batch):
            yield dict(
                zip(
                    headers,
                    (
                        pk,
                        worker_id,
                        _text(name),
                        mask_id_number(region) or None,
                        _text(district),
                        _text(scheme),
                        _text(key),
                        float(amount),
                        reverses,
                        _text(reason),
                    ),
                    strict=True,
                )
            )

    rows = records()
    first = next(rows, None)
    if first is None:
        # The Rust writer takes its header row from the first record: an empty batch gets the headers from
        # the project's writer, with the same look.
        return _headers_only(headers)
    text = Format().set_num_format("@")
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
    write_worksheet(
        itertools.chain([first], rows),
        out,
        sheet_name=_("Payments")[:31],
        freeze_row=1,
        column_widths=list(WIDTHS),
        column_formats={h: text for i, h in enumerate(headers) if i not in NUMBER_COLUMNS},
        header_format=Format().set_bold().set_background_color("#DDEBF7").set_border("thin"),
    )
    out.seek(0)
    return out


def _headers_only(headers: list[str]) -> IO[bytes]:
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
    book = new_book(out)
    SheetWriter(book, _("Payments"), headers, WIDTHS)
    book.close()
    out.seek(0)
    return out


CONTRACT_HEADERS = {
    "身份证号": "id_number",
    "合同类型": "contract_type",
    "开始日期": "start_date",
    "终止日期": "end_date",
}
INSURANCE_HEADERS = {
    "身份证号": "id_number",
    "险种": "kind",
    "承保机构": "insurer",
    "开始日期": "start_date",
    "终止日期": "end_date",
}
MAX_ROWS = 20_000


def read_rows(data: bytes, kind: str) -> list[dict]:
    """The rows of an uploaded contracts or insurance sheet (Chinese headers or the English keys)."""
    import io

    from django.core.exceptions import ValidationError
    from python_calamine import CalamineError, CalamineWorkbook

    from careforce.imports.workbooks import unescape

    headers = CONTRACT_HEADERS if kind == "contracts" else INSURANCE_HEADERS
    keys = set(headers.values())
    try:
        rows = (
            CalamineWorkbook.from_filelike(io.BytesIO(data))
            .get_sheet_by_index(0)
            .to_python(skip_empty_area=True)
        )
    except (CalamineError, ValueError, OSError, IndexError):
        raise ValidationError(
            {"file": [_("The workbook cannot be read; open it in Excel, save it again and upload that.")]}
        ) from None
    if not rows:
        raise ValidationError({"file": [_("The sheet is empty.")]})
    header = [headers.get(str(cell).strip(), str(cell).strip()) for cell in rows[0]]
    missing = [name for name, key in headers.items() if key not in header and key != "end_date"]
    if missing:
        raise ValidationError(
            {"file": [_("Columns missing from the first row: %(names)s.") % {"names": ", ".join(missing)}]}
        )
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationError(
            {"file": [_("At most %(n)d rows per sheet; split the file.") % {"n": MAX_ROWS}]}
        )
    out = []
    for row in rows[1:]:
        values = {}
        for i, key in enumerate(header):
            if key in keys and i < len(row):
                value = unescape(row[i])
                values[key] = value.isoformat()[:10] if hasattr(value, "isoformat") else value
        if any(str(v).strip() for v in values.values()):
            out.append(values)
    return out
