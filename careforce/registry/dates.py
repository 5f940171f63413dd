"""Dates as officials write them: 2024-05-01, 2024/5/1, 2024.5.1, 2024年5月1日, or an Excel serial number."""

from __future__ import annotations

import datetime
import re

from django.utils.translation import gettext as _

from careforce.core.validators import normalize_text

_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)


def parse_date(raw: object) -> datetime.date | None:
    """The date, or None when `raw` is not a date in any of the accepted forms (empty input is None too)."""
    if raw is None:
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _from_serial(float(raw))
    text = normalize_text(raw)
    if not text:
        return None
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    match = _YMD.match(text) or _COMPACT.match(text)
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            return None
    try:
        return _from_serial(float(text))
    except ValueError:
        return None


def _from_serial(serial: float) -> datetime.date | None:
    # Excel serials for 1950–2100; anything else is not a date someone meant.
    if not 18264 <= serial <= 73051:
        return None
    return _EXCEL_EPOCH + datetime.timedelta(days=int(serial))


def date_error(raw: object) -> str:
    """Why `raw` is not a date: a day that does not exist (2024-02-30) is written correctly, and saying
    "wrong format" there sends people looking for a mistake they did not make."""
    text = normalize_text(raw) if isinstance(raw, str) else ""
    match = _YMD.match(text) or _COMPACT.match(text)
    if match:
        _year, month, day = (int(part) for part in match.groups())
        if not 1 <= month <= 12:
            return _("%(text)s: there is no month %(month)d; check the month.") % {
                "text": text,
                "month": month,
            }
        return _("%(text)s does not exist: that month has no day %(day)d; check the day.") % {
            "text": text,
            "day": day,
        }
    return _("Not a date; write it like 2024-05-01.")
