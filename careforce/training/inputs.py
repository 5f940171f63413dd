"""Reading raw input (forms, API bodies, spreadsheet cells) the same way in training, skills and pools."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from careforce.core.validators import clean_free_text, normalize_text
from careforce.registry.dates import date_error, parse_date


class Errors(dict):
    """{field: [messages]} collected while cleaning; `raise_if_any` raises the ValidationError."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        from django.core.exceptions import ValidationError

        if self:
            raise ValidationError(dict(self))


def is_blank(raw: Any) -> bool:
    return raw is None or (not isinstance(raw, Model | datetime.date) and normalize_text(raw) == "")


def text(
    data: dict, name: str, errors: Errors, *, required: bool = False, max_length: int = 200
) -> str | None:
    if name not in data:
        if required:
            errors.add(name, _("This field is required."))
        return None
    value = clean_free_text(data[name])  # free text: kept as typed
    if required and not value:
        errors.add(name, _("This field is required."))
        return None
    if len(value) > max_length:
        errors.add(name, _("Too long (at most %(n)d characters).") % {"n": max_length})
        return None
    return value


def date(data: dict, name: str, errors: Errors, *, required: bool = False) -> datetime.date | None:
    raw = data.get(name)
    if is_blank(raw):
        if required:
            errors.add(name, _("This field is required."))
        return None
    day = raw if isinstance(raw, datetime.date) else parse_date(raw)
    if day is None:
        errors.add(name, date_error(raw))
    elif not 1950 <= day.year <= 2100:
        errors.add(name, _("The date %(date)s is out of range; check the year.") % {"date": day.isoformat()})
        return None
    return day


def decimal(
    data: dict, name: str, errors: Errors, *, required: bool = False, low: Decimal = Decimal(0), high: Decimal
) -> Decimal | None:
    raw = data.get(name)
    if is_blank(raw):
        if required:
            errors.add(name, _("This field is required."))
        return None
    try:
        value = Decimal(normalize_text(raw)) if not isinstance(raw, Decimal) else raw
    except (InvalidOperation, ValueError):
        errors.add(name, _("Enter a number."))
        return None
    if not value.is_finite() or value < low or value > high:
        errors.add(name, _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high})
        return None
    return value.quantize(Decimal("0.1"))


def integer(
    data: dict, name: str, errors: Errors, *, required: bool = False, low: int = 0, high: int
) -> int | None:
    raw = data.get(name)
    if is_blank(raw):
        if required:
            errors.add(name, _("This field is required."))
        return None
    try:
        value = int(normalize_text(raw)) if not isinstance(raw, int) or isinstance(raw, bool) else raw
    except ValueError:
        errors.add(name, _("Enter a whole number."))
        return None
    if not low <= value <= high:
        errors.add(name, _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high})
        return None
    return value


def pick(qs: QuerySet, raw: Any, *, keys: tuple[str, ...] = ()) -> Model | None:
    """The row of `qs` named by object, id, or one of `keys` (code, name…); None when not in `qs`."""
    if isinstance(raw, Model):
        return qs.filter(pk=raw.pk).first()
    value = normalize_text(raw)
    if not value:
        return None
    if value.isdigit() and len(value) < 12:
        found = qs.filter(pk=int(value)).first()
        if found is not None:
            return found
    # Names of things are stored as typed (（） full-width), codes normalised: either form is looked for.
    candidates = list(dict.fromkeys((clean_free_text(raw), value)))
    for key in keys:
        found = qs.filter(**{f"{key}__in": candidates}).first()
        if found is not None:
            return found
    return None


class Picker:
    """`pick` over rows loaded once (a batch's reference rows): the same answer as `pick(qs, raw, keys=…)`
    would give over those rows — object, then id, then each key in order; the first row in load order wins
    when a key is not unique — without a query per value."""

    def __init__(self, rows: Iterable[Model], *, keys: tuple[str, ...] = ()):
        self.keys = keys
        self.by_pk: dict[Any, Model] = {}
        self.by_key: dict[str, dict[str, Model]] = {key: {} for key in keys}
        for row in rows:
            self.by_pk.setdefault(row.pk, row)
            for key in keys:
                value = getattr(row, key)
                if value not in ("", None):
                    self.by_key[key].setdefault(str(value), row)
                    self.by_key[key].setdefault(normalize_text(value), row)

    def __call__(self, raw: Any) -> Model | None:
        if isinstance(raw, Model):
            return self.by_pk.get(raw.pk)
        value = normalize_text(raw)
        if not value:
            return None
        if value.isdigit() and len(value) < 12:
            found = self.by_pk.get(int(value))
            if found is not None:
                return found
        typed = clean_free_text(raw)
        for key in self.keys:
            found = self.by_key[key].get(typed) or self.by_key[key].get(value)
            if found is not None:
                return found
        return None


def wanted(values: Iterable[Any]) -> tuple[set[int], set[str]]:
    """The ids and the texts a batch names (for the one query that loads what a Picker will be asked)."""
    ids: set[int] = set()
    texts: set[str] = set()
    for raw in values:
        if isinstance(raw, Model):
            ids.add(raw.pk)
            continue
        value = normalize_text(raw)
        if value:
            texts.add(value)
            if value.isdigit() and len(value) < 12:
                ids.add(int(value))
    return ids, texts
