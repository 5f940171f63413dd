"""The older-population import sheet (xlsx). Columns (Chinese headers, or the English keys): 区县 district
(code or name; empty for the city), 年份 year, 口径 basis (常住 or 户籍), 60岁及以上 aged_60_plus,
65岁及以上 aged_65_plus (may be empty), 来源 source. Rows go to services.population_import, all or nothing."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from careforce.imports.workbooks import unescape

HEADERS = {
    "区县": "district",
    "年份": "year",
    "口径": "basis",
    "60岁及以上": "aged_60_plus",
    "60岁及以上人口": "aged_60_plus",
    "65岁及以上": "aged_65_plus",
    "65岁及以上人口": "aged_65_plus",
    "来源": "source",
}
KEYS = ("district", "year", "basis", "aged_60_plus", "aged_65_plus", "source")
REQUIRED = ("district", "year", "aged_60_plus", "source")
MAX_ROWS = 1_000


def read_population(data: bytes) -> list[dict[str, Any]]:
    from python_calamine import CalamineError, CalamineWorkbook

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
    header = [HEADERS.get(str(cell).strip(), str(cell).strip()) for cell in rows[0]]
    missing = [name for name, key in HEADERS.items() if key in REQUIRED and key not in header]
    if any(key not in header for key in REQUIRED):
        raise ValidationError(
            {
                "file": [
                    _("Columns missing from the first row: %(names)s.")
                    % {"names": "、".join(dict.fromkeys(missing))}
                ]
            }
        )
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationError(
            {"file": [_("At most %(n)d rows per sheet; split the file.") % {"n": MAX_ROWS}]}
        )
    out = []
    for row in rows[1:]:
        values = {key: unescape(row[i]) for i, key in enumerate(header) if key in KEYS and i < len(row)}
        for key in ("year", "aged_60_plus", "aged_65_plus"):
            if isinstance(values.get(key), float) and values[key].is_integer():
                values[key] = int(values[key])
        if any(str(v).strip() for v in values.values() if v is not None):
            out.append(values)
    return out
