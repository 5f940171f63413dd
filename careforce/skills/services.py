"""Writes for skill levels: evaluation bodies and their ranges, certificates (issue, suspend, reinstate,
revoke, renew), titles.

A certificate's validity comes from the CertificateValidity rows (months per occupation and level; none:
never expires) when it is issued, unless the certificate states its own `valid_until`; a renewal moves it on
and is kept as a CertificateRenewal beside the certificate. Suspended and revoked are stored with the date,
the reason and who decided; expired follows from the date (tally.valid_on).

Who acts: there is no evaluation-body account role yet, so the city administrator registers bodies and
records certificates on their behalf (the issuer is always a registered body, checked here); district and
institution administrators record professional titles of workers in their scope.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import audit, vocabulary
from careforce.core.models import AuditAction, AuditEvent, District, User
from careforce.core.scope import Level, require_write, scope_of
from careforce.core.validators import clean_free_text, normalize_code, normalize_text, parse_uscc
from careforce.registry import bulk
from careforce.registry.models import Occupation, Worker
from careforce.registry.selectors import workers_visible_to
from careforce.skills import tally
from careforce.skills.models import (
    Certificate,
    CertificateRenewal,
    CertificateStatus,
    CertificateValidity,
    EvaluationBody,
    EvaluationRange,
    ProfessionalTitle,
    SkillLevel,
    TitleGrade,
    certificate_number_key,
    valid_until,
)
from careforce.training import inputs
from careforce.training.inputs import Errors

BODY_FIELDS = (
    "name",
    "uscc",
    "registration_number",
    "registered_on",
    "district",
    "is_active",
    "contact_name",
)
CERTIFICATE_FIELDS = ("number", "worker", "occupation", "level", "issuer", "issued_on", "status")
# What an audit row of a certificate change holds (validity and status decisions included).
CERTIFICATE_AUDIT_FIELDS = (
    *CERTIFICATE_FIELDS,
    "valid_until",
    "revoked_on",
    "revoke_reason",
    "suspended_on",
    "suspend_reason",
    "status_changed_by",
)


def _require_city(actor: User) -> None:
    if require_write(actor).level != Level.CITY:
        raise Http404


def _require_issuer(actor: User) -> int:
    """Certificates are recorded by the evaluation body that issued them, through its own account; nobody
    stands in for it (administrators view). Returns the body's id."""
    scope = require_write(actor)
    if scope.level != Level.BODY:
        raise Http404
    return scope.evaluation_body_id


def holders_pool(actor: User) -> QuerySet[Worker]:
    """The people an actor may record a certificate for: anyone in the registry for an evaluation body (it
    certifies whoever passes, wherever they work), else the workers in the actor's scope."""
    if scope_of(actor).level == Level.BODY:
        return Worker.objects.all()
    return workers_visible_to(actor)


ISSUER_KEYS = ("registration_number", "uscc", "name")


def _occupation(raw: Any) -> Occupation | None:
    return VocabularyPicker("occupation", Occupation.objects.all())(raw)


def _level(raw: Any) -> SkillLevel | None:
    return VocabularyPicker("skill_level", SkillLevel.objects.all())(raw)


# ---------------------------------------------------------------- evaluation bodies


def _clean_body(data: Mapping[str, Any], *, instance: EvaluationBody | None) -> dict[str, Any]:
    errors = Errors()
    values: dict[str, Any] = {}
    new = instance is None
    if "name" in data or new:
        values["name"] = inputs.text(data, "name", errors, required=True, max_length=120)
    if "uscc" in data or new:
        try:
            values["uscc"] = parse_uscc(data.get("uscc"))
        except ValidationError as exc:
            errors["uscc"] = exc.messages
    if "registration_number" in data or new:
        values["registration_number"] = normalize_code(data.get("registration_number"))[:40]
        if not values["registration_number"]:
            errors.add("registration_number", _("Enter the registration number (备案编号)."))
    if "registered_on" in data or new:
        values["registered_on"] = inputs.date(data, "registered_on", errors, required=True)
    if "district" in data or new:
        district = inputs.pick(District.objects.all(), data.get("district"), keys=("code", "name"))
        if district is None:
            errors.add("district", _("Choose the district where the body is registered."))
        values["district"] = district
    if "is_active" in data:
        values["is_active"] = (
            bool(data["is_active"])
            if not isinstance(data["is_active"], str)
            else data["is_active"].strip().lower() in {"1", "true", "yes", "是", "on"}
        )
    if "contact_name" in data:
        values["contact_name"] = inputs.text(data, "contact_name", errors, max_length=50) or ""
    others = EvaluationBody.objects.exclude(pk=instance.pk if instance else None)
    if values.get("uscc") and others.filter(uscc=values["uscc"]).exists():
        errors.add("uscc", _("Another evaluation body has this credit code."))
    if (
        values.get("registration_number")
        and others.filter(registration_number=values["registration_number"]).exists()
    ):
        errors.add("registration_number", _("Another evaluation body has this registration number."))
    errors.raise_if_any()
    return {k: v for k, v in values.items() if v is not None}


@transaction.atomic
def evaluation_body_register(*, actor: User, data: Mapping[str, Any]) -> EvaluationBody:
    _require_city(actor)
    body = EvaluationBody.objects.create(**_clean_body(data, instance=None))
    audit.record_create(
        actor=actor,
        instance=body,
        fields=BODY_FIELDS,
    )
    return body


@transaction.atomic
def evaluation_body_update(*, actor: User, body: EvaluationBody, data: Mapping[str, Any]) -> EvaluationBody:
    _require_city(actor)
    body = EvaluationBody.objects.select_for_update().get(pk=body.pk)
    before = audit.snapshot(body, BODY_FIELDS)
    for name, value in _clean_body(
        {k: v for k, v in data.items() if k in BODY_FIELDS}, instance=body
    ).items():
        setattr(body, name, value)
    changes = audit.diff(before, audit.snapshot(body, BODY_FIELDS))
    if changes:
        body.save()
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=body, changes=changes)
    return body


@transaction.atomic
def evaluation_range_set(
    *, actor: User, body: EvaluationBody, occupation: Any, lowest: Any, highest: Any
) -> EvaluationRange:
    """Allow (or change) the levels a body may certify in one occupation."""
    _require_city(actor)
    errors = Errors()
    occ, low, high = _occupation(occupation), _level(lowest), _level(highest)
    if occ is None:
        errors.add("occupation", _("Unknown occupation; choose one from the list."))
    for name, level in (("lowest", low), ("highest", high)):
        if level is None:
            errors.add(name, _("Unknown skill level; choose one from the ladder."))
        elif not level.is_certified:
            errors.add(
                name,
                _("%(level)s is not a certified level; choose 初级工 to 高级技师.") % {"level": level.name},
            )
    if low and high and low.rank > high.rank:
        errors.add("highest", _("The highest level is below the lowest one."))
    errors.raise_if_any()
    scope_row, created = EvaluationRange.objects.update_or_create(
        body=body, occupation=occ, defaults={"lowest": low, "highest": high}
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        instance=body,
        changes={"range": [None, f"{occ.name}: {low.name}–{high.name}"]},
    )
    return scope_row


# ---------------------------------------------------------------- certificates


@dataclass
class CertificateLookups:
    """What checking certificates reads, loaded for a whole batch in a fixed number of queries (five,
    however many rows): occupations and levels (small tables, all), the issuers the rows name with their
    ranges, and which of the rows' numbers are already recorded (number → holder)."""

    occupation: inputs.Picker
    level: inputs.Picker
    issuer: inputs.Picker
    numbers: dict[str, int]

    @classmethod
    def load(cls, items: Iterable[Mapping[str, Any]]) -> CertificateLookups:
        items = list(items)
        ids, texts = inputs.wanted(item.get("issuer") for item in items)
        issuers = EvaluationBody.objects.filter(
            Q(pk__in=ids) | Q(registration_number__in=texts) | Q(uscc__in=texts) | Q(name__in=texts)
        ).prefetch_related(
            Prefetch("ranges", queryset=EvaluationRange.objects.select_related("lowest", "highest"))
        )
        keys = {certificate_number_key(item.get("number")) for item in items} - {""}
        recorded = Certificate.objects.filter(number_key__in=keys).values_list(
            "number_key", "issuer_id", "worker_id"
        )
        return cls(
            occupation=VocabularyPicker("occupation", Occupation.objects.all()),
            level=VocabularyPicker("skill_level", SkillLevel.objects.all()),
            issuer=inputs.Picker(issuers, keys=ISSUER_KEYS),
            numbers={(key, issuer): worker for key, issuer, worker in recorded},
        )

    def holder(self, number: Any, issuer: EvaluationBody | None) -> int | None:
        """The worker a certificate of this number from this issuer is recorded for, if it is."""
        if issuer is None:
            return None
        return self.numbers.get((certificate_number_key(number), issuer.pk))


class VocabularyPicker(inputs.Picker):
    """A Picker over a reference list: by id, else by code, label or synonym through the list's vocabulary
    (careforce.core.vocabulary), read once for the batch."""

    def __init__(self, list_name: str, rows: Iterable[Any]):
        super().__init__(rows, keys=("code",))
        self.list_name = list_name
        self.vocabulary = vocabulary.snapshot()

    def __call__(self, raw: Any) -> Any:
        if isinstance(raw, Model):
            return self.by_pk.get(raw.pk)
        text = normalize_text(raw)
        if text.isdigit() and len(text) < 12 and int(text) in self.by_pk:
            return self.by_pk[int(text)]
        code = self.vocabulary.resolve(self.list_name, raw)
        return self.by_key["code"].get(code) if code else None


def clean_certificate(
    actor: User, data: Mapping[str, Any], *, lookups: CertificateLookups | None = None
) -> dict[str, Any]:
    """Check a certificate before it is recorded. `lookups` (CertificateLookups.load over a batch) lets an
    import check many rows without a query per row; without it they are loaded for this one. An evaluation
    body's account records its own certificates: an empty issuer means its body, another body is refused."""
    scope = scope_of(actor)
    own_body_id = scope.evaluation_body_id if scope.level == Level.BODY else None
    data = with_own_issuer(actor, data)
    lookups = lookups or CertificateLookups.load([data])
    errors = Errors()
    # Kept as issued (CQ2026-YL-000123 keeps its hyphens and case), matched on its key.
    number = normalize_text(data.get("number"))
    number_key = certificate_number_key(number)
    if not number_key:
        errors.add("number", _("Enter the certificate number."))
    elif len(number) > 40:
        errors.add("number", _("Too long (at most %(n)d characters).") % {"n": 40})
    worker = data.get("worker")
    if not isinstance(worker, Worker):
        worker = inputs.pick(holders_pool(actor), worker)
    if worker is None:
        errors.add("worker", _("No such worker in your area; check the worker's record id."))
    occupation = lookups.occupation(data.get("occupation"))
    if occupation is None:
        errors.add("occupation", _("Unknown occupation; choose one from the list."))
    level = lookups.level(data.get("level"))
    if level is None:
        errors.add("level", _("Unknown skill level; choose one from the ladder."))
    elif not level.is_certified:
        errors.add(
            "level",
            _("%(level)s is not issued as a certificate; choose 初级工 to 高级技师.") % {"level": level.name},
        )
    issuer = lookups.issuer(data.get("issuer"))
    if issuer is None:
        errors.add("issuer", _("Unknown evaluation body; only registered (备案) bodies issue certificates."))
    elif own_body_id is not None and issuer.pk != own_body_id:
        errors.add("issuer", _("Record only the certificates your own body issued; leave the issuer empty."))
        issuer = None
    elif not issuer.is_active:
        errors.add(
            "issuer",
            _("The registration of %(body)s is not in force; it cannot issue.") % {"body": issuer.name},
        )
    if number_key and len(number) <= 40 and lookups.holder(number, issuer) is not None:
        errors.add("number", _("This issuing body's certificate with this number is already recorded."))
    issued_on = inputs.date(data, "issued_on", errors, required=True)
    if issued_on and issued_on > timezone.localdate():
        errors.add("issued_on", _("The issue date is in the future."))
    if issuer and issued_on and issued_on < issuer.registered_on:
        errors.add(
            "issued_on", _("The body was registered only on %(date)s.") % {"date": issuer.registered_on}
        )
    if issuer and issuer.is_active and occupation and level and level.is_certified:
        allowed = any(
            r.occupation_id == occupation.pk and r.lowest.rank <= level.rank <= r.highest.rank
            for r in issuer.ranges.all()
        )
        if not allowed:
            errors.add(
                "level",
                _("%(body)s may not certify %(occupation)s at %(level)s; check its registered range.")
                % {"body": issuer.name, "occupation": occupation.name, "level": level.name},
            )
    errors.raise_if_any()
    return {
        "number": number,
        "number_key": number_key,
        "worker": worker,
        "occupation": occupation,
        "level": level,
        "issuer": issuer,
        "issued_on": issued_on,
    }


def with_own_issuer(actor: User, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The item with the body's own id as issuer when an evaluation body's account leaves it empty."""
    scope = scope_of(actor)
    if scope.level == Level.BODY and inputs.is_blank(data.get("issuer")):
        return {**data, "issuer": scope.evaluation_body_id}
    return data


@transaction.atomic
def certificate_issue(
    *, actor: User, data: Mapping[str, Any], lookups: CertificateLookups | None = None
) -> Certificate:
    """Record a certificate issued by a registered body within its range (the body's own account)."""
    try:
        (cert,) = certificates_issue(actor=actor, items=[data], lookups=lookups)
    except CertificateErrors as exc:
        raise exc.by_index[0] from None
    return cert


@transaction.atomic
def certificates_issue(
    *, actor: User, items: Sequence[Mapping[str, Any]], lookups: CertificateLookups | None = None
) -> list[Certificate]:
    """certificate_issue for many certificates (an import's batch), all or nothing.

    The same checks row by row (clean_certificate), then one insert, one refresh of the workers' standing,
    one recount of their institutions and the audit rows in bulk. Raises CertificateErrors naming every
    refused item by its index, numbers repeated within `items` included."""
    _require_issuer(actor)
    items = [with_own_issuer(actor, data) for data in items]
    lookups = lookups or CertificateLookups.load(items)
    validity = validity_rules()
    failures: dict[int, ValidationError] = {}
    cleaned: list[dict[str, Any]] = []
    first_of: dict[str, int] = {}
    for index, data in enumerate(items):
        try:
            values = clean_certificate(actor, data, lookups=lookups)
        except ValidationError as exc:
            failures[index] = exc
            continue
        first = first_of.setdefault((values["number_key"], values["issuer"].pk), index)
        if first != index:
            failures[index] = ValidationError(
                {"number": [_("The same certificate number appears twice in this batch.")]}
            )
            continue
        try:
            values["valid_until"] = _clean_valid_until(data, values, validity)
        except ValidationError as exc:
            failures[index] = exc
            continue
        cleaned.append(values)
    if failures:
        raise CertificateErrors(failures)
    certificates = [Certificate(**values) for values in cleaned]
    bulk.insert_many(Certificate, certificates)
    placed = dict(
        Worker.objects.filter(pk__in={c.worker_id for c in certificates}).values_list("pk", "institution_id")
    )
    tally.refresh_worker_skills(placed)
    tally.recount_institutions(placed.values())
    fields = CERTIFICATE_AUDIT_FIELDS
    bulk.insert_many(
        AuditEvent,
        [
            audit.build_event(
                actor=actor,
                action=AuditAction.CREATE,
                instance=cert,
                changes=audit.creation_changes(audit.snapshot(cert, fields)),
                worker_id=cert.worker_id,
                institution_id=placed.get(cert.worker_id),
            )
            for cert in certificates
        ],
    )
    return certificates


class CertificateErrors(ValidationError):
    """The items certificates_issue refused: {index: ValidationError}."""

    def __init__(self, by_index: dict[int, ValidationError]):
        self.by_index = by_index
        super().__init__(
            [f"#{index + 1}: {'; '.join(error.messages)}" for index, error in sorted(by_index.items())]
        )


def validity_rules() -> dict[tuple[int | None, int | None], int | None]:
    """(occupation id or None, level id or None) → months (None: never expires)."""
    return {(r.occupation_id, r.level_id): r.months for r in CertificateValidity.objects.all()}


def validity_months(
    rules: Mapping[tuple[int | None, int | None], int | None], occupation_id: int, level_id: int
) -> int | None:
    """The most specific rule: occupation and level, occupation, level, any; no rule: never expires."""
    for key in ((occupation_id, level_id), (occupation_id, None), (None, level_id), (None, None)):
        if key in rules:
            return rules[key]
    return None


def _clean_valid_until(
    data: Mapping[str, Any],
    values: Mapping[str, Any],
    rules: Mapping[tuple[int | None, int | None], int | None],
):
    """The certificate's own `valid_until` if it states one, else the validity rule's from the issue date."""
    errors = Errors()
    stated = (
        inputs.date(data, "valid_until", errors) if not inputs.is_blank(data.get("valid_until")) else None
    )
    if stated is not None and stated < values["issued_on"]:
        errors.add("valid_until", _("The certificate cannot end before it was issued."))
    errors.raise_if_any()
    if stated is not None:
        return stated
    return valid_until(
        values["issued_on"], validity_months(rules, values["occupation"].pk, values["level"].pk)
    )


def _locked_certificate(actor: User, certificate: Certificate) -> Certificate:
    _require_city(actor)
    return Certificate.objects.select_for_update().select_related("worker").get(pk=certificate.pk)


def _reason(raw: Any, errors: Errors, field: str, message: str) -> str:
    text = clean_free_text(raw)  # a reason is free text: kept as typed
    if len(text) < 2:
        errors.add(field, message)
    elif len(text) > 200:
        errors.add(field, _("Too long (at most %(n)d characters).") % {"n": 200})
    return text


@transaction.atomic
def certificate_revoke(
    *, actor: User, certificate: Certificate, reason: Any, revoked_on: Any = None
) -> Certificate:
    """Revoke for good (a suspended certificate too), with the date, the reason and who decided."""
    cert = _locked_certificate(actor, certificate)
    errors = Errors()
    if cert.status == CertificateStatus.REVOKED:
        errors.add("status", _("This certificate is already revoked."))
    text = _reason(reason, errors, "reason", _("Say why the certificate is revoked."))
    day = inputs.date({"revoked_on": revoked_on}, "revoked_on", errors) or timezone.localdate()
    if day < cert.issued_on:
        errors.add("revoked_on", _("The revocation date is before the issue date."))
    errors.raise_if_any()
    before = audit.snapshot(cert, CERTIFICATE_AUDIT_FIELDS)
    cert.status = CertificateStatus.REVOKED
    cert.revoked_on = day
    cert.revoke_reason = text
    cert.status_changed_by = actor
    cert.save(update_fields=["status", "revoked_on", "revoke_reason", "status_changed_by"])
    _after_certificate_change(actor, cert, AuditAction.UPDATE, before)
    return cert


@transaction.atomic
def certificate_suspend(
    *, actor: User, certificate: Certificate, reason: Any, suspended_on: Any = None
) -> Certificate:
    """Suspend a valid certificate (it stops counting until reinstated), with the date, reason and who."""
    cert = _locked_certificate(actor, certificate)
    errors = Errors()
    text = _reason(reason, errors, "reason", _("Say why the certificate is suspended."))
    day = inputs.date({"suspended_on": suspended_on}, "suspended_on", errors) or timezone.localdate()
    if day < cert.issued_on:
        errors.add("suspended_on", _("The suspension date is before the issue date."))
    errors.raise_if_any()  # what was typed first; then whether the decision applies
    if cert.status != CertificateStatus.VALID:
        errors.add(
            "status",
            _("Only a valid certificate can be suspended; this one is %(status)s.")
            % {"status": cert.get_status_display()},
        )
    errors.raise_if_any()
    before = audit.snapshot(cert, CERTIFICATE_AUDIT_FIELDS)
    cert.status = CertificateStatus.SUSPENDED
    cert.suspended_on, cert.suspend_reason, cert.status_changed_by = day, text, actor
    cert.save(update_fields=["status", "suspended_on", "suspend_reason", "status_changed_by"])
    _after_certificate_change(actor, cert, AuditAction.UPDATE, before)
    return cert


@transaction.atomic
def certificate_reinstate(*, actor: User, certificate: Certificate, reason: Any) -> Certificate:
    """Lift a suspension: the certificate is valid again (until its valid_until). The suspension's date
    and reason stay in the audit trail."""
    cert = _locked_certificate(actor, certificate)
    errors = Errors()
    text = _reason(reason, errors, "reason", _("Say why the suspension is lifted."))
    errors.raise_if_any()  # what was typed first; then whether the decision applies
    if cert.status != CertificateStatus.SUSPENDED:
        errors.add("status", _("Only a suspended certificate can be reinstated."))
    errors.raise_if_any()
    before = audit.snapshot(cert, CERTIFICATE_AUDIT_FIELDS)
    cert.status = CertificateStatus.VALID
    cert.suspended_on, cert.suspend_reason, cert.status_changed_by = None, "", actor
    cert.save(update_fields=["status", "suspended_on", "suspend_reason", "status_changed_by"])
    _after_certificate_change(actor, cert, AuditAction.UPDATE, before, note=text)
    return cert


@transaction.atomic
def certificate_renew(*, actor: User, certificate: Certificate, data: Mapping[str, Any]) -> Certificate:
    """Renew: a new validity, kept as a CertificateRenewal linked to the validity it replaces. The new
    period runs from the day after the old end when renewed before it, else from the renewal date; the
    certificate may state its new end (`valid_until`). Suspended and revoked certificates are not renewed."""
    cert = _locked_certificate(actor, certificate)
    errors = Errors()
    if cert.status != CertificateStatus.VALID:
        errors.add(
            "status",
            _("A %(status)s certificate cannot be renewed.") % {"status": cert.get_status_display()},
        )
    renewed_on = inputs.date(data, "renewed_on", errors) or timezone.localdate()
    if renewed_on > timezone.localdate():
        errors.add("renewed_on", _("The renewal date is in the future."))
    stated = (
        inputs.date(data, "valid_until", errors) if not inputs.is_blank(data.get("valid_until")) else None
    )
    note = inputs.text(data, "note", errors, max_length=200) or ""
    months = validity_months(validity_rules(), cert.occupation_id, cert.level_id)
    if stated is None and months is None:
        errors.add(
            "valid_until",
            _(
                "Certificates of this kind do not expire; give the new end date if the certificate states one."
            ),
        )
    errors.raise_if_any()
    start = renewed_on
    if cert.valid_until is not None and cert.valid_until >= renewed_on:
        start = cert.valid_until + datetime.timedelta(days=1)
    new_end = stated or valid_until(start, months)
    if cert.valid_until is not None and new_end <= cert.valid_until:
        raise ValidationError({"valid_until": [_("The new end date must be later than the current one.")]})
    if new_end < renewed_on:
        raise ValidationError({"valid_until": [_("The new end date has already passed.")]})
    before = audit.snapshot(cert, CERTIFICATE_AUDIT_FIELDS)
    renewal = CertificateRenewal.objects.create(
        certificate=cert,
        previous_valid_until=cert.valid_until,
        valid_until=new_end,
        renewed_on=renewed_on,
        reason=note,
        renewed_by=actor,
    )
    cert.valid_until = new_end
    cert.save(update_fields=["valid_until"])
    _after_certificate_change(actor, cert, AuditAction.UPDATE, before, note=f"renewal {renewal.pk}: {note}")
    return cert


def _after_certificate_change(
    actor: User, cert: Certificate, action: str, before: dict, *, note: str = ""
) -> None:
    worker = Worker.objects.only("id", "institution_id").get(pk=cert.worker_id)
    tally.refresh_worker_skill(worker.pk)
    tally.recount_institutions([worker.institution_id])
    audit.record(
        actor=actor,
        action=action,
        instance=cert,
        changes=audit.diff(before, audit.snapshot(cert, CERTIFICATE_AUDIT_FIELDS)),
        worker_id=worker.pk,
        institution_id=worker.institution_id,
        note=note[:200],
    )


# ---------------------------------------------------------------- professional titles


@transaction.atomic
def title_record(*, actor: User, worker: Worker, data: Mapping[str, Any]) -> ProfessionalTitle:
    """Record a professional title of a worker the actor may write for."""
    require_write(actor)
    if not workers_visible_to(actor).filter(pk=worker.pk).exists():
        raise Http404
    errors = Errors()
    grade = normalize_text(data.get("grade"))
    labels = {str(label): value for value, label in TitleGrade.choices}
    grade = (
        grade
        if grade in TitleGrade.values
        else labels.get(grade)
        or {"初级": "junior", "中级": "intermediate", "副高级": "associate_senior", "正高级": "senior"}.get(
            grade
        )
    )
    if grade is None:
        errors.add("grade", _("Choose 初级, 中级, 副高级 or 正高级."))
    name = inputs.text(data, "name", errors, required=True, max_length=60)
    awarded_on = inputs.date(data, "awarded_on", errors, required=True)
    if awarded_on and awarded_on > timezone.localdate():
        errors.add("awarded_on", _("The award date is in the future."))
    awarded_by = inputs.text(data, "awarded_by", errors, required=True, max_length=120)
    number = inputs.text(data, "certificate_number", errors, max_length=40) or ""
    errors.raise_if_any()
    title = ProfessionalTitle.objects.create(
        worker=worker,
        grade=grade,
        name=name,
        awarded_on=awarded_on,
        awarded_by=awarded_by,
        certificate_number=number,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=title,
        changes=audit.diff({}, audit.snapshot(title, ("grade", "name", "awarded_on", "awarded_by"))),
        worker_id=worker.pk,
        institution_id=worker.institution_id,
    )
    return title


# ---------------------------------------------------------------- verification (核验)


@transaction.atomic
def certificate_verify(*, actor: User, certificate: Certificate, status: Any) -> Certificate:
    """Mark a certificate checked against its evaluation body (district or city administrators) or confirmed
    by the holder's institution; back to self-reported withdraws it. Out of scope: 404."""
    from careforce.registry import verification

    scope = require_write(actor)
    if not scope.is_area:
        raise Http404  # an evaluation body answers for its certificates by issuing them, not by checking
    status = verification.parse_status(status)
    if not verification.may_set(scope, status):
        raise ValidationError(
            {
                "verification": [
                    _("Only a district or city administrator checks a certificate with its issuer.")
                ]
            }
        )
    locked = (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("worker")
        .filter(pk=certificate.pk, worker__in=workers_visible_to(actor))
        .first()
    )
    if locked is None:
        raise Http404
    verification.apply(
        actor, locked, status, worker_id=locked.worker_id, institution_id=locked.worker.institution_id
    )
    return locked
