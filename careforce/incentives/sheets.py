"""The payment batch as xlsx for finance, streamed with the project's constant-memory writer (a 100,000-row
batch never sits in memory: rows come from a server-side iterator and leave as they are written)."""

from __future__ import annotations

import tempfile
from typing import IO

from django.utils.translation import gettext as _

from careforce.core.masking import mask_id_number
from careforce.imports.workbooks import SheetWriter, new_book
from careforce.incentives import selectors
from careforce.incentives.models import PaymentBatch


def batch_book(batch: PaymentBatch) -> IO[bytes]:
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
    book = new_book(out)
    sheet = SheetWriter(
        book,
        _("Payments"),
        [
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
        ],
        [12, 12, 12, 22, 14, 24, 14, 14, 16, 30],
    )
    for pk, worker_id, name, region, district, scheme, key, amount, reverses, reason in selectors.batch_rows(
        batch
    ):
        sheet.write(
            [
                pk,
                worker_id,
                name,
                mask_id_number(region),
                district,
                scheme,
                key,
                float(amount),
                reverses or "",
                reason,
            ]
        )
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
