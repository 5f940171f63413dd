"""Reading the input of conduct, credit and ranking services: dates, texts, records in the actor's scope.

Each reader adds a message naming the field and the fix to `errors` instead of raising at once, so a form
or an imported row learns about every bad field together.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core.models import User
from careforce.core.validators import clean_free_text, normalize_text
from careforce.institutions.models import Institution
from careforce.institutions.selectors import institutions_visible_to
from careforce.registry.dates import date_error, parse_date
from careforce.registry.models import Worker
from careforce.registry.selectors import workers_visible_to

Errors = dict[str, list[str]]


def add(errors: Errors, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def text(data: dict, name: str, errors: Errors, *, max_length: int, required: bool = True) -> str:
    # Free text (a complaint is an official record): kept as typed, line breaks and full-width
    # punctuation included; only control characters and the surrounding whitespace go.
    value = clean_free_text(data.get(name))
    if required and not value:
        add(errors, name, _("This field is required."))
    elif len(value) > max_length:
        add(
            errors,
            name,
            _("At most %(max)d characters (this has %(count)d).") % {"max": max_length, "count": len(value)},
        )
    return value


def day(
    data: dict,
    name: str,
    errors: Errors,
    *,
    required: bool = True,
    default: datetime.date | None = None,
    allow_future: bool = False,
) -> datetime.date | None:
    raw = data.get(name)
    if raw in (None, "") or (isinstance(raw, str) and not normalize_text(raw)):
        if required and default is None:
            add(errors, name, _("This field is required."))
        return default
    value = parse_date(raw)
    if value is None:
        add(errors, name, date_error(raw))
        return None
    if value.year < 1950:
        add(errors, name, _("The date %(date)s is too early; check the year.") % {"date": value.isoformat()})
        return None
    if not allow_future and value > timezone.localdate():
        add(errors, name, _("The date %(date)s is in the future.") % {"date": value.isoformat()})
        return None
    return value


def _pk(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    text_value = normalize_text(raw)
    return int(text_value) if text_value.isdigit() and len(text_value) < 16 else None


def worker_in_scope(actor: User, raw: Any, errors: Errors, *, name: str = "worker") -> Worker | None:
    """The worker named by object or id, if the actor may see them; otherwise an error on `name`."""
    if isinstance(raw, Worker):
        raw = raw.pk
    pk = _pk(raw)
    found = (
        workers_visible_to(actor).select_related("district", "institution").filter(pk=pk).first()
        if pk
        else None
    )
    if found is None:
        add(errors, name, _("No such worker in your area; choose one from the registry."))
    return found


def institution_in_scope(
    actor: User, raw: Any, errors: Errors, *, name: str = "institution"
) -> Institution | None:
    """The institution named by object, id or credit code, if the actor may see it."""
    if isinstance(raw, Institution):
        raw = raw.pk
    key = normalize_text(raw).upper()
    qs = institutions_visible_to(actor)
    found = None
    if len(key) == 18:
        found = qs.filter(uscc=key).first()
    elif _pk(key):
        found = qs.filter(pk=_pk(key)).first()
    if found is None:
        add(errors, name, _("No such institution in your area; check the id or credit code."))
    return found


def is_blank(raw: Any) -> bool:
    return raw is None or (not isinstance(raw, Worker | Institution) and normalize_text(raw) == "")
