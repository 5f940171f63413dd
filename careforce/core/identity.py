"""A person's protected identity as the registry keeps workers' (job seekers, volunteers, their relatives):
the ID number and the phone encrypted, a blind index of each for uniqueness and lookups, the region and last
digits for the mask. One write path for every model that stores one (careforce/core/rotation.py lists their
columns for key rotation), and the district a district official acts in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from careforce.core import crypto
from careforce.core.models import District
from careforce.core.scope import Level, Scope
from careforce.core.validators import parse_id_number, parse_phone
from careforce.training import inputs
from careforce.training.inputs import Errors


def identity_values(
    data: Mapping[str, Any], errors: Errors, *, context: str, with_birth_date: bool = False
) -> dict[str, Any]:
    """The columns of a protected identity from `data["id_number"]` (required) and `data["phone"]`
    (optional); each problem is added to `errors` under its field. `context` names the encryption's
    associated data ("jobseeker" → b"jobseeker.id_number", b"jobseeker.phone")."""
    values: dict[str, Any] = {}
    try:
        parsed = parse_id_number(data.get("id_number"))
    except ValidationError as exc:
        errors.add("id_number", exc.messages[0])
    else:
        values.update(
            id_number_encrypted=crypto.encrypt(parsed.value, context=f"{context}.id_number".encode()),
            id_number_hash=crypto.blind_index(parsed.value, purpose="id_number"),
            id_region=parsed.region_code,
            id_last4=parsed.last4,
        )
        if with_birth_date:  # kept only where a rule needs it (the time bank's withdrawal age), never shown
            values["birth_date"] = parsed.birth_date
    phone = data.get("phone")
    if not inputs.is_blank(phone):
        try:
            number = parse_phone(phone)
        except ValidationError as exc:
            errors.add("phone", exc.messages[0])
        else:
            values.update(
                phone_encrypted=crypto.encrypt(number, context=f"{context}.phone".encode()),
                phone_hash=crypto.blind_index(number, purpose="phone"),
                phone_prefix=number[:3],
                phone_last4=number[-4:],
            )
    return values


def district_in_scope(scope: Scope, raw: Any, errors: Errors) -> District | None:
    """The district named by `raw` among those the actor acts in (a district official's own by default)."""
    districts = District.objects.all()
    if scope.level == Level.DISTRICT:
        districts = districts.filter(pk=scope.district_id)
        raw = raw if not inputs.is_blank(raw) else scope.district_id
    found = inputs.pick(districts, raw, keys=("code", "name"))
    if found is None:
        errors.add("district", _("Choose the district (your own, unless you are the city)."))
    return found
