"""Writes of institutions: one path for forms, API and importer; audited in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import AuditAction, District, User
from careforce.core.scope import Level, require_write
from careforce.core.validators import clean_free_text, normalize_text, parse_uscc
from careforce.institutions.models import RESIDENT_LEVEL_FIELDS, Institution, InstitutionKind, Ownership

EDITABLE_FIELDS = (
    "uscc",
    "name",
    "district",
    "kind",
    "ownership",
    "is_public_service_unit",
    "star_grade",
    "beds",
    *(field for field, _label in RESIDENT_LEVEL_FIELDS),
    "address",
    "contact_name",
    "contact_phone",
    "head",
    "head_pending_name",
)
_COUNT_FIELDS = ("beds", *(field for field, _label in RESIDENT_LEVEL_FIELDS))


def _to_int(value: Any, *, field: str, errors: dict[str, list[str]], low: int, high: int) -> int | None:
    if value in (None, ""):
        return 0
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(_("Enter a whole number."))
        return None
    if not low <= number <= high:
        errors.setdefault(field, []).append(
            _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}
        )
        return None
    return number


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "是", "on"}
    return bool(value)


def _clean(actor: User, data: Mapping[str, Any], *, instance: Institution | None) -> dict[str, Any]:
    """Validate and normalise the editable fields present in `data`; raise ValidationError per field."""
    scope = require_write(actor)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if "uscc" in data:
        try:
            cleaned["uscc"] = parse_uscc(data["uscc"])
        except ValidationError as exc:
            errors["uscc"] = exc.messages
        else:
            clash = Institution.objects.filter(uscc=cleaned["uscc"])
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["uscc"] = [_("Another institution is already registered with this credit code.")]
    if "name" in data:
        cleaned["name"] = clean_free_text(data["name"])  # as typed: （）stay full-width
        if not cleaned["name"]:
            errors["name"] = [_("Enter the institution's name.")]
    if "district" in data:
        district = data["district"]
        if not isinstance(district, District):
            key = str(district).strip()
            district = (
                District.objects.filter(pk=int(key)).first() if key.isdigit() and len(key) < 10 else None
            )
        if district is None:
            errors["district"] = [_("Choose the district the institution is registered in.")]
        elif scope.level == Level.DISTRICT and district.pk != scope.district_id:
            errors["district"] = [_("You can only register institutions in your own district.")]
        elif scope.level == Level.INSTITUTION and (instance is None or district.pk != instance.district_id):
            errors["district"] = [
                _("An institution administrator cannot move the institution to another district.")
            ]
        else:
            cleaned["district"] = district
    for field, choices in (("kind", InstitutionKind), ("ownership", Ownership)):
        if field in data:
            if data[field] not in choices.values:
                errors[field] = [
                    _("Choose one of: %(choices)s.")
                    % {"choices": "、".join(str(label) for label in choices.labels)}
                ]
            else:
                cleaned[field] = data[field]
    if "is_public_service_unit" in data:
        cleaned["is_public_service_unit"] = _as_bool(data["is_public_service_unit"])
    if "star_grade" in data:
        cleaned["star_grade"] = _to_int(data["star_grade"], field="star_grade", errors=errors, low=0, high=5)
    for field in _COUNT_FIELDS:
        if field in data:
            cleaned[field] = _to_int(data[field], field=field, errors=errors, low=0, high=100_000)
    for field in ("address", "contact_name", "contact_phone"):
        if field in data:
            cleaned[field] = (clean_free_text if field != "contact_phone" else normalize_text)(data[field])
    if "head" in data:
        cleaned["head"] = _head(actor, data["head"], instance=instance, errors=errors)
    if "head_pending_name" in data:
        # A person's name as typed (only surrounding spaces dropped): it is matched by eye, not by key.
        cleaned["head_pending_name"] = str(data["head_pending_name"] or "").strip()
        if len(cleaned["head_pending_name"]) > 50:
            errors["head_pending_name"] = [_("Enter at most 50 characters.")]
    if cleaned.get("head") is not None:
        cleaned["head_pending_name"] = ""  # the head is registered now: the pending name has done its job
    if errors:
        raise ValidationError(errors)
    return cleaned


def _head(actor: User, value: Any, *, instance: Institution | None, errors: dict[str, list[str]]):
    """The worker named as head: one the actor may see, holding a current post at this institution."""
    from careforce.registry.models import Employment, Worker
    from careforce.registry.selectors import workers_visible_to

    if value in (None, ""):
        return None
    key = value.pk if isinstance(value, Worker) else str(value).strip()
    worker = (
        workers_visible_to(actor).filter(pk=int(key)).first()
        if str(key).isdigit() and len(str(key)) < 19
        else None
    )
    if worker is None:
        errors["head"] = [_("Choose the head from the registry's workers.")]
        return None
    if (
        instance is None
        or not Employment.objects.filter(worker=worker, institution=instance, end_date__isnull=True).exists()
    ):
        errors["head"] = [
            _(
                "The head must hold a current post at this institution. Record the post first, or enter the "
                "head's name as pending registration."
            )
        ]
        return None
    return worker


@transaction.atomic
def institution_create(*, actor: User, data: Mapping[str, Any]) -> Institution:
    scope = require_write(actor)
    if scope.level == Level.INSTITUTION:
        raise ValidationError(
            {"__all__": [_("An institution administrator cannot register new institutions.")]}
        )
    missing = {
        field: [_("This field is required.")]
        for field in ("uscc", "name", "district", "kind", "ownership")
        if data.get(field) in (None, "")
    }
    cleaned = _clean(actor, data, instance=None)
    if missing:
        raise ValidationError(missing)
    institution = Institution.objects.create(**cleaned)
    after = audit.snapshot(institution, EDITABLE_FIELDS)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=institution,
        changes=audit.diff({}, after),
        institution_id=institution.pk,
    )
    return institution


@transaction.atomic
def institution_update(*, actor: User, institution: Institution, data: Mapping[str, Any]) -> Institution:
    """Change the given fields. The caller must have fetched `institution` through a scoped selector."""
    institution = Institution.objects.select_for_update().get(pk=institution.pk)
    before = audit.snapshot(institution, EDITABLE_FIELDS)
    cleaned = _clean(actor, {k: v for k, v in data.items() if k in EDITABLE_FIELDS}, instance=institution)
    for field, value in cleaned.items():
        setattr(institution, field, value)
    after = audit.snapshot(institution, EDITABLE_FIELDS)
    changes = audit.diff(before, after)
    if changes:
        institution.save()
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=institution,
            changes=changes,
            institution_id=institution.pk,
        )
    return institution
