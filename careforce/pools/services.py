"""Writes for the specialist pools: members join and leave; draws pick N members for a task at random,
excluding conflicts of interest, and record the seed and candidates so the draw can be replayed.

The city administrator manages every pool; a district administrator adds members filed under its district
and draws for tasks whose subject institutions are all in its district.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import AuditAction, District, User
from careforce.core.scope import Level, Scope, require_write
from careforce.core.validators import clean_free_text, normalize_text
from careforce.institutions.models import Institution
from careforce.institutions.selectors import institutions_visible_to
from careforce.pools.models import Draw, PoolKind, PoolMember, TaskKind
from careforce.registry.models import Employment, Worker
from careforce.registry.selectors import workers_visible_to
from careforce.skills.models import EvaluationBody
from careforce.training import inputs
from careforce.training.inputs import Errors

MEMBER_FIELDS = (
    "pool",
    "worker",
    "evaluation_body",
    "name",
    "organisation",
    "employer",
    "district",
    "qualifications",
    "joined_on",
    "left_on",
    "leave_reason",
)
MAX_DRAW = 50


def _pool_scope(actor: User) -> Scope:
    scope = require_write(actor)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    return scope


def may_manage_member(scope: Scope, member: PoolMember) -> bool:
    return scope.can_write and (
        scope.level == Level.CITY
        or (scope.level == Level.DISTRICT and member.district_id == scope.district_id)
    )


def _clean_employer(actor: User, raw: Any, errors: Errors) -> Institution | None:
    """An outside member's employing institution (id or credit code), within the actor's area (one outside
    it is answered like one that does not exist); empty: none."""
    if inputs.is_blank(raw):
        return None
    employer = inputs.pick(institutions_visible_to(actor), raw, keys=("uscc",))
    if employer is None:
        errors.add("employer", _("Unknown institution; give its id or credit code."))
    return employer


def _locked_for_change(actor: User, member: PoolMember) -> PoolMember:
    """The member, locked for the change, if the actor manages it (else it does not exist for them)."""
    scope = _pool_scope(actor)
    member = PoolMember.objects.select_for_update().get(pk=member.pk)
    if not may_manage_member(scope, member):
        raise Http404
    return member


@transaction.atomic
def member_join(*, actor: User, data: Mapping[str, Any]) -> PoolMember:
    scope = _pool_scope(actor)
    errors = Errors()
    pool = normalize_text(data.get("pool"))
    if pool not in PoolKind.values:
        errors.add("pool", _("Choose one of the five pools."))
    values: dict[str, Any] = {"pool": pool, "worker": None, "evaluation_body": None, "employer": None}
    if pool == PoolKind.EVALUATION_BODY:
        body = inputs.pick(
            EvaluationBody.objects.filter(is_active=True),
            data.get("evaluation_body"),
            keys=("registration_number", "uscc"),
        )
        if body is None:
            errors.add("evaluation_body", _("Choose a registered evaluation body."))
        else:
            values.update(
                evaluation_body=body, name=body.name, organisation=body.name, district=body.district
            )
    elif not inputs.is_blank(data.get("worker")):
        worker = (
            data["worker"]
            if isinstance(data["worker"], Worker)
            else inputs.pick(workers_visible_to(actor).select_related("institution"), data.get("worker"))
        )
        if worker is None or not workers_visible_to(actor).filter(pk=worker.pk).exists():
            errors.add("worker", _("No such worker in your area; give the worker's record id."))
        else:
            values.update(
                worker=worker,
                name=worker.name,
                district_id=worker.district_id,
                organisation=worker.institution.name if worker.institution_id else "",
            )
    else:
        values["name"] = inputs.text(data, "name", errors, required=True, max_length=120)
        values["organisation"] = inputs.text(data, "organisation", errors, max_length=120) or ""
        values["employer"] = _clean_employer(actor, data.get("employer"), errors)
        districts = (
            District.objects.all()
            if scope.level == Level.CITY
            else District.objects.filter(pk=scope.district_id)
        )
        raw = data.get("district") or (scope.district_id if scope.level == Level.DISTRICT else None)
        district = inputs.pick(districts, raw, keys=("code", "name"))
        if district is None:
            errors.add("district", _("Choose the member's district (your own, unless you are the city)."))
        values["district"] = district
    if scope.level == Level.DISTRICT and values.get(
        "district_id", getattr(values.get("district"), "pk", None)
    ) not in (None, scope.district_id):
        errors.add("pool", _("A district adds members of its own district only."))
    values["qualifications"] = inputs.text(data, "qualifications", errors, required=True, max_length=300)
    values["joined_on"] = inputs.date(data, "joined_on", errors) or timezone.localdate()
    errors.raise_if_any()
    clash = PoolMember.objects.filter(pool=pool, left_on__isnull=True)
    if (values["worker"] and clash.filter(worker=values["worker"]).exists()) or (
        values["evaluation_body"] and clash.filter(evaluation_body=values["evaluation_body"]).exists()
    ):
        raise ValidationError({"pool": [_("Already a current member of this pool.")]})
    member = PoolMember.objects.create(**values)
    audit.record_create(
        actor=actor,
        instance=member,
        fields=MEMBER_FIELDS,
        worker_id=member.worker_id,
    )
    return member


@transaction.atomic
def member_leave(*, actor: User, member: PoolMember, left_on: Any = None, reason: Any = "") -> PoolMember:
    member = _locked_for_change(actor, member)
    errors = Errors()
    if member.left_on is not None:
        errors.add("left_on", _("This member has already left."))
    day = inputs.date({"left_on": left_on}, "left_on", errors) or timezone.localdate()
    if day < member.joined_on:
        errors.add("left_on", _("The leaving date is before the joining date."))
    errors.raise_if_any()
    before = audit.snapshot(member, MEMBER_FIELDS)
    member.left_on, member.leave_reason = day, clean_free_text(reason)[:200]
    member.save(update_fields=["left_on", "leave_reason"])
    audit.record(
        actor=actor,
        action=AuditAction.END,
        instance=member,
        changes=audit.diff(before, audit.snapshot(member, MEMBER_FIELDS)),
        worker_id=member.worker_id,
    )
    return member


@transaction.atomic
def member_update(*, actor: User, member: PoolMember, data: Mapping[str, Any]) -> PoolMember:
    """Change a current member's qualifications, and for someone outside the registry their organisation
    and employing institution (the conflict check reads it). Fields not in `data` are kept. A registry
    worker's organisation follows their record; an evaluation body's follows its registration."""
    member = _locked_for_change(actor, member)
    errors = Errors()
    if member.left_on is not None:
        errors.add("qualifications", _("This member has left the pool; add them again to change it."))
    values: dict[str, Any] = {}
    if "qualifications" in data:
        values["qualifications"] = inputs.text(data, "qualifications", errors, required=True, max_length=300)
    outsider = member.is_outside_registry
    for name in ("organisation", "employer"):
        if name in data and not outsider:
            errors.add(name, _("This follows the member's own record; change it there."))
    if outsider and "organisation" in data:
        values["organisation"] = inputs.text(data, "organisation", errors, max_length=120) or ""
    if outsider and "employer" in data:
        values["employer"] = _clean_employer(actor, data.get("employer"), errors)
    errors.raise_if_any()
    before = audit.snapshot(member, MEMBER_FIELDS)
    for name, value in values.items():
        setattr(member, name, value)
    changes = audit.diff(before, audit.snapshot(member, MEMBER_FIELDS))
    if changes:
        member.save(update_fields=list(values))
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=member,
            changes=changes,
            worker_id=member.worker_id,
        )
    return member


def conflicted_member_ids(pool: str, institution_ids: set[int]) -> set[int]:
    """Members employed by a subject institution: a registry worker with any current post there (full- or
    part-time, or placed there), or an outside member whose employer it is."""
    if not institution_ids:
        return set()
    current = PoolMember.objects.filter(pool=pool, left_on__isnull=True)
    employed = Employment.objects.filter(institution_id__in=institution_ids, end_date__isnull=True).values(
        "worker_id"
    )
    placed = Worker.objects.filter(institution_id__in=institution_ids).values("pk")
    ids = set(current.filter(worker_id__in=employed).values_list("pk", flat=True))
    ids |= set(current.filter(worker_id__in=placed).values_list("pk", flat=True))
    ids |= set(current.filter(employer_id__in=institution_ids).values_list("pk", flat=True))
    return ids


def pick(candidate_ids: list[int], count: int, seed: int) -> list[int]:
    """The draw itself: deterministic for a seed over the candidates in id order (replayable)."""
    return random.Random(seed).sample(sorted(candidate_ids), count)


@transaction.atomic
def draw_make(*, actor: User, data: Mapping[str, Any]) -> Draw:
    scope = _pool_scope(actor)
    errors = Errors()
    pool = normalize_text(data.get("pool"))
    if pool not in PoolKind.values:
        errors.add("pool", _("Choose one of the five pools."))
    task_kind = normalize_text(data.get("task_kind")) or TaskKind.OTHER
    if task_kind not in TaskKind.values:
        errors.add("task_kind", _("Choose the kind of task."))
    title = inputs.text(data, "task_title", errors, required=True, max_length=200)
    count = inputs.integer(data, "count", errors, required=True, low=1, high=MAX_DRAW)
    raw_subjects = data.get("subject_institutions") or []
    if isinstance(raw_subjects, str | int):
        raw_subjects = [p for p in str(raw_subjects).replace("，", ",").split(",") if p.strip()]
    institutions = Institution.objects.all()
    if scope.level == Level.DISTRICT:
        institutions = institutions.filter(district_id=scope.district_id)
    subjects = []
    for raw in raw_subjects[:100]:
        found = inputs.pick(institutions, raw, keys=("uscc",))
        if found is None:
            errors.add(
                "subject_institutions",
                _("Unknown institution in your area: %(value)s.") % {"value": normalize_text(raw)[:30]},
            )
        else:
            subjects.append(found)
    if scope.level == Level.DISTRICT and not subjects:
        errors.add("subject_institutions", _("Name the institution(s) the task is about."))
    seed = data.get("seed")
    if inputs.is_blank(seed):
        seed = secrets.randbits(62)
    else:
        seed = inputs.integer(data, "seed", errors, low=0, high=2**62)
    errors.raise_if_any()
    subject_ids = {s.pk for s in subjects}
    current = set(PoolMember.objects.filter(pool=pool, left_on__isnull=True).values_list("pk", flat=True))
    excluded = conflicted_member_ids(pool, subject_ids) & current
    candidates = sorted(current - excluded)
    if len(candidates) < count:
        raise ValidationError(
            {
                "count": [
                    _("Only %(n)d members are eligible after excluding conflicts; draw fewer.")
                    % {"n": len(candidates)}
                ]
            }
        )
    picked = pick(candidates, count, seed)
    district = (
        District.objects.get(pk=scope.district_id)
        if scope.level == Level.DISTRICT
        else (subjects[0].district if subjects else District.objects.order_by("sort_order", "code").first())
    )
    draw = Draw.objects.create(
        pool=pool,
        task_kind=task_kind,
        task_title=title,
        district=district,
        count=count,
        seed=seed,
        candidate_ids=candidates,
        excluded_ids=sorted(excluded),
        picked_ids=picked,
        drawn_by=actor,
    )
    draw.subject_institutions.set(subjects)
    draw.picked.set(picked)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=draw,
        changes={"seed": [None, seed], "picked": [None, picked], "excluded": [None, sorted(excluded)]},
    )
    return draw


def draw_replay(draw: Draw) -> tuple[list[int], bool]:
    """Re-run a draw from its record: the picks, and whether they equal what was recorded."""
    again = pick(list(draw.candidate_ids), draw.count, draw.seed)
    return again, again == list(draw.picked_ids)
