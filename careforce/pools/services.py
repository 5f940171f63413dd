"""Writes for the specialist pools: members join and leave; draws pick N members for a task at random,
excluding conflicts of interest, and record the seed and candidates so the draw can be replayed.

Nobody can steer a draw: the seed comes from the server's secure randomness (`secrets`) and a caller who
names one is refused; a task is drawn once, and drawn again only as a redraw with a reason, linked to the
first draw — the first redraw by the administrators who may draw for the task, every further one by a city
administrator only. Each is audited.

The city administrator manages every pool; a district administrator adds members filed under its district
and draws for tasks whose subject institutions are all in its district.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Collection, Mapping
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
            errors.add(
                "worker", _("No such worker in your area: choose the person by name, pinyin or ID number.")
            )
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
def draw_make(*, actor: User, data: Mapping[str, Any], exclude_workers: Collection[int] = ()) -> Draw:
    """`exclude_workers`: registry workers who may not be drawn whatever their employer (a competition's
    entrants, who cannot judge themselves), excluded and recorded like the other conflicts."""
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
    if not inputs.is_blank(data.get("seed")):
        errors.add(
            "seed",
            _(
                "The seed cannot be chosen: the server draws it from a secure random source and records "
                "it. Leave this field out."
            ),
        )
    errors.raise_if_any()
    district = (
        District.objects.get(pk=scope.district_id)
        if scope.level == Level.DISTRICT
        else (subjects[0].district if subjects else District.objects.order_by("sort_order", "code").first())
    )
    # Draws of one district wait for each other here, so two first draws of one task cannot both pass.
    District.objects.select_for_update().filter(pk=district.pk).first()
    earlier = _first_draw_of_task(pool, task_kind, title, district)
    if earlier is not None:
        raise ValidationError(
            {
                "task_title": [
                    _(
                        "This task has already been drawn (draw no. %(id)d); open that draw and redraw it "
                        "with a reason instead."
                    )
                    % {"id": earlier.pk}
                ]
            }
        )
    draw = _draw(
        actor=actor,
        pool=pool,
        task_kind=task_kind,
        title=title,
        district=district,
        count=count,
        subjects=subjects,
        exclude_workers=exclude_workers,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=draw,
        changes={
            "seed": [None, draw.seed],
            "picked": [None, draw.picked_ids],
            "excluded": [None, draw.excluded_ids],
        },
    )
    return draw


def _task_key(title: str) -> str:
    """Titles that differ only in case, width or spacing name the same task."""
    return "".join(normalize_text(title).casefold().split())


def _first_draw_of_task(pool: str, task_kind: str, title: str, district: District) -> Draw | None:
    key = _task_key(title)
    for draw in Draw.objects.filter(
        pool=pool, task_kind=task_kind, district=district, redraw_of__isnull=True
    ).only("pk", "task_title"):
        if _task_key(draw.task_title) == key:
            return draw
    return None


def _draw(
    *,
    actor: User,
    pool: str,
    task_kind: str,
    title: str,
    district: District,
    count: int,
    subjects: list[Institution],
    redraw_of: Draw | None = None,
    sequence: int = 0,
    reason: str = "",
    exclude_workers: Collection[int] = (),
) -> Draw:
    """Pick the members with a fresh server seed over the members eligible now, and record the draw."""
    members = PoolMember.objects.filter(pool=pool, left_on__isnull=True)
    current = set(members.values_list("pk", flat=True))
    excluded = conflicted_member_ids(pool, {s.pk for s in subjects}) & current
    if exclude_workers:
        excluded |= set(members.filter(worker_id__in=list(exclude_workers)).values_list("pk", flat=True))
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
    seed = secrets.randbits(62)  # the server's randomness: nobody, the caller included, knows it before
    picked = pick(candidates, count, seed)
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
        redraw_of=redraw_of,
        sequence=sequence,
        reason=reason,
    )
    draw.subject_institutions.set(subjects)
    draw.picked.set(picked)
    return draw


def may_redraw(scope: Scope, draw: Draw) -> bool:
    """The first redraw: the administrators who may draw for the task (the city, or the district's own);
    a second and any further: a city administrator only."""
    first = draw.first
    if not scope.can_write or scope.level not in (Level.CITY, Level.DISTRICT):
        return False
    if scope.level == Level.DISTRICT and first.district_id != scope.district_id:
        return False
    return scope.level == Level.CITY or not first.redraws.exists()


@transaction.atomic
def draw_redraw(*, actor: User, draw: Draw, reason: Any) -> Draw:
    """Draw the same task again (same pool, subjects and number, members eligible now, a new server seed),
    recorded beside the first draw with the reason."""
    scope = _pool_scope(actor)
    first = Draw.objects.select_for_update().get(pk=draw.redraw_of_id or draw.pk)
    if scope.level == Level.DISTRICT and first.district_id != scope.district_id:
        raise Http404
    errors = Errors()
    text = inputs.text({"reason": reason}, "reason", errors, required=True, max_length=300)
    done = first.redraws.count()
    if done >= 1 and scope.level != Level.CITY:
        errors.add(
            "reason",
            _(
                "This task has already been redrawn once; a further redraw can only be made by a city "
                "administrator."
            ),
        )
    errors.raise_if_any()
    again = _draw(
        actor=actor,
        pool=first.pool,
        task_kind=first.task_kind,
        title=first.task_title,
        district=first.district,
        count=first.count,
        subjects=list(first.subject_institutions.all()),
        redraw_of=first,
        sequence=done + 1,
        reason=text,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=again,
        changes={
            "redraw_of": [None, first.pk],
            "sequence": [None, again.sequence],
            "reason": [None, text],
            "seed": [None, again.seed],
            "picked": [None, again.picked_ids],
            "excluded": [None, again.excluded_ids],
        },
    )
    return again


def draw_replay(draw: Draw) -> tuple[list[int], bool]:
    """Re-run a draw from its record: the picks, and whether they equal what was recorded."""
    again = pick(list(draw.candidate_ids), draw.count, draw.seed)
    return again, again == list(draw.picked_ids)
