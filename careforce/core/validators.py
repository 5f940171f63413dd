"""Validation and normalisation of identifiers, shared by forms, the API and the importer.

Each parser takes raw input as people type it (spaces, full-width digits, lower-case x), returns the
normalised value, and raises ValidationError with a message that names the problem and the fix.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

MIN_WORKER_AGE = 16
MAX_WORKER_AGE = 100
_WHITESPACE = re.compile(r"\s+")
# Control characters (NUL above all, which PostgreSQL refuses in text) never belong in a record.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^1[3-9]\d{9}$")


def normalize_code(raw: object) -> str:
    """Full-width to half-width (NFKC), all whitespace and separators removed, upper case."""
    text = _CONTROL.sub("", unicodedata.normalize("NFKC", "" if raw is None else str(raw)))
    return _WHITESPACE.sub("", text).replace("-", "").upper()


def clean_free_text(raw: object) -> str:
    """Free text (a complaint, a title, a remark, an address, a name of a thing) as typed: only control
    characters are dropped (line breaks and tabs kept) and the surrounding whitespace trimmed. No NFKC, no
    folding of spaces: full-width punctuation, emoji and rare characters are what the person wrote, and a
    complaint is an official record."""
    if raw is None:
        return ""
    return _CONTROL.sub("", str(raw)).strip()


def normalize_text(raw: object) -> str:
    """For identifiers, codes and matching keys only (never for what is stored as free text): NFKC, trimmed,
    runs of whitespace (including the full-width space) folded to one space."""
    if raw is None:
        return ""
    if type(raw) is str:
        if _already_normal(raw):
            return raw
        if len(raw) <= 32:
            return _normalize_short(raw)
    return _normalize(str(raw))


def _already_normal(text: str) -> bool:
    """Whether _normalize would give `text` back unchanged, checked in C: most cells of a roster are
    (names, ID numbers, dates), and normalising them took a tenth of the import helper's time. A printable
    string holds no control character and no whitespace but the ASCII space (property-tested)."""
    return (
        text.isprintable()
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
        and unicodedata.is_normalized("NFKC", text)
    )


def _normalize(text: str) -> str:
    text = _CONTROL.sub("", unicodedata.normalize("NFKC", text))
    return _WHITESPACE.sub(" ", text).strip()


# A roster repeats the same short values in every row (学历, 户籍, occupations, posts, 是/否, dates): cached,
# normalising them costs a dictionary lookup. Long free text is not worth keeping.
_normalize_short = lru_cache(maxsize=65_536)(_normalize)


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: datetime.date
    gender: str  # "M" or "F", from the 17th digit
    region_code: str
    region_known: bool

    @property
    def last4(self) -> str:
        return self.value[-4:]


def _age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@lru_cache(maxsize=8192)
def region_is_known(region_code: str) -> bool:
    """Whether the six-digit region code ever existed (in any year), per python-stdnum's division table."""
    return any("county" in props for _part, props in numdb.get("cn/loc").info(region_code))


def _birth_date(number: str) -> datetime.date:
    """Characters 7–14 as a date, as stdnum's ric.get_birth_date reads them, without its generic re-cleaning
    of an already normalised number (a third of the cost of checking a number, at import sizes)."""
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidComponent() from None


def parse_id_number(raw: object, *, today: datetime.date | None = None) -> IdNumber:
    number = normalize_code(raw)
    if not number:
        raise ValidationError(_("Enter the resident ID number."), code="required")
    if len(number) == 15 and number.isdigit():
        raise ValidationError(
            _("This is an old 15-digit ID number; enter the 18-digit number on the current ID card."),
            code="old_format",
        )
    try:
        if len(number) != 18:
            raise InvalidLength()
        if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
            raise InvalidFormat()
        birth = _birth_date(number)
        if number[17] != ric.calc_check_digit(number):
            raise InvalidChecksum()
    except InvalidLength:
        raise ValidationError(
            _("The ID number has %(count)d characters; it must have 18 (17 digits and a digit or X).")
            % {"count": len(number)},
            code="length",
        ) from None
    except InvalidFormat:
        raise ValidationError(
            _("The ID number may contain only digits, with a digit or X as the last character."),
            code="format",
        ) from None
    except InvalidComponent:
        raise ValidationError(
            _("Characters 7–14 of the ID number (%(digits)s) are not a real date of birth; check the number.")
            % {"digits": number[6:14]},
            code="birth_date",
        ) from None
    except InvalidChecksum:
        raise ValidationError(
            _("The ID number's check character is wrong (expected %(expected)s); check for a mistyped digit.")
            % {"expected": ric.calc_check_digit(number)},
            code="checksum",
        ) from None
    today = today or timezone.localdate()
    age = _age_on(birth, today)
    if age < MIN_WORKER_AGE or age > MAX_WORKER_AGE:
        raise ValidationError(
            _(
                "The ID number gives a birth date of %(date)s (age %(age)d); a worker must be "
                "%(min)d–%(max)d years old. Check the number."
            )
            % {"date": birth.isoformat(), "age": age, "min": MIN_WORKER_AGE, "max": MAX_WORKER_AGE},
            code="birth_date_implausible",
        )
    gender = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number, birth, gender, number[:6], region_is_known(number[:6]))


def id_number_warnings(parsed: IdNumber) -> list[str]:
    """What is odd but not wrong about a valid number."""
    if parsed.region_known:
        return []
    return [
        _("Region code %(code)s of the ID number is not in the national division table; please double-check.")
        % {"code": parsed.region_code}
    ]


def parse_uscc(raw: object) -> str:
    code = normalize_code(raw)
    if not code:
        raise ValidationError(_("Enter the unified social credit code."), code="required")
    if len(code) != 18:
        raise ValidationError(
            _("The unified social credit code has %(count)d characters; it must have 18.")
            % {"count": len(code)},
            code="length",
        )
    try:
        uscc.validate(code)
    except InvalidChecksum:
        raise ValidationError(
            _(
                "The credit code's check character is wrong (expected %(expected)s); check for a mistyped character."
            )
            % {"expected": uscc.calc_check_digit(code[:17])},
            code="checksum",
        ) from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(
            _(
                "The unified social credit code contains characters it cannot have; it uses digits and "
                "capital letters except I, O, Z, S and V."
            ),
            code="format",
        ) from None
    return code


def parse_phone(raw: object) -> str:
    phone = normalize_code(raw).removeprefix("+86")
    if phone.startswith("0086"):
        phone = phone[4:]
    if not _PHONE.match(phone):
        raise ValidationError(
            _("Enter an 11-digit mobile number starting with 13–19, for example 13812345678."), code="phone"
        )
    return phone
