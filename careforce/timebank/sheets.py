"""The import sheet of verified service records, and the statement as xlsx.

Import columns (Chinese headers as sites' files carry them, or the English keys): 记录编号 source_key,
志愿者身份证号 volunteer_id_number, 服务站点编码 site, 服务类型 kind, 服务对象 recipient, 服务日期 served_on,
时长(小时) hours. Rows go to services.records_import: each row credited once by its key.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.imports.workbooks import SheetWriter, new_book, unescape
from careforce.timebank.models import Entry

HEADERS = {
    "记录编号": "source_key",
    "志愿者身份证号": "volunteer_id_number",
    "服务站点编码": "site",
    "服务类型": "kind",
    "服务对象": "recipient",
    "服务日期": "served_on",
    "时长(小时)": "hours",
    "时长（小时）": "hours",
}
KEYS = ("source_key", "volunteer_id_number", "site", "kind", "recipient", "served_on", "hours")
MAX_ROWS = 50_000


def read_records(data: bytes) -> list[dict[str, Any]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=True)
    except (CalamineError, ValueError, OSError, IndexError):
        raise ValidationError(
            {"file": [_("The workbook cannot be read; open it in Excel, save it again and upload that.")]}
        ) from None
    if not rows:
        raise ValidationError({"file": [_("The sheet is empty.")]})
    header = [HEADERS.get(str(cell).strip(), str(cell).strip()) for cell in rows[0]]
    missing = [key for key in KEYS if key not in header]
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
        values = {key: unescape(row[i]) for i, key in enumerate(header) if key in KEYS and i < len(row)}
        if any(str(v).strip() for v in values.values()):
            if isinstance(values.get("hours"), float):
                values["hours"] = repr(values["hours"])
            out.append(values)
    return out


def statement_book(title: str, entries: Iterable[Entry]) -> IO[bytes]:
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
    book = new_book(out)
    sheet = SheetWriter(
        book,
        _("Statement"),
        [_("Time"), _("Movement"), _("Amount"), _("Balance after"), _("Memo")],
        [20, 24, 10, 12, 30],
    )
    sheet.write([title])
    for entry in entries:
        sheet.write(
            [
                timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M"),
                entry.movement.get_kind_display(),
                float(entry.amount),
                float(entry.balance_after),
                entry.movement.memo,
            ]
        )
    book.close()
    out.seek(0)
    return out
