"""How personal data looks on screen, in the API, in exports and in the audit trail.

The rule (docs/security.md, "Masking that survives inference"): nothing a viewer without `core.unmask_pii`
sees or is answered may narrow a person's ID number or phone to fewer than 10,000 candidates. So:

- an ID number shows only its region prefix (`500103************`): the other 12 characters are the birth
  date (8), the sequence number (3, whose parity is the gender) and the check character, and every one of
  them shown divides the candidates (the old `500103********7182` with the full birth date beside it left
  one; with the age in years, about 34);
- a phone shows its first three and last two digits (`180******89`, 1,000,000 candidates);
- the birth date, the age in years and the gender (the 17th digit) are not shown; an age band by calendar
  year is (`age_band`). By calendar year because a band computed from the exact age changes on the
  birthday, and whoever watches the day it changes has the birth date.

A value in any of these shapes is "unchanged" when it comes back in a re-uploaded export (`is_masked`).
"""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

ID_HIDDEN = "*" * 12
PHONE_HIDDEN = "*" * 6

# Age bands by calendar year (age = this year - year of birth), the labels of the dashboard's pyramid.
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "<30"),
    (30, "30-39"),
    (40, "40-49"),
    (50, "50-59"),
    (60, "60+"),
)

# Masks as earlier versions stored them in the audit trail and in logs: region + 8 stars + last four, and
# prefix + 4 stars + last four.
_OLD_ID_MASK = re.compile(r"^(\d{6})\*{8}[0-9Xx]{4}$")
_OLD_PHONE_MASK = re.compile(r"^(\d{3})\*{4}\d{2}(\d{2})$")


def mask_id_number(region_code: str) -> str:
    """`500103************`: the region prefix only."""
    if not region_code:
        return ""
    return f"{region_code[:6]}{ID_HIDDEN}"


def mask_phone(prefix3: str, last_digits: str) -> str:
    """`180******89`: the first three digits and the last two (of the stored last four)."""
    if not prefix3 or len(last_digits or "") < 2:
        return ""
    return f"{prefix3[:3]}{PHONE_HIDDEN}{last_digits[-2:]}"


def remask(value: object) -> object:
    """A masked value stored by an earlier version (audit trail, check logs), in today's shape; anything
    else unchanged."""
    if not isinstance(value, str):
        return value
    if match := _OLD_ID_MASK.match(value):
        return mask_id_number(match.group(1))
    if match := _OLD_PHONE_MASK.match(value):
        return mask_phone(match.group(1), match.group(2))
    return value


def is_masked(value: str) -> bool:
    """A value in the shape of our masks (for instance in a re-uploaded export) means 'unchanged'."""
    return "****" in (value or "")


def age_band(birth_date: datetime.date | None, today: datetime.date | None = None) -> str:
    """The age band by calendar year ("30-39"): the age a person reaches this year, in Asia/Shanghai."""
    if birth_date is None:
        return ""
    year = (today or timezone.localdate()).year
    age = year - birth_date.year
    label = AGE_BANDS[0][1]
    for low, band in AGE_BANDS:
        if age >= low:
            label = band
    return label


def birth_years_of_band(band: str, today: datetime.date | None = None) -> tuple[int, int]:
    """(first, last) year of birth a band stands for this year; the last band reaches back to 100 years
    (the oldest plausible worker) and the first forward to 16 (the youngest)."""
    year = (today or timezone.localdate()).year
    lows = [low for low, _label in AGE_BANDS]
    index = [label for _low, label in AGE_BANDS].index(band)
    low = max(lows[index], 16)
    high = lows[index + 1] - 1 if index + 1 < len(lows) else 100
    return year - high, year - low
