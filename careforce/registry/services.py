"""Writes to the talent registry. Forms, the API, the importer and the demo loader all come through here.

A registration of many workers and a registration of one are the same operation (`workers_register`),
so an imported row is validated exactly like a form.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import access, audit, crypto, vocabulary
from careforce.core.masking import is_masked, mask_id_number, mask_phone
from careforce.core.models import AccessKind, AuditAction, AuditEvent, District, PiiAccess, PiiField, User
from careforce.core.scope import Level, Scope, can_unmask, require_write
from careforce.core.validators import (
    clean_free_text,
    id_number_warnings,
    normalize_text,
    parse_id_number,
    parse_phone,
)
from careforce.institutions.models import Institution
from careforce.registry import bulk, pinyin
from careforce.registry.choices import choice_labels, parse_bool, parse_choice
from careforce.registry.dates import date_error, parse_date
from careforce.registry.models import (
    Education,
    Employment,
    HukouType,
    Occupation,
    SourceChannel,
    Team,
    Worker,
)
from careforce.registry.signals import placement_touched

WORKER_FIELDS = (
    "name",
    "id_number",
    "phone",
    "education",
    "hukou_type",
    "source_channel",
    "team",
    "occupation",
)
REQUIRED_WORKER_FIELDS = (
    "name",
    "id_number",
    "education",
    "hukou_type",
    "source_channel",
    "team",
    "occupation",
)
EMPLOYMENT_FIELDS = ("institution", "post", "start_date", "end_date", "has_labour_contract", "is_part_time")
# What the audit trail shows of a worker: personal data only masked.
AUDITED_WORKER_FIELDS = (
    "name",
    "id_number_masked",
    "phone_masked",
    "education",
    "hukou_type",
    "source_channel",
    "team",
    "occupation",
    "district",
    "institution",
    "is_active",
)
AUDITED_EMPLOYMENT_FIELDS = (
    "institution",
    "post",
    "start_date",
    "end_date",
    "has_labour_contract",
    "is_part_time",
    "end_reason",
)
_CHOICE_FIELDS = {
    "education": Education,
    "hukou_type": HukouType,
    "source_channel": SourceChannel,
    "team": Team,
}
ONE_DAY = datetime.timedelta(days=1)


class BulkValidationError(ValidationError):
    """Errors of a many-item registration, by item index: {index: ValidationError}."""

    def __init__(self, by_index: dict[int, ValidationError]):
        self.by_index = by_index
        super().__init__(
            [f"#{index + 1}: {'; '.join(error.messages)}" for index, error in sorted(by_index.items())]
        )


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


class Resolver:
    """Looks up occupations and the institutions an actor may write to, once per batch."""

    def __init__(self, actor: User):
        self.actor = actor
        self.scope: Scope = require_write(actor)
        self._occupations: dict[str, Occupation] | None = None  # by code and by id
        self._posts: dict[str, int] | None = None  # catalogue post code -> pk
        # The reference lists as they are when the batch starts (one snapshot for all its rows).
        self.vocabulary = vocabulary.snapshot()
        self._institutions: dict[str, Institution | None] = {}
        self._districts: dict[str, District] | None = None
        # After prime_all() every answer is in memory: unknown keys are None without a query.
        self.complete = False

    def occupation(self, raw: Any) -> Occupation | None:
        if isinstance(raw, Occupation):
            return raw
        if self._occupations is None:
            self._occupations = {}
            for occ in Occupation.objects.all():
                self._occupations[occ.code] = occ
                self._occupations[str(occ.pk)] = occ
        text = normalize_text(raw)
        if text.isdigit() and text in self._occupations:
            return self._occupations[text]
        code = self.vocabulary.resolve("occupation", raw)
        return self._occupations.get(code) if code else None

    def post(self, raw: Any) -> int | None:
        """The pk of the catalogue post (staffing.Post) the typed post names, through the "post" synonyms."""
        if self._posts is None:
            from django.apps import apps

            self._posts = dict(apps.get_model("staffing", "Post").objects.values_list("code", "pk"))
        code = self.vocabulary.resolve("post", raw)
        return self._posts.get(code) if code else None

    def choice(self, raw: Any, choices: type) -> str | None:
        """A choice field's value (code, label or synonym), read against the batch's snapshot."""
        return parse_choice(raw, choices, vocab=self.vocabulary)

    def institution(self, raw: Any) -> Institution | None:
        """The institution named by object, id or credit code, if the actor may record staff there."""
        key = str(raw.pk) if isinstance(raw, Institution) else normalize_text(raw).upper()
        if self.complete:
            return self._institutions.get(key)
        if key not in self._institutions:
            qs = Institution.objects.select_related("district")
            if self.scope.level == Level.DISTRICT:
                qs = qs.filter(district_id=self.scope.district_id)
            elif self.scope.level == Level.INSTITUTION:
                qs = qs.filter(pk=self.scope.institution_id)
            found = qs.filter(pk=int(key)).first() if key.isdigit() and len(key) < 18 else None
            self._institutions[key] = found or (qs.filter(uscc=key).first() if len(key) == 18 else None)
        return self._institutions[key]

    def prime_institutions(self, keys: Sequence[str]) -> None:
        """Fetch the institutions of a batch in one query instead of one per row."""
        if self.complete:
            return
        wanted = {normalize_text(k).upper() for k in keys} - set(self._institutions)
        codes = [k for k in wanted if len(k) == 18]
        if not codes:
            return
        found = {inst.uscc: inst for inst in self._writable_institutions().filter(uscc__in=codes)}
        for code in codes:
            self._institutions[code] = found.get(code)

    def _writable_institutions(self):
        qs = Institution.objects.select_related("district")
        if self.scope.level == Level.DISTRICT:
            qs = qs.filter(district_id=self.scope.district_id)
        elif self.scope.level == Level.INSTITUTION:
            qs = qs.filter(pk=self.scope.institution_id)
        return qs

    def prime_all(self) -> None:
        """Load every occupation, district and writable institution, so that no later lookup queries.

        For work done away from the database (an import's helper process): the same answers as the lazy
        lookups, taken at one moment."""
        self.occupation(None)
        self.post(None)
        self.vocabulary.prime()
        self._districts = {}
        for district in District.objects.all():
            for key in (str(district.pk), district.code, district.name):
                self._districts.setdefault(key, district)
        for inst in self._writable_institutions():
            self._institutions[inst.uscc] = inst
            self._institutions[str(inst.pk)] = inst
        self.complete = True

    def known_objects(self) -> list[Any]:
        """The records this resolver hands out, once each (for passing references between processes);
        its tables hold each record under several keys (id, code, name)."""
        institutions = [i for i in self._institutions.values() if i is not None]
        records = [
            *{occ.pk: occ for occ in (self._occupations or {}).values()}.values(),
            *(self._districts or {}).values(),
            *institutions,
            *(i.district for i in institutions),
        ]
        return list({id(record): record for record in records}.values())

    def district(self, raw: Any) -> District | None:
        if isinstance(raw, District):
            district = raw
        elif self._districts is not None:
            district = self._districts.get(normalize_text(raw))
        else:
            text = normalize_text(raw)
            district = (
                (District.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 6 else None)
                or District.objects.filter(code=text).first()
                or District.objects.filter(name=text).first()
            )
        if district is None:
            return None
        if self.scope.level == Level.DISTRICT and district.pk != self.scope.district_id:
            return None
        if self.scope.level == Level.INSTITUTION:
            return None
        return district


# ---------------------------------------------------------------- cleaning (pure, no writes)


def clean_worker_fields(
    data: Mapping[str, Any],
    *,
    resolver: Resolver,
    instance: Worker | None = None,
    today: datetime.date | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Model values for the worker fields present in `data`, and warnings. Raises ValidationError by field."""
    errors: dict[str, list[str]] = {}
    warnings: list[str] = []
    values: dict[str, Any] = {}
    if instance is None:
        for name in REQUIRED_WORKER_FIELDS:
            if normalize_text(data.get(name)) == "" and not isinstance(data.get(name), Occupation):
                given = data.get("occupation")
                if name == "team" and normalize_text(given) != "" and resolver.occupation(given) is None:
                    continue  # the team follows the occupation: an unknown one is reported on its own field
                _add(errors, name, _("This field is required."))
    if "name" in data and "name" not in errors:
        name = normalize_text(data["name"]).replace(" ", "")
        if not name:
            _add(errors, "name", _("Enter the worker's name."))
        elif len(name) > 50:
            _add(errors, "name", _("The name is too long (at most 50 characters)."))
        else:
            values["name"] = name
            values["name_pinyin"], values["name_initials"] = pinyin.search_keys(name)
    raw_id = data.get("id_number")
    if (
        raw_id is not None
        and "id_number" not in errors
        and not (instance is not None and is_masked(str(raw_id)))
    ):
        try:
            parsed = parse_id_number(raw_id, today=today)
        except ValidationError as exc:
            errors["id_number"] = exc.messages
        else:
            warnings.extend(id_number_warnings(parsed))
            values.update(
                id_number=parsed.value,
                id_number_hash=crypto.blind_index(parsed.value, purpose="id_number"),
                id_region=parsed.region_code,
                id_last4=parsed.last4,
                gender=parsed.gender,
                birth_date=parsed.birth_date,
            )
            _check_consistency(data, parsed.gender, parsed.birth_date, errors)
    if instance is not None and "id_number" not in values and "id_number" not in errors:
        _check_against_record(data, instance, errors, may_unmask=can_unmask(resolver.actor))
    raw_phone = data.get("phone")
    if raw_phone is not None and not (instance is not None and is_masked(str(raw_phone))):
        if normalize_text(raw_phone) == "":
            values.update(phone="", phone_hash="", phone_prefix="", phone_last4="")
        else:
            try:
                phone = parse_phone(raw_phone)
            except ValidationError as exc:
                errors["phone"] = exc.messages
            else:
                values.update(
                    phone=phone,
                    phone_hash=crypto.blind_index(phone, purpose="phone"),
                    phone_prefix=phone[:3],
                    phone_last4=phone[-4:],
                )
    for name, choices in _CHOICE_FIELDS.items():
        if name == "team" and normalize_text(data.get(name)) == "" and "team" not in errors:
            continue  # empty: required above when no occupation gives it, otherwise left as it is
        if name in data and name not in errors:
            value = resolver.choice(data[name], choices)
            if value is None:
                _add(errors, name, _("Choose one of: %(choices)s.") % {"choices": choice_labels(choices)})
            else:
                values[name] = value
    if "occupation" in data and "occupation" not in errors:
        occupation = resolver.occupation(data["occupation"])
        if occupation is None:
            _add(errors, "occupation", _("Unknown occupation; choose one from the list of occupations."))
        else:
            values["occupation"] = occupation
    team = values.get("team", instance.team if instance else None)
    occupation = values.get("occupation", instance.occupation if instance else None)
    if team and occupation and occupation.team != team and "team" not in errors:
        _add(
            errors,
            "occupation",
            _("Occupation %(occupation)s belongs to the %(team)s team, not the one chosen.")
            % {"occupation": occupation.name, "team": Team(occupation.team).label},
        )
    if errors:
        raise ValidationError(errors)
    return values, warnings


def _check_gender(data: Mapping[str, Any], gender: str, errors: dict[str, list[str]]) -> None:
    given_gender = normalize_text(data.get("gender"))
    if given_gender:
        mapped = {"m": "M", "男": "M", "male": "M", "f": "F", "女": "F", "female": "F"}.get(
            given_gender.lower()
        )
        if mapped != gender:
            _add(
                errors,
                "gender",
                _("The gender does not match the ID number (the 17th digit gives %(gender)s).")
                % {"gender": _("male") if gender == "M" else _("female")},
            )


def _check_against_record(
    data: Mapping[str, Any], worker: Worker, errors: dict[str, list[str]], *, may_unmask: bool
) -> None:
    """A change without a new ID number: a birth date is refused whatever it is, since checking it against
    the stored one would tell a role that may not unmask the birth date, and with it most of the ID number,
    guess by guess. The gender likewise for such a role (it is not shown to them); one that may unmask sees
    it, so for them it is checked against the record's."""
    if may_unmask:
        _check_gender(data, worker.gender, errors)
    elif normalize_text(data.get("gender")):
        _add(errors, "gender", _("The gender follows from the ID number; send the ID number to change it."))
    if data.get("birth_date") not in (None, ""):
        _add(
            errors,
            "birth_date",
            _("The birth date follows from the ID number; send the ID number to change it."),
        )


def _check_consistency(
    data: Mapping[str, Any], gender: str, birth: datetime.date, errors: dict[str, list[str]]
) -> None:
    """Gender and birth date follow from the ID number; given ones that disagree are reported, not kept."""
    _check_gender(data, gender, errors)
    given_birth = data.get("birth_date")
    if given_birth not in (None, "") and parse_date(given_birth) != birth:
        _add(
            errors,
            "birth_date",
            _("The birth date does not match the ID number (which gives %(date)s).")
            % {"date": birth.isoformat()},
        )


def clean_employment_fields(
    data: Mapping[str, Any], *, resolver: Resolver, instance: Employment | None = None, today: datetime.date
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if instance is None:
        for name in ("institution", "post", "start_date"):
            if data.get(name) in (None, "") and not isinstance(data.get(name), Institution):
                _add(errors, name, _("This field is required."))
    if data.get("institution") not in (None, "") and "institution" not in errors:
        institution = resolver.institution(data["institution"])
        if institution is None:
            _add(
                errors,
                "institution",
                _("No institution with this credit code in your area; check the code or ask the district."),
            )
        else:
            values["institution"] = institution
    if "post" in data and "post" not in errors:
        post = clean_free_text(data["post"])  # the post as the institution names it
        if not post:
            _add(errors, "post", _("Enter the post (for example 护理员)."))
        else:
            values["post"] = post[:60]
            # The catalogue post is resolved from the typed text, which stays as typed.
            values["post_ref_id"] = resolver.post(post)
    for name in ("start_date", "end_date"):
        if name in data and name not in errors:
            raw = data[name]
            if raw in (None, "") or normalize_text(raw) == "":
                if name == "end_date":
                    values["end_date"] = None
                continue
            day = parse_date(raw)
            if day is None:
                _add(errors, name, date_error(raw))
            elif day > today:
                _add(errors, name, _("The date %(date)s is in the future.") % {"date": day.isoformat()})
            elif day.year < 1950:
                _add(
                    errors,
                    name,
                    _("The date %(date)s is too early; check the year.") % {"date": day.isoformat()},
                )
            else:
                values[name] = day
    start = values.get("start_date", instance.start_date if instance else None)
    end = values.get("end_date", instance.end_date if instance else None)
    if start and end and end < start and not errors:
        _add(errors, "end_date", _("The end date is before the start date."))
    for name in ("has_labour_contract", "is_part_time"):
        if name in data:
            flag = parse_bool(data[name])
            if flag is None:
                _add(errors, name, _("Write 是 or 否 (yes or no)."))
            else:
                values[name] = flag
    if "end_reason" in data:
        values["end_reason"] = clean_free_text(data["end_reason"])[:100]
    if errors:
        raise ValidationError(errors)
    return values


def _overlap_error(periods: Sequence[Mapping[str, Any]], candidate: Mapping[str, Any]) -> str | None:
    """A full-time period may not overlap another full-time period of the same person."""
    if candidate.get("is_part_time"):
        return None
    far = datetime.date.max
    start, end = candidate["start_date"], candidate.get("end_date") or far
    for other in periods:
        if other.get("is_part_time"):
            continue
        if other["start_date"] <= end and start <= (other.get("end_date") or far):
            return _(
                "This full-time period overlaps the one at %(institution)s from %(start)s; "
                "end that one first, record a transfer, or mark this one part-time."
            ) % {"institution": other["institution"], "start": other["start_date"].isoformat()}
    return None


# ---------------------------------------------------------------- registration


@dataclass
class Registration:
    """One person to register: worker fields, employment periods, and a district if none is current."""

    data: Mapping[str, Any]
    employments: Sequence[Mapping[str, Any]] = ()
    district: Any = None
    label: Any = ""  # str, or anything whose str() names the item (made only when a message needs it)
    warnings: list[str] = field(default_factory=list)
    # What registration_prepare made of it, when that ran ahead (in an import's helper process).
    prepared: Prepared | ValidationError | None = None

    def __reduce__(self):  # pickled by the thousand in big imports: fields in order, cheaper than a dict
        return (
            Registration,
            (self.data, self.employments, self.district, self.label, self.warnings, self.prepared),
        )


@dataclass
class Prepared:
    """What the database checks and the writer read of a cleaned registration: the ID number's keyed
    hash, the employment periods, and (when it is to be written) the worker's row."""

    id_number_hash: str
    periods: list[dict[str, Any]]
    row: dict[str, Any] | None = None

    def __reduce__(self):  # as Registration's
        return (Prepared, (self.id_number_hash, self.periods, self.row))


def registration_prepare(
    reg: Registration, *, resolver: Resolver, today: datetime.date, for_writing: bool
) -> None:
    """Clean one registration ahead of workers_check / workers_register, which then take the result.

    No database access when `resolver` is primed (Resolver.prime_all); the checks that need the
    database (the ID number already registered, duplicates in the batch) stay with the callers."""
    try:
        values, periods = _prepare(reg, resolver=resolver, today=today)
    except ValidationError as exc:
        reg.prepared = exc
    else:
        row = _worker_row(values, periods) if for_writing else None
        reg.prepared = Prepared(values["id_number_hash"], periods, row)


def _placement(periods: Sequence[Mapping[str, Any]]) -> tuple[Institution | None, bool]:
    """The institution to file the worker under: the current full-time post, else any current, else the last."""
    if not periods:
        return None, False
    current = sorted(
        (p for p in periods if p.get("end_date") is None),
        key=lambda p: (bool(p.get("is_part_time")), p["start_date"]),
    )
    if current:
        full_time = [p for p in current if not p.get("is_part_time")]
        chosen = full_time[-1] if full_time else current[-1]
        return chosen["institution"], True
    last = max(periods, key=lambda p: (p["end_date"], p["start_date"]))
    return last["institution"], False


def _worker_model_values(values: Mapping[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k not in ("id_number", "phone")}
    if "id_number" in values:
        out["id_number_encrypted"] = crypto.encrypt(values["id_number"], context=b"worker.id_number")
    if "phone" in values:
        out["phone_encrypted"] = (
            crypto.encrypt(values["phone"], context=b"worker.phone") if values["phone"] else None
        )
    return out


def _prepare(reg: Registration, *, resolver: Resolver, today: datetime.date) -> tuple[dict, list[dict]]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    try:
        values, warnings = clean_worker_fields(reg.data, resolver=resolver, today=today)
        reg.warnings.extend(warnings)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    periods: list[dict] = []
    for item in reg.employments:
        try:
            period = clean_employment_fields(item, resolver=resolver, today=today)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
            continue
        problem = _overlap_error(periods, period)
        if problem:
            _add(errors, "start_date", problem)
        periods.append(period)
    institution, _active = _placement(periods)
    if institution is None and not errors:
        district = resolver.district(reg.district) if reg.district not in (None, "") else None
        if district is None:
            _add(
                errors,
                "district" if resolver.scope.level != Level.INSTITUTION else "institution",
                _("Give the worker's current employment, or the district to file the record under."),
            )
        else:
            values["district"] = district
    if errors:
        raise ValidationError(errors)
    return values, periods


def _previous_indexes(
    registrations: Sequence[Registration], prepared: Sequence[tuple[int, str, Prepared]], today: datetime.date
) -> dict[str, str]:
    """{index under CAREFORCE_BLIND_INDEX_PREVIOUS: current index} of the valid items' ID numbers."""
    out = {}
    for index, hash_, _p in prepared:
        number = parse_id_number(registrations[index].data.get("id_number"), today=today).value
        for other in crypto.blind_indexes(number, purpose="id_number")[1:]:
            out[other] = hash_
    return out


def _validate_registrations(
    registrations: Sequence[Registration],
    *,
    resolver: Resolver,
    for_writing: bool,
    unchecked: Collection[int] = (),
) -> tuple[list[tuple[int, str, Prepared]], dict[int, ValidationError]]:
    """(index, ID number hash, prepared) of every valid item, and the errors of the others, by index."""
    today = timezone.localdate()
    resolver.prime_institutions(
        [str(e["institution"]) for r in registrations for e in r.employments if e.get("institution")]
    )
    failures: dict[int, ValidationError] = {}
    prepared: list[tuple[int, str, Prepared]] = []
    seen: dict[str, int] = {}
    for index, reg in enumerate(registrations):
        if reg.prepared is None or (
            for_writing and isinstance(reg.prepared, Prepared) and reg.prepared.row is None
        ):
            registration_prepare(reg, resolver=resolver, today=today, for_writing=for_writing)
        if isinstance(reg.prepared, ValidationError):
            failures[index] = reg.prepared
            continue
        hash_ = reg.prepared.id_number_hash
        first = seen.setdefault(hash_, index)
        if first != index:
            failures[index] = ValidationError(
                {
                    "id_number": [
                        _("The same ID number appears again in %(other)s.")
                        % {"other": registrations[first].label or f"#{first + 1}"}
                    ]
                }
            )
            continue
        prepared.append((index, hash_, reg.prepared))
    # While a rotation of the blind index runs, a registered person may still carry the index before.
    also = _previous_indexes(registrations, prepared, today) if crypto.previous_index_suite() else {}
    existing = set(
        Worker.objects.filter(
            id_number_hash__any_of=[hash_ for _i, hash_, _p in prepared] + list(also)
        ).values_list("id_number_hash", flat=True)
    )
    existing.update(also[old] for old in existing & also.keys())
    for index, hash_, _p in prepared:
        if hash_ in existing and index not in unchecked:
            failures[index] = ValidationError({"id_number": [registration_clash_message(resolver.actor)]})
    return prepared, failures


def registration_clash_message(actor: User) -> str:
    """A registration refused because the number is registered (anywhere: the message does not say where)
    tells the registrant the number exists, so it counts against their full-identifier lookup limit like a
    search; beyond the limit the refusal says so instead."""
    try:
        access.lookup_admit(actor)
    except access.LookupRefused as exc:
        return exc.message
    return registration_clash_text()


def registration_clash_text() -> str:
    """The refusal of a number that is registered, without counting it (the caller has counted it)."""
    return _("A worker with this ID number is already in the registry.")


def workers_check(
    *, actor: User, registrations: Sequence[Registration], unchecked: Collection[int] = ()
) -> dict[int, ValidationError]:
    """What workers_register would refuse, by item index, without writing anything (an import's preview).

    The same validation as workers_register, because it is the same code. The items at the `unchecked`
    indexes are not compared with the registry (an import's preview past the lookup limit: the comparison
    would answer whether the number is registered; saving compares them)."""
    _prepared, failures = _validate_registrations(
        registrations, resolver=Resolver(actor), for_writing=False, unchecked=unchecked
    )
    return failures


_EMPLOYMENT_DEFAULTS = {
    "end_date": None,
    "has_labour_contract": False,
    "is_part_time": False,
    "end_reason": "",
    "post_ref_id": None,
}


def _worker_row(values: Mapping[str, Any], periods: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The worker's column values ({attname: value}), filed under its placement."""
    institution, active = _placement(periods)
    row = _worker_model_values(values)
    row["occupation_id"] = row.pop("occupation").pk
    district = institution.district if institution is not None else row.pop("district")
    row.pop("district", None)
    row["district_id"] = district.pk
    row["institution_id"] = institution.pk if institution is not None else None
    row["is_active"] = active
    # The creation event's changes: what audit.snapshot(worker, AUDITED_WORKER_FIELDS) gives, without
    # building a worker (the test of the creation events holds the two together), related records by name,
    # personal data masked. Serialised here, so that an import's helper process does it (and sends one
    # string instead of a dictionary) rather than the process that writes.
    row["_audit"] = bulk.json_text(
        audit.creation_changes(
            {
                "name": row["name"],
                "id_number_masked": mask_id_number(row["id_region"]),
                "phone_masked": mask_phone(row.get("phone_prefix", ""), row.get("phone_last4", "")),
                "education": row["education"],
                "hukou_type": row["hukou_type"],
                "source_channel": row["source_channel"],
                "team": row["team"],
                "occupation": str(values["occupation"]),
                "district": str(district),
                "institution": str(institution) if institution is not None else None,
                "is_active": active,
            }
        )
    )
    return row


def _creation_event(
    actor: User, object_type: str, object_id: int, repr_: str, changes: Any, **ids: Any
) -> dict[str, Any]:
    """An audit row for a new record, as audit.record_create writes it, for the bulk insert. `changes`
    is audit.creation_changes(...) of the record, or that already serialised (bulk.JsonText)."""
    return {
        "actor_id": actor.pk if actor is not None and actor.pk else None,
        "action": AuditAction.CREATE,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": repr_[:200],
        "changes": changes,
        "note": "",
        **ids,
    }


@transaction.atomic
def workers_register(*, actor: User, registrations: Sequence[Registration]) -> list[int]:
    """Register new people with their employment history, all or nothing; returns their new ids, in order.

    Raises BulkValidationError naming every failing item, duplicates inside the batch included.
    Rows are written with COPY on PostgreSQL (registry/bulk.py), bulk_create elsewhere, straight from the
    cleaned values: at import sizes, building model instances would cost more than the validation.
    """
    prepared, failures = _validate_registrations(registrations, resolver=Resolver(actor), for_writing=True)
    if failures:
        raise BulkValidationError(failures)

    rows = [item.row for _index, _hash, item in prepared]
    worker_changes = [row.pop("_audit") for row in rows]
    worker_ids = bulk.insert_rows(Worker, rows, typed=True)
    employments = []
    for worker_id, (_index, _hash, item) in zip(worker_ids, prepared, strict=True):
        for period in item.periods:
            employment = {**_EMPLOYMENT_DEFAULTS, **period, "worker_id": worker_id}
            employment["institution_id"] = employment.pop("institution").pk
            audited = {**employment, "institution": str(period["institution"])}
            audited = {name: audit.plain(audited[name]) for name in AUDITED_EMPLOYMENT_FIELDS}
            employments.append((employment, audit.creation_changes(audited)))
    employment_ids = bulk.insert_rows(Employment, [row for row, _audited in employments], typed=True)
    worker_type, employment_type = Worker._meta.label_lower, Employment._meta.label_lower
    events = [
        _creation_event(
            actor,
            worker_type,
            worker_id,
            row["name"],
            audited,
            worker_id=worker_id,
            institution_id=row["institution_id"],
        )
        for worker_id, row, audited in zip(worker_ids, rows, worker_changes, strict=True)
    ] + [
        _creation_event(
            actor,
            employment_type,
            employment_id,
            f"{row['worker_id']} @ {row['institution_id']} {row['start_date']}",
            audited,
            worker_id=row["worker_id"],
            institution_id=row["institution_id"],
        )
        for employment_id, (row, audited) in zip(employment_ids, employments, strict=True)
    ]
    bulk.insert_rows(AuditEvent, events, typed=True)
    audit.announce([(e["object_type"], e.get("worker_id"), e.get("institution_id")) for e in events])
    placement_touched(row["institution_id"] for row in rows)
    return worker_ids


def worker_register(
    *,
    actor: User,
    data: Mapping[str, Any],
    employment: Mapping[str, Any] | None = None,
    district: Any = None,
) -> Worker:
    """Register one person (with the current employment, if any). Errors are keyed by field."""
    reg = Registration(data=data, employments=[employment] if employment else [], district=district)
    try:
        (worker_id,) = workers_register(actor=actor, registrations=[reg])
        return Worker.objects.get(pk=worker_id)
    except BulkValidationError as exc:
        raise exc.by_index[0] from None


@transaction.atomic
def worker_update(*, actor: User, worker: Worker, data: Mapping[str, Any]) -> list[str]:
    """Change a worker's own fields (not placement). Returns warnings. The caller fetched `worker` scoped."""
    resolver = Resolver(actor)
    worker = Worker.objects.select_for_update(of=("self",)).select_related("occupation").get(pk=worker.pk)
    before = audit.snapshot(worker, AUDITED_WORKER_FIELDS)
    values, warnings = clean_worker_fields(
        {k: v for k, v in data.items() if k in (*WORKER_FIELDS, "gender", "birth_date")},
        resolver=resolver,
        instance=worker,
    )
    new_hash = values.get("id_number_hash", worker.id_number_hash)
    if new_hash != worker.id_number_hash and (
        Worker.objects.filter(
            id_number_hash__in=crypto.blind_indexes(values["id_number"], purpose="id_number")
        )
        .exclude(pk=worker.pk)
        .exists()
    ):
        raise ValidationError({"id_number": [registration_clash_message(actor)]})
    hashes = {"id_number_masked": worker.id_number_hash, "phone_masked": worker.phone_hash}
    for name, value in _worker_model_values(values).items():
        setattr(worker, name, value)
    after = audit.snapshot(worker, AUDITED_WORKER_FIELDS)
    changes = audit.diff(before, after)
    # A mask hides most of a number, so a new ID number or phone often masks like the old one: the change
    # is recorded all the same (the masks on both sides, never a value).
    for key, new in (("id_number_masked", worker.id_number_hash), ("phone_masked", worker.phone_hash)):
        if key not in changes and new != hashes[key]:
            changes[key] = [before[key], after[key]]
    if changes or "id_number" in values or "phone" in values:
        worker.save()
    if changes:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=worker,
            changes=changes,
            worker_id=worker.pk,
            institution_id=worker.institution_id,
        )
        if worker.institution_id and ("occupation" in changes or "team" in changes):
            placement_touched({worker.institution_id})
        _unverify(actor, worker, worker_id=worker.pk, institution_id=worker.institution_id)
    return warnings


def _unverify(actor: User, record: Worker | Employment, **ids: int | None) -> None:
    """A confirmed record whose data changed is self-reported again: the confirmation did not see it."""
    from careforce.registry import verification

    if record.verification != verification.Verification.SELF_REPORTED:
        verification.apply(actor, record, verification.Verification.SELF_REPORTED, **ids)


# ---------------------------------------------------------------- employment history


def _periods_of(worker: Worker, *, exclude: int | None = None) -> list[dict[str, Any]]:
    qs = worker.employments.select_related("institution", "institution__district")
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return [
        {
            "institution": e.institution,
            "start_date": e.start_date,
            "end_date": e.end_date,
            "is_part_time": e.is_part_time,
        }
        for e in qs
    ]


def _refresh_placement(worker: Worker, *, actor: User) -> None:
    institution, active = _placement(_periods_of(worker))
    before = audit.snapshot(worker, ("district", "institution", "is_active"))
    before_institution_id = worker.institution_id
    if institution is not None:
        worker.institution = institution
        worker.district_id = institution.district_id
    worker.is_active = active
    if audit.diff(before, audit.snapshot(worker, ("district", "institution", "is_active"))):
        worker.save(update_fields=["institution", "district", "is_active", "updated_at"])
        placement_touched((before_institution_id, worker.institution_id))


def _record_employment(
    actor: User, action: str, emp: Employment, before: Mapping[str, Any], note: str = ""
) -> None:
    audit.record(
        actor=actor,
        action=action,
        instance=emp,
        changes=audit.diff(before, audit.snapshot(emp, AUDITED_EMPLOYMENT_FIELDS)),
        worker_id=emp.worker_id,
        institution_id=emp.institution_id,
        note=note,
    )


# ---------------------------------------------------------------- pre-employment checks (hook)

# Checks other apps register in their AppConfig.ready() (credit: the dishonesty list) to vet a new current
# employment before it is written. Each is called as
#     check(actor=..., worker=..., institution=..., override_reason=..., action="employment" | "transfer")
# by employment_start (a current period) and worker_transfer, inside their transaction. A check may raise
# ValidationError (credit uses code "dishonesty_listed" on the field "override_reason") to refuse until the
# caller passes `override_reason` in the data; given one, it may record it in the same transaction.
# workers_register does not call them: a person not yet in the registry cannot be on a list kept by record.
PRE_EMPLOYMENT_CHECKS: list[Callable[..., None]] = []


def register_pre_employment_check(check: Callable[..., None]) -> None:
    if check not in PRE_EMPLOYMENT_CHECKS:
        PRE_EMPLOYMENT_CHECKS.append(check)


def _pre_employment_checks(
    *, actor: User, worker: Worker, institution: Institution, data: Mapping[str, Any], action: str
) -> None:
    for check in PRE_EMPLOYMENT_CHECKS:
        check(
            actor=actor,
            worker=worker,
            institution=institution,
            override_reason=clean_free_text(data.get("override_reason")),
            action=action,
        )


def _lock(worker: Worker) -> Worker:
    return Worker.objects.select_for_update().get(pk=worker.pk)


@transaction.atomic
def employment_start(*, actor: User, worker: Worker, data: Mapping[str, Any]) -> Employment:
    """Add a period to a worker's history (a current one, or a past one being recorded late)."""
    resolver = Resolver(actor)
    worker = _lock(worker)
    values = clean_employment_fields(
        {k: v for k, v in data.items() if k in (*EMPLOYMENT_FIELDS, "end_reason")},
        resolver=resolver,
        today=timezone.localdate(),
    )
    problem = _overlap_error(_periods_of(worker), values)
    if problem:
        raise ValidationError({"start_date": [problem]})
    if values.get("end_date") is None:
        _pre_employment_checks(
            actor=actor, worker=worker, institution=values["institution"], data=data, action="employment"
        )
    emp = Employment.objects.create(worker=worker, **values)
    _record_employment(actor, AuditAction.CREATE, emp, {})
    _refresh_placement(worker, actor=actor)
    return emp


@transaction.atomic
def employment_update(*, actor: User, employment: Employment, data: Mapping[str, Any]) -> Employment:
    """Correct a period. The actor must be able to write at the period's institution."""
    resolver = Resolver(actor)
    if resolver.institution(employment.institution) is None:
        raise Http404
    worker = _lock(employment.worker)
    emp = Employment.objects.select_related("institution").get(pk=employment.pk)
    before = audit.snapshot(emp, AUDITED_EMPLOYMENT_FIELDS)
    values = clean_employment_fields(
        {k: v for k, v in data.items() if k in (*EMPLOYMENT_FIELDS, "end_reason")},
        resolver=resolver,
        instance=emp,
        today=timezone.localdate(),
    )
    candidate = {
        "start_date": values.get("start_date", emp.start_date),
        "end_date": values.get("end_date", emp.end_date),
        "is_part_time": values.get("is_part_time", emp.is_part_time),
    }
    if not candidate["is_part_time"] and candidate["end_date"] is None:
        clash = worker.employments.filter(end_date__isnull=True, is_part_time=False).exclude(pk=emp.pk)
        if clash.exists():
            raise ValidationError({"end_date": [_("The worker already has another current full-time post.")]})
    problem = _overlap_error(_periods_of(worker, exclude=emp.pk), candidate)
    if problem:
        raise ValidationError({"start_date": [problem]})
    changed = any(getattr(emp, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(emp, name, value)
    emp.save()
    _record_employment(actor, AuditAction.UPDATE, emp, before)
    if changed:
        _unverify(actor, emp, worker_id=worker.pk, institution_id=emp.institution_id)
    _refresh_placement(worker, actor=actor)
    return emp


@transaction.atomic
def employment_end(*, actor: User, employment: Employment, end_date: Any, reason: str = "") -> Employment:
    """Close a current period (the worker left)."""
    require_write(actor)
    if employment.end_date is not None:
        raise ValidationError({"end_date": [_("This period has already ended.")]})
    data = {"end_date": end_date, "end_reason": reason}
    if normalize_text(end_date) == "" and not isinstance(end_date, datetime.date):
        raise ValidationError({"end_date": [_("Enter the last day of work.")]})
    emp = employment_update(actor=actor, employment=employment, data=data)
    return emp


@transaction.atomic
def worker_transfer(*, actor: User, worker: Worker, data: Mapping[str, Any]) -> Employment:
    """Move a worker to another institution on the same record: close the current full-time post the day
    before `start_date` and open the new one."""
    resolver = Resolver(actor)
    worker = _lock(worker)
    values = clean_employment_fields(
        {k: v for k, v in data.items() if k in EMPLOYMENT_FIELDS},
        resolver=resolver,
        today=timezone.localdate(),
    )
    values.pop("end_date", None)
    values["is_part_time"] = False
    current = (
        worker.employments.select_related("institution")
        .filter(end_date__isnull=True, is_part_time=False)
        .first()
    )
    if current is not None and current.institution_id == values["institution"].pk:
        raise ValidationError({"institution": [_("The worker already works at this institution.")]})
    _pre_employment_checks(
        actor=actor, worker=worker, institution=values["institution"], data=data, action="transfer"
    )
    if current is not None:
        last_day = values["start_date"] - ONE_DAY
        if last_day < current.start_date:
            raise ValidationError(
                {
                    "start_date": [
                        _("The transfer date must be after the current post began (%(date)s).")
                        % {"date": current.start_date.isoformat()}
                    ]
                }
            )
        before = audit.snapshot(current, AUDITED_EMPLOYMENT_FIELDS)
        current.end_date = last_day
        current.end_reason = clean_free_text(data.get("end_reason"))[:100] or _("Transferred")
        current.save(update_fields=["end_date", "end_reason", "updated_at"])
        _record_employment(actor, AuditAction.END, current, before, note="transfer")
    problem = _overlap_error(_periods_of(worker), values)
    if problem:
        raise ValidationError({"start_date": [problem]})
    emp = Employment.objects.create(worker=worker, **values)
    _record_employment(actor, AuditAction.TRANSFER, emp, {}, note="transfer")
    _refresh_placement(worker, actor=actor)
    return emp


# ---------------------------------------------------------------- unmasking personal data


@transaction.atomic
def pii_reveal(
    *,
    actor: User,
    worker: Worker,
    field: str,
    reason: str,
    ip_address: str | None = None,
    channel: str = "web",
) -> str:
    """The full ID number or phone, for an actor with the permission who gives a reason; always logged.

    The caller must have fetched `worker` through a scoped selector.
    """
    if not can_unmask(actor):
        raise Http404
    errors: dict[str, list[str]] = {}
    if field not in PiiField.values:
        errors["field"] = [_("Unknown field.")]
    reason = clean_free_text(reason)
    if len(reason) < 2:
        errors["reason"] = [_("Say why you need to see the full value (for example 核对社保).")]
    if errors:
        raise ValidationError(errors)
    PiiAccess.objects.create(
        actor=actor, worker=worker, field=field, reason=reason[:300], ip_address=ip_address, channel=channel
    )
    access.view_record(actor=actor, worker_id=worker.pk, channel=channel, kind=AccessKind.REVEAL)
    return worker.reveal_id_number() if field == PiiField.ID_NUMBER else worker.reveal_phone()


def pii_reveal_many(
    *,
    actor: User,
    workers: Sequence[Worker],
    reason: str,
    ip_address: str | None = None,
    channel: str = "export",
) -> dict[int, tuple[str, str]]:
    """{worker id: (full ID number, full phone)} for an unmasked export: the rule of pii_reveal (permission,
    reason, a PiiAccess row per worker and field) for many workers at once, the log written in bulk.

    The caller must have fetched `workers` through a scoped selector."""
    if not can_unmask(actor):
        raise Http404
    reason = clean_free_text(reason)
    if len(reason) < 2:
        raise ValidationError(
            {"reason": [_("Say why you need to see the full value (for example 核对社保).")]}
        )
    log = []
    for worker in workers:
        fields = [PiiField.ID_NUMBER] + ([PiiField.PHONE] if worker.phone_encrypted else [])
        log.extend(
            PiiAccess(
                actor=actor,
                worker_id=worker.pk,
                field=field,
                reason=reason[:300],
                ip_address=ip_address,
                channel=channel,
            )
            for field in fields
        )
    with transaction.atomic():
        bulk.insert_many(PiiAccess, log)
    return {worker.pk: (worker.reveal_id_number(), worker.reveal_phone()) for worker in workers}
