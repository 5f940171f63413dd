"""What a viewer can infer about a person's ID number and phone from what the platform shows them.

`observe` reads texts a viewer received (page HTML, API JSON, export cells) and notes every hint about one
worker: the characters of the ID number shown, the birth date, the age in years, the age band, the gender,
the digits of the phone. `id_candidates` and `phone_candidates` count the numbers consistent with all of them
(an ID number: region, a birth date in range, a sequence number 001–999 whose parity is the gender, the
check character that follows). docs/security.md quotes these counts.
"""

from __future__ import annotations

import datetime
import html
import re
from dataclasses import dataclass, field

from stdnum.cn import ric

from careforce.core.masking import AGE_BANDS

OLDEST, YOUNGEST = 100, 16  # the ages a worker may have (careforce/core/validators.py)


@dataclass
class Observed:
    id_chars: dict[int, str] = field(default_factory=dict)  # position -> character seen
    birth_date: datetime.date | None = None
    age_years: int | None = None
    band: str | None = None
    gender: str | None = None  # "M" / "F"
    phone_chars: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age_on(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def observe(texts: list[str], *, id_number: str, phone: str, birth: datetime.date, gender: str,
            today: datetime.date) -> Observed:  # fmt: skip
    """Every hint about this person in `texts` (already decoded; HTML is unescaped here)."""
    seen = Observed()
    region = id_number[:6]
    age = _age_on(birth, today)
    for raw in texts:
        text = html.unescape(raw)
        if id_number in text:
            seen.notes.append("full ID number")
            seen.id_chars.update(enumerate(id_number))
        for match in re.finditer(re.escape(region) + r"[0-9Xx*]{12}", text):
            for position, char in enumerate(match.group(0)):
                if char != "*":
                    seen.id_chars[position] = char.upper()
        for spelling in (birth.isoformat(), f"{birth:%Y%m%d}", f"{birth.year}年{birth.month}月{birth.day}日",
                         f"{birth:%Y/%m/%d}"):  # fmt: skip
            if spelling in text:
                seen.birth_date = birth
                seen.notes.append(f"birth date as {spelling}")
        if re.search(rf'"age"\s*:\s*{age}\b', text) or re.search(rf"\b{age}\s*(岁|years old)", text):
            seen.age_years = age
        for _low, label in AGE_BANDS:
            if re.search(rf'(>|")\s*{re.escape(label)}\s*(<|")', text):
                seen.band = label
        if re.search(r'"gender"\s*:\s*"[MF]"', text) or re.search(r">\s*[男女]\s*<", text):
            seen.gender = gender
        if phone and phone in text:
            seen.phone_chars.update(enumerate(phone))
        for match in re.finditer(re.escape(phone[:3]) + r"[0-9*]{8}", text) if phone else ():
            for position, char in enumerate(match.group(0)):
                if char != "*":
                    seen.phone_chars[position] = char
    return seen


def _birth_dates(seen: Observed, today: datetime.date):
    """Every birth date consistent with what was seen."""
    if seen.birth_date is not None:
        yield seen.birth_date
        return
    first = _years_before(today, OLDEST + 1) + datetime.timedelta(days=1)
    last = _years_before(today, YOUNGEST)
    if seen.band is not None:  # a band by calendar year: this year minus the year of birth
        lows = [low for low, _label in AGE_BANDS]
        index = [label for _low, label in AGE_BANDS].index(seen.band)
        high = lows[index + 1] - 1 if index + 1 < len(lows) else OLDEST
        first = max(first, datetime.date(today.year - high, 1, 1))
        last = min(last, datetime.date(today.year - lows[index], 12, 31))
    day = first
    while day <= last:
        if (
            (seen.age_years is None or _age_on(day, today) == seen.age_years)
            and all(seen.id_chars.get(6 + i, c) == c for i, c in enumerate(f"{day:%Y%m%d}"))
        ):  # fmt: skip
            yield day
        day += datetime.timedelta(days=1)


def id_candidates(seen: Observed, *, region: str, today: datetime.date) -> int:
    """How many checksum-valid ID numbers of this region agree with everything seen."""
    if len(seen.id_chars) == 18:
        return 1
    sequences = [
        f"{seq:03d}"
        for seq in range(1, 1000)
        if all(seen.id_chars.get(14 + i, c) == c for i, c in enumerate(f"{seq:03d}"))
        and (seen.gender is None or (seq % 2 == 1) == (seen.gender == "M"))
    ]
    check = seen.id_chars.get(17)
    count = 0
    for day in _birth_dates(seen, today):
        if check is None:
            count += len(sequences)  # the check character follows from the 17 digits: one each
        else:
            body = f"{region}{day:%Y%m%d}"
            count += sum(1 for seq in sequences if ric.calc_check_digit(body + seq + "0") == check)
    return count


def phone_candidates(seen: Observed) -> int:
    """How many 11-digit mobile numbers agree with the digits seen."""
    return 10 ** (11 - len(seen.phone_chars))
