"""Writes of evaluations, complaints and penalties. Pages, the API, the public link and imports call these.

Every write is audited in its transaction, and the credit score of the worker concerned is recomputed in
the same transaction (careforce.credit.services.credit_recompute_workers), so the score never lags.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.conduct import inputs
from careforce.conduct.models import (
    OPEN_STATUSES,
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    ConductSettings,
    Evaluation,
    EvaluationDimension,
    EvaluationScore,
    EvaluationSource,
    EvaluatorKind,
    Finding,
    Penalty,
    PenaltyKind,
)
from careforce.core import audit, vocabulary
from careforce.core.models import AuditAction, User
from careforce.core.scope import Level, require_write
from careforce.core.validators import normalize_text
from careforce.core.workdays import add_working_days
from careforce.credit.services import credit_recompute_workers
from careforce.institutions.models import Institution
from careforce.registry.choices import choice_labels, parse_choice
from careforce.registry.models import Worker

EVALUATION_FIELDS = (
    "worker",
    "institution",
    "evaluator_kind",
    "evaluated_on",
    "average",
    "source",
    "comment",
)
COMPLAINT_FIELDS = (
    "channel",
    "worker",
    "institution",
    "content",
    "received_on",
    "deadline",
    "status",
    "finding",
    "finding_note",
    "concluded_on",
    "closed_on",
)
PENALTY_FIELDS = (
    "worker",
    "institution",
    "kind",
    "deciding_body",
    "legal_basis",
    "decision_number",
    "fine_amount",
    "decided_on",
    "effective_from",
    "effective_to",
    "complaint",
)
LINK_SALT = "careforce.conduct.evaluation-link"


def require_authority(actor: User):
    """City and district administrators: the civil-affairs bureaus that investigate and decide."""
    scope = require_write(actor)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    return scope


def _district_of(worker: Worker | None, institution: Institution | None):
    return institution.district if institution is not None else worker.district


def _recompute(*workers: Worker | None) -> None:
    ids = [w.pk for w in workers if w is not None]
    if ids:
        credit_recompute_workers(ids)


def _choice(data: Mapping, name: str, choices, errors: inputs.Errors, *, required: bool = True) -> str:
    raw = data.get(name)
    if inputs.is_blank(raw):
        if required:
            inputs.add(errors, name, _("This field is required."))
        return ""
    value = parse_choice(raw, choices)  # code, label or synonym (careforce.core.vocabulary)
    if value is None:
        inputs.add(errors, name, _("Choose one of: %(choices)s.") % {"choices": choice_labels(choices)})
    return value or ""


def _subjects(actor: User, data: Mapping, errors: inputs.Errors) -> tuple[Worker | None, Institution | None]:
    """The worker and/or institution a complaint or penalty is about; at least one."""
    worker = institution = None
    if not inputs.is_blank(data.get("worker")):
        worker = inputs.worker_in_scope(actor, data.get("worker"), errors)
    if not inputs.is_blank(data.get("institution")):
        institution = inputs.institution_in_scope(actor, data.get("institution"), errors)
    if worker is None and institution is None and "worker" not in errors and "institution" not in errors:
        inputs.add(errors, "worker", _("Name the worker, the institution, or both."))
    return worker, institution


# ---------------------------------------------------------------- evaluations


def _scores(data: Mapping, errors: inputs.Errors) -> list[tuple[EvaluationDimension, int]]:
    """{dimension code, name or id: 1–5}; every dimension in use must be scored."""
    raw = data.get("scores")
    if not isinstance(raw, Mapping):
        raw = {}
    dimensions = list(EvaluationDimension.objects.filter(is_active=True))
    by_key: dict[str, EvaluationDimension] = {}
    for dim in dimensions:
        for key in (str(dim.pk), dim.code.lower(), dim.name):
            by_key.setdefault(key, dim)
    given: dict[int, int] = {}
    for key, value in raw.items():
        dim = by_key.get(normalize_text(key)) or by_key.get(normalize_text(key).lower())
        if dim is None:
            inputs.add(errors, "scores", _("Unknown evaluation dimension “%(name)s”.") % {"name": key})
            continue
        text = normalize_text(value)
        if text.isdigit() and 1 <= int(text) <= 5:
            given[dim.pk] = int(text)
        elif text:
            inputs.add(
                errors,
                f"score_{dim.code}",
                _("%(name)s: give a whole score from 1 to 5.") % {"name": dim.name},
            )
    for dim in dimensions:
        if dim.pk not in given and f"score_{dim.code}" not in errors:
            inputs.add(
                errors, f"score_{dim.code}", _("%(name)s: give a score from 1 to 5.") % {"name": dim.name}
            )
    return [(dim, given[dim.pk]) for dim in dimensions if dim.pk in given]


def _evaluation_save(
    *,
    actor: User | None,
    worker: Worker,
    institution: Institution,
    data: Mapping,
    source: str,
    errors: inputs.Errors,
) -> Evaluation:
    kind = _choice(data, "evaluator_kind", EvaluatorKind, errors)
    evaluated_on = inputs.day(data, "evaluated_on", errors, default=timezone.localdate())
    comment = inputs.text(data, "comment", errors, max_length=1000, required=False)
    scores = _scores(data, errors)
    if errors:
        raise ValidationError(errors)
    average = (Decimal(sum(s for _d, s in scores)) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    evaluation = Evaluation.objects.create(
        worker=worker,
        institution=institution,
        district_id=institution.district_id,
        evaluator_kind=kind,
        source=source,
        evaluated_on=evaluated_on,
        average=average,
        comment=comment,
        created_by=actor if actor is not None and actor.pk else None,
    )
    EvaluationScore.objects.bulk_create(
        [EvaluationScore(evaluation=evaluation, dimension=dim, score=score) for dim, score in scores]
    )
    audit.record_create(
        actor=actor,
        instance=evaluation,
        fields=EVALUATION_FIELDS,
        worker_id=worker.pk,
        institution_id=institution.pk,
    )
    _recompute(worker)
    return evaluation


@transaction.atomic
def evaluation_create(
    *, actor: User, data: Mapping[str, Any], source: str = EvaluationSource.INSTITUTION
) -> Evaluation:
    """An evaluation entered by staff: the worker, the institution (default: the worker's current one)."""
    require_write(actor)
    errors: inputs.Errors = {}
    worker = inputs.worker_in_scope(actor, data.get("worker"), errors)
    institution = None
    if not inputs.is_blank(data.get("institution")):
        institution = inputs.institution_in_scope(actor, data.get("institution"), errors)
    elif worker is not None:
        institution = worker.institution
        if institution is None:
            inputs.add(errors, "institution", _("The worker has no institution; name the one evaluated."))
    return _evaluation_save(
        actor=actor, worker=worker, institution=institution, data=data, source=source, errors=errors
    )


def evaluation_link_token(*, worker: Worker, institution: Institution) -> str:
    """A signed token for the public evaluation form of one worker at one institution (expires by setting)."""
    return signing.dumps({"w": worker.pk, "i": institution.pk}, salt=LINK_SALT, compress=True)


def evaluation_link_target(token: str) -> tuple[Worker, Institution]:
    """The worker and institution of a valid, unexpired token; 404 otherwise (never says why)."""
    max_age = datetime.timedelta(days=ConductSettings.current().evaluation_link_days)
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=max_age)
        worker = Worker.objects.select_related("institution").get(pk=int(payload["w"]))
        institution = Institution.objects.select_related("district").get(pk=int(payload["i"]))
    except (
        signing.BadSignature,
        KeyError,
        TypeError,
        ValueError,
        Worker.DoesNotExist,
        Institution.DoesNotExist,
    ):
        raise Http404 from None
    return worker, institution


@transaction.atomic
def evaluation_submit_public(*, token: str, data: Mapping[str, Any]) -> Evaluation:
    """An evaluation by an elder or family member through the public link (no account)."""
    worker, institution = evaluation_link_target(token)
    errors: inputs.Errors = {}
    return _evaluation_save(
        actor=None,
        worker=worker,
        institution=institution,
        data=data,
        source=EvaluationSource.PUBLIC_LINK,
        errors=errors,
    )


# ---------------------------------------------------------------- complaints


def _channel(raw: Any, errors: inputs.Errors) -> ComplaintChannel | None:
    if isinstance(raw, ComplaintChannel):
        return raw
    key = normalize_text(raw)
    if not key:
        inputs.add(errors, "channel", _("This field is required."))
        return None
    code = vocabulary.resolve("complaint_channel", raw)  # code, name or synonym
    found = (ComplaintChannel.objects.filter(code=code).first() if code else None) or (
        ComplaintChannel.objects.filter(pk=int(key)).first() if key.isdigit() and len(key) < 9 else None
    )
    if found is None:
        names = "、".join(ComplaintChannel.objects.values_list("name", flat=True))
        inputs.add(errors, "channel", _("Choose one of: %(choices)s.") % {"choices": names})
    return found


@transaction.atomic
def complaint_receive(*, actor: User, data: Mapping[str, Any]) -> Complaint:
    """Record a complaint as received; its deadline is the channel's working days after the date received
    (public holidays and adjusted working weekends from the calendar, core/workdays.py)."""
    require_write(actor)
    errors: inputs.Errors = {}
    channel = _channel(data.get("channel"), errors)
    worker, institution = _subjects(actor, data, errors)
    content = inputs.text(data, "content", errors, max_length=4000)
    received_on = inputs.day(data, "received_on", errors, default=timezone.localdate())
    if errors:
        raise ValidationError(errors)
    complaint = Complaint.objects.create(
        channel=channel,
        worker=worker,
        institution=institution,
        district=_district_of(worker, institution),
        content=content,
        received_on=received_on,
        deadline=add_working_days(received_on, channel.deadline_days),
    )
    audit.record_create(
        actor=actor,
        instance=complaint,
        fields=COMPLAINT_FIELDS,
        worker_id=complaint.worker_id,
        institution_id=complaint.institution_id,
    )
    return complaint


# The workflow: which status may follow which.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ComplaintStatus.RECEIVED: (ComplaintStatus.INVESTIGATING,),
    ComplaintStatus.INVESTIGATING: (ComplaintStatus.SUBSTANTIATED, ComplaintStatus.UNSUBSTANTIATED),
    ComplaintStatus.SUBSTANTIATED: (ComplaintStatus.CLOSED,),
    ComplaintStatus.UNSUBSTANTIATED: (ComplaintStatus.CLOSED,),
    ComplaintStatus.CLOSED: (),
}


@transaction.atomic
def complaint_transition(
    *, actor: User, complaint: Complaint, to: Any, note: Any = "", on: Any = None
) -> Complaint:
    """Move a complaint one step along its workflow. A finding needs the investigation's outcome in `note`.

    Only the civil-affairs bureaus (city, district) investigate and conclude; the caller fetched the
    complaint through the scoped selector.
    """
    require_authority(actor)
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    errors: inputs.Errors = {}
    target = parse_choice(to, ComplaintStatus) if not inputs.is_blank(to) else None
    allowed = TRANSITIONS[complaint.status]
    if target is None or target not in allowed:
        labels = "、".join(str(ComplaintStatus(s).label) for s in allowed) or "—"
        inputs.add(
            errors,
            "to",
            _("From “%(status)s” the complaint can only move to: %(allowed)s.")
            % {"status": complaint.get_status_display(), "allowed": labels},
        )
        raise ValidationError(errors)
    day = inputs.day({"on": on}, "on", errors, default=timezone.localdate())
    note_text = inputs.text({"note": note}, "note", errors, max_length=4000, required=False)
    if day is not None and day < complaint.received_on:
        inputs.add(errors, "on", _("The date is before the complaint was received."))
    finding = target in (ComplaintStatus.SUBSTANTIATED, ComplaintStatus.UNSUBSTANTIATED)
    if finding and not note_text:
        inputs.add(errors, "note", _("Describe the outcome of the investigation."))
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(complaint, COMPLAINT_FIELDS)
    complaint.status = target
    if finding:
        complaint.finding = Finding(target)
        complaint.finding_note = note_text
        complaint.concluded_on = day
    if target == ComplaintStatus.CLOSED:
        complaint.closed_on = day
    complaint.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=complaint,
        changes=audit.diff(before, audit.snapshot(complaint, COMPLAINT_FIELDS)),
        worker_id=complaint.worker_id,
        institution_id=complaint.institution_id,
        note=note_text if not finding else "",
    )
    if finding:
        _recompute(complaint.worker)
    return complaint


def complaint_is_open(complaint: Complaint) -> bool:
    return complaint.status in OPEN_STATUSES


# ---------------------------------------------------------------- penalties


@transaction.atomic
def penalty_record(*, actor: User, data: Mapping[str, Any]) -> Penalty:
    """Record a penalty decided by an authority: who decided, on what legal basis, what, from when."""
    require_authority(actor)
    errors: inputs.Errors = {}
    worker, institution = _subjects(actor, data, errors)
    kind = _choice(data, "kind", PenaltyKind, errors)
    deciding_body = inputs.text(data, "deciding_body", errors, max_length=120)
    legal_basis = inputs.text(data, "legal_basis", errors, max_length=300)
    decision_number = inputs.text(data, "decision_number", errors, max_length=60, required=False)
    note = inputs.text(data, "note", errors, max_length=2000, required=False)
    decided_on = inputs.day(data, "decided_on", errors)
    effective_from = inputs.day(data, "effective_from", errors, default=decided_on, allow_future=True)
    effective_to = inputs.day(data, "effective_to", errors, required=False, allow_future=True)
    if effective_from and effective_to and effective_to < effective_from:
        inputs.add(errors, "effective_to", _("The end is before the start; check the dates."))
    if decided_on and effective_from and effective_from < decided_on:
        inputs.add(errors, "effective_from", _("A penalty cannot take effect before it was decided."))
    fine_amount = None
    raw_fine = normalize_text(data.get("fine_amount"))
    if kind == PenaltyKind.FINE:
        try:
            fine_amount = Decimal(raw_fine.replace(",", "").removesuffix("元"))
            if not Decimal(0) < fine_amount < Decimal(10**10) or fine_amount.as_tuple().exponent < -2:
                raise ValueError(raw_fine)
        except (ArithmeticError, ValueError):
            inputs.add(errors, "fine_amount", _("Enter the fine in yuan, for example 2000."))
    elif raw_fine:
        inputs.add(errors, "fine_amount", _("Only a fine has an amount; leave it empty for this kind."))
    complaint = None
    if not inputs.is_blank(data.get("complaint")):
        from careforce.conduct.selectors import complaints_visible_to

        text = normalize_text(data.get("complaint")).lstrip("#")
        complaint = (
            complaints_visible_to(actor).filter(pk=int(text)).first()
            if text.isdigit() and len(text) < 16
            else None
        )
        if complaint is None:
            inputs.add(errors, "complaint", _("No such complaint in your area."))
    if errors:
        raise ValidationError(errors)
    penalty = Penalty.objects.create(
        worker=worker,
        institution=institution,
        district=_district_of(worker, institution),
        complaint=complaint,
        kind=kind,
        deciding_body=deciding_body,
        legal_basis=legal_basis,
        decision_number=decision_number,
        fine_amount=fine_amount,
        decided_on=decided_on,
        effective_from=effective_from,
        effective_to=effective_to,
        note=note,
    )
    audit.record_create(
        actor=actor,
        instance=penalty,
        fields=PENALTY_FIELDS,
        worker_id=penalty.worker_id,
        institution_id=penalty.institution_id,
    )
    _recompute(worker)
    return penalty
