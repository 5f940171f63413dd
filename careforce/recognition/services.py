"""Writes for recognition: awards, skill competitions (entries, judges drawn from the competition-judge pool
with conflicts excluded, scores, published ranks and prizes), master studios and their apprentices, and the
household-registration flag (落户). Each write is one transaction with its audit events.

Who may write: the city administrator everything; a district administrator district-level awards and
competitions of its own district, studios and flags of its own district's workers. Anything outside the
actor's area answers like a record that does not exist (404)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import AuditAction, District, User
from careforce.core.scope import Level, Scope, require_write
from careforce.core.validators import normalize_text
from careforce.pools import services as pools
from careforce.pools.models import PoolKind, TaskKind
from careforce.recognition import metrics as figures
from careforce.recognition.models import (
    Award,
    AwardKind,
    Competition,
    CompetitionStatus,
    Entrant,
    PrizeRule,
    SettlementFlag,
    SettlementRule,
    Studio,
    StudioMember,
    StudioRole,
)
from careforce.recognition.models import Level as RecognitionLevel
from careforce.registry.models import Worker
from careforce.registry.selectors import workers_visible_to
from careforce.skills import metrics
from careforce.skills.models import SkillLevel
from careforce.training import inputs
from careforce.training.inputs import Errors

AWARD_FIELDS = ("kind", "worker", "year", "district", "citation", "awarded_on")
COMPETITION_FIELDS = ("title", "level", "district", "held_on", "status", "judges_draw", "published_on")
ENTRANT_FIELDS = (
    "competition",
    "worker",
    "institution",
    "district",
    "score",
    "rank",
    "prize",
    "eligible_level",
)
STUDIO_FIELDS = ("name", "leader", "district", "institution", "founded_on", "description")
MEMBER_FIELDS = ("studio", "worker", "role", "started_on", "ended_on")
FLAG_FIELDS = ("worker", "district", "level", "flagged_on", "note", "withdrawn_on", "withdraw_reason")
MAX_SCORE = Decimal("100.0")


def _officials_scope(actor: User) -> Scope:
    """City or district administrators only; everyone else is answered like a missing page."""
    scope = require_write(actor)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    return scope


def may_manage(scope: Scope, level: str, district_id: int | None) -> bool:
    if scope.level == Level.CITY:
        return True
    return level == RecognitionLevel.DISTRICT and district_id == scope.district_id


def _worker(actor: User, raw: Any, errors: Errors, field: str = "worker") -> Worker | None:
    if inputs.is_blank(raw):
        errors.add(field, _("This field is required."))
        return None
    worker = inputs.pick(workers_visible_to(actor).select_related("institution"), raw)
    if worker is None:
        errors.add(field, _("No such worker in your area; give the worker's record id."))
    return worker


def _year(data: Mapping[str, Any], errors: Errors) -> int | None:
    today = timezone.localdate()
    return inputs.integer(data, "year", errors, required=True, low=2000, high=today.year + 1)


# ---------------------------------------------------------------- awards


def clean_award(actor: User, data: Mapping[str, Any]) -> dict[str, Any]:
    """The award's values from a form, API body or sheet row (one validation for all three)."""
    scope = _officials_scope(actor)
    errors = Errors()
    kind = inputs.pick(AwardKind.objects.filter(is_active=True), data.get("kind"), keys=("code", "name"))
    if kind is None:
        errors.add("kind", _("Choose an award kind in use (for example 最美护理员)."))
    worker = _worker(actor, data.get("worker"), errors)
    year = _year(data, errors)
    citation = inputs.text(dict(data), "citation", errors, max_length=2000) or ""
    awarded_on = inputs.date(dict(data), "awarded_on", errors) or timezone.localdate()
    if awarded_on > timezone.localdate():
        errors.add("awarded_on", _("The award date cannot be in the future."))
    if kind is not None and worker is not None and not may_manage(scope, kind.level, worker.district_id):
        errors.add("kind", _("A district administrator makes district-level awards to its own workers only."))
    errors.raise_if_any()
    return {
        "kind": kind,
        "worker": worker,
        "year": year,
        "district_id": worker.district_id,
        "citation": citation,
        "awarded_on": awarded_on,
    }


@transaction.atomic
def award_grant(*, actor: User, data: Mapping[str, Any]) -> Award:
    values = clean_award(actor, data)
    if Award.objects.filter(kind=values["kind"], worker=values["worker"], year=values["year"]).exists():
        raise ValidationError({"worker": [_("This worker already has this award for that year.")]})
    award = Award.objects.create(created_by=actor, **values)
    audit.record_create(actor=actor, instance=award, fields=AWARD_FIELDS, worker_id=award.worker_id)
    figures.add(award.district_id, award.year, awards=1)
    return award


# ---------------------------------------------------------------- competitions


@transaction.atomic
def competition_create(*, actor: User, data: Mapping[str, Any]) -> Competition:
    scope = _officials_scope(actor)
    errors = Errors()
    title = inputs.text(dict(data), "title", errors, required=True, max_length=120)
    level = normalize_text(data.get("level")) or (
        RecognitionLevel.CITY if scope.level == Level.CITY else RecognitionLevel.DISTRICT
    )
    if level not in RecognitionLevel.values:
        errors.add("level", _("Choose city or district level."))
    district = None
    if level == RecognitionLevel.DISTRICT:
        if scope.level == Level.DISTRICT:
            district = District.objects.get(pk=scope.district_id)
        else:
            district = inputs.pick(District.objects.all(), data.get("district"), keys=("code", "name"))
            if district is None:
                errors.add("district", _("Choose the district that holds the competition."))
    elif scope.level != Level.CITY:
        errors.add("level", _("A city-level competition is created by a city administrator."))
    held_on = inputs.date(dict(data), "held_on", errors, required=True)
    errors.raise_if_any()
    competition = Competition.objects.create(
        title=title, level=level, district=district, held_on=held_on, created_by=actor
    )
    audit.record_create(actor=actor, instance=competition, fields=COMPETITION_FIELDS)
    return competition


def _locked_competition(actor: User, competition: Competition) -> tuple[Scope, Competition]:
    scope = _officials_scope(actor)
    competition = Competition.objects.select_for_update().get(pk=competition.pk)
    if not may_manage(scope, competition.level, competition.district_id):
        raise Http404
    return scope, competition


@transaction.atomic
def entrant_add(*, actor: User, competition: Competition, data: Mapping[str, Any]) -> Entrant:
    """Enter a worker (of the competition's district, for a district-level one) while entries are open."""
    _scope, competition = _locked_competition(actor, competition)
    errors = Errors()
    if competition.status != CompetitionStatus.OPEN:
        errors.add("worker", _("Entries closed when the judges were drawn."))
    worker = _worker(actor, data.get("worker"), errors)
    if worker is not None and competition.district_id and worker.district_id != competition.district_id:
        errors.add("worker", _("Only workers of the competition's district may enter it."))
    if worker is not None and competition.entrants.filter(worker=worker).exists():
        errors.add("worker", _("This worker is already entered."))
    errors.raise_if_any()
    entrant = Entrant.objects.create(
        competition=competition,
        worker=worker,
        institution_id=worker.institution_id,
        district_id=worker.district_id,
    )
    audit.record_create(actor=actor, instance=entrant, fields=ENTRANT_FIELDS, worker_id=worker.pk)
    return entrant


@transaction.atomic
def judges_draw(*, actor: User, competition: Competition, count: Any) -> Competition:
    """Draw the judges from the competition-judge pool through the pools' draw (server seed, replayable).
    Conflicts excluded: a judge employed by an entrant's institution, and an entrant. Entries close."""
    _scope, competition = _locked_competition(actor, competition)
    if competition.status != CompetitionStatus.OPEN:
        raise ValidationError({"count": [_("The judges of this competition have already been drawn.")]})
    entrants = list(competition.entrants.all())
    if not entrants:
        raise ValidationError(
            {"count": [_("Enter the competitors first: the draw excludes their colleagues.")]}
        )
    institutions = sorted({e.institution_id for e in entrants if e.institution_id})
    draw = pools.draw_make(
        actor=actor,
        data={
            "pool": PoolKind.COMPETITION_JUDGE,
            "task_kind": TaskKind.COMPETITION,
            "task_title": f"{competition.title} (#{competition.pk})",
            "count": count,
            "subject_institutions": institutions,
        },
        exclude_workers=[e.worker_id for e in entrants],
    )
    before = audit.snapshot(competition, COMPETITION_FIELDS)
    competition.judges_draw, competition.status = draw, CompetitionStatus.JUDGED
    competition.save(update_fields=["judges_draw", "status"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=competition,
        changes=audit.diff(before, audit.snapshot(competition, COMPETITION_FIELDS)),
    )
    return competition


@transaction.atomic
def scores_enter(
    *, actor: User, competition: Competition, scores: Mapping[Any, Any], by: str = "entrant"
) -> Competition:
    """Scores (0–100, one decimal) keyed by entrant id (or by worker id with by="worker"), after the judges
    are drawn and before the results are published. All or nothing: one bad score refuses the lot, naming
    the entrant."""
    _scope, competition = _locked_competition(actor, competition)
    errors = Errors()
    if competition.status != CompetitionStatus.JUDGED:
        errors.add(
            "scores",
            _("Scores are entered after the judges are drawn and before the results are published."),
        )
        errors.raise_if_any()
    entrants = {e.pk: e for e in competition.entrants.select_related("worker")}
    by_worker = {e.worker_id: e for e in entrants.values()}
    changed = []
    for raw_key, raw_score in scores.items():
        key = normalize_text(raw_key)
        entrant = (by_worker if by == "worker" else entrants).get(int(key)) if key.isdigit() else None
        if entrant is None:
            errors.add("scores", _("Not an entrant of this competition: %(value)s.") % {"value": key[:20]})
            continue
        field = f"score_{entrant.pk}"
        found = Errors()
        score = inputs.decimal({field: raw_score}, field, found, low=Decimal(0), high=MAX_SCORE)
        for message in found.get(field, []):
            errors.add("scores", f"{entrant.worker.name}: {message}")
        if not found:
            changed.append((entrant, score))
    errors.raise_if_any()
    for entrant, score in changed:
        if entrant.score != score:
            before = audit.snapshot(entrant, ENTRANT_FIELDS)
            entrant.score = score
            entrant.save(update_fields=["score"])
            audit.record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=entrant,
                changes=audit.diff(before, audit.snapshot(entrant, ENTRANT_FIELDS)),
                worker_id=entrant.worker_id,
            )
    return competition


def ranks_for(scores: Mapping[int, Decimal]) -> dict[int, int]:
    """Competition ranking: higher score first, equal scores share a rank and the next rank skips
    (100, 95, 95, 90 → 1, 2, 2, 4)."""
    ordered = sorted(scores.values(), reverse=True)
    first_place = {}
    for position, score in enumerate(ordered, start=1):
        first_place.setdefault(score, position)
    return {key: first_place[score] for key, score in scores.items()}


def eligible_level(current_rank: int, levels_up: int) -> SkillLevel | None:
    """The ladder rung a prize makes a worker eligible for: `levels_up` rungs above the current level; a
    worker without a certified level starts from the first certified rung below which they stand."""
    if levels_up <= 0:
        return None
    levels = list(SkillLevel.objects.order_by("rank"))
    if not levels:
        return None
    if current_rank == metrics.NO_LEVEL:
        certified = [lv for lv in levels if lv.is_certified]
        start = (certified[0].rank if certified else levels[0].rank) - 1
    else:
        start = current_rank
    target = min(start + levels_up, levels[-1].rank)
    if target <= current_rank:
        return None  # already at the top of the ladder
    return next((lv for lv in levels if lv.rank == target), None)


@transaction.atomic
def results_publish(*, actor: User, competition: Competition) -> Competition:
    """Fix the ranks from the scores, the prizes by the prize rules of the competition's level, and the
    level each prize makes its winner eligible for (from the worker's current level on the ladder, read
    through the skills metrics). Every entrant needs a score."""
    _scope, competition = _locked_competition(actor, competition)
    if competition.status != CompetitionStatus.JUDGED:
        raise ValidationError({"status": [_("Results are published once, after the judges are drawn.")]})
    entrants = list(competition.entrants.select_related("worker"))
    missing = [e.worker.name for e in entrants if e.score is None]
    if missing:
        raise ValidationError(
            {
                "scores": [
                    _("Enter a score for every entrant first: %(names)s.")
                    % {"names": "、".join(missing[:10])}
                ]
            }
        )
    ranks = ranks_for({e.pk: e.score for e in entrants})
    rules = list(PrizeRule.objects.filter(level=competition.level))
    levels = metrics.current_levels_for_workers([e.worker_id for e in entrants])
    for entrant in entrants:
        before = audit.snapshot(entrant, ENTRANT_FIELDS)
        entrant.rank = ranks[entrant.pk]
        rule = next((r for r in rules if r.best_rank <= entrant.rank <= r.worst_rank), None)
        entrant.prize = rule.name if rule else ""
        entrant.eligible_level = eligible_level(levels[entrant.worker_id], rule.levels_up) if rule else None
        entrant.save(update_fields=["rank", "prize", "eligible_level"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=entrant,
            changes=audit.diff(before, audit.snapshot(entrant, ENTRANT_FIELDS)),
            worker_id=entrant.worker_id,
        )
    before = audit.snapshot(competition, COMPETITION_FIELDS)
    competition.status, competition.published_on = CompetitionStatus.PUBLISHED, timezone.localdate()
    competition.save(update_fields=["status", "published_on"])
    for district_id, n in figures.prize_winners(competition.pk).items():
        figures.add(district_id, competition.held_on.year, prizes=n)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=competition,
        changes=audit.diff(before, audit.snapshot(competition, COMPETITION_FIELDS)),
    )
    return competition


# ---------------------------------------------------------------- master studios


@transaction.atomic
def studio_create(*, actor: User, data: Mapping[str, Any]) -> Studio:
    scope = _officials_scope(actor)
    errors = Errors()
    name = inputs.text(dict(data), "name", errors, required=True, max_length=120)
    leader = _worker(actor, data.get("leader"), errors, field="leader")
    founded_on = inputs.date(dict(data), "founded_on", errors) or timezone.localdate()
    description = inputs.text(dict(data), "description", errors, max_length=2000) or ""
    if leader is not None and scope.level == Level.DISTRICT and leader.district_id != scope.district_id:
        errors.add("leader", _("No such worker in your area; give the worker's record id."))
    errors.raise_if_any()
    studio = Studio.objects.create(
        name=name,
        leader=leader,
        district_id=leader.district_id,
        institution_id=leader.institution_id,
        founded_on=founded_on,
        description=description,
    )
    audit.record_create(actor=actor, instance=studio, fields=STUDIO_FIELDS, worker_id=leader.pk)
    return studio


def _locked_studio(actor: User, studio: Studio) -> Studio:
    scope = _officials_scope(actor)
    studio = Studio.objects.select_for_update().get(pk=studio.pk)
    if scope.level == Level.DISTRICT and studio.district_id != scope.district_id:
        raise Http404
    return studio


@transaction.atomic
def studio_member_add(*, actor: User, studio: Studio, data: Mapping[str, Any]) -> StudioMember:
    """A member, or an apprentice the master teaches (带徒传技), from a date."""
    studio = _locked_studio(actor, studio)
    errors = Errors()
    worker = _worker(actor, data.get("worker"), errors)
    role = normalize_text(data.get("role")) or StudioRole.APPRENTICE
    if role not in StudioRole.values:
        errors.add("role", _("Choose member or apprentice."))
    started_on = inputs.date(dict(data), "started_on", errors) or timezone.localdate()
    if started_on < studio.founded_on:
        errors.add("started_on", _("The start date is before the studio was founded."))
    if worker is not None and worker.pk == studio.leader_id:
        errors.add("worker", _("The master leads the studio; add someone else."))
    if worker is not None and studio.members.filter(worker=worker, ended_on__isnull=True).exists():
        errors.add("worker", _("This worker is already in the studio."))
    errors.raise_if_any()
    member = StudioMember.objects.create(studio=studio, worker=worker, role=role, started_on=started_on)
    audit.record_create(actor=actor, instance=member, fields=MEMBER_FIELDS, worker_id=worker.pk)
    return member


@transaction.atomic
def studio_member_end(*, actor: User, member: StudioMember, data: Mapping[str, Any]) -> StudioMember:
    _locked_studio(actor, member.studio)
    member = StudioMember.objects.select_for_update().get(pk=member.pk)
    errors = Errors()
    if member.ended_on is not None:
        errors.add("ended_on", _("This membership has already ended."))
    ended_on = inputs.date(dict(data), "ended_on", errors) or timezone.localdate()
    if ended_on < member.started_on:
        errors.add("ended_on", _("The end date is before the start date."))
    errors.raise_if_any()
    before = audit.snapshot(member, MEMBER_FIELDS)
    member.ended_on = ended_on
    member.save(update_fields=["ended_on"])
    audit.record(
        actor=actor,
        action=AuditAction.END,
        instance=member,
        changes=audit.diff(before, audit.snapshot(member, MEMBER_FIELDS)),
        worker_id=member.worker_id,
    )
    return member


# ---------------------------------------------------------------- household registration (落户)


def settlement_min_level() -> SkillLevel:
    rule = SettlementRule.objects.select_related("min_level").first()
    return rule.min_level if rule else SkillLevel.objects.get(code="technician")


@transaction.atomic
def settlement_flag(*, actor: User, data: Mapping[str, Any]) -> SettlementFlag:
    """Flag a worker whose current valid certificate is at the qualifying level (技师 by default) or above."""
    _officials_scope(actor)
    errors = Errors()
    worker = _worker(actor, data.get("worker"), errors)
    note = inputs.text(dict(data), "note", errors, max_length=300) or ""
    level = None
    if worker is not None:
        rank = metrics.current_levels_for_workers([worker.pk])[worker.pk]
        minimum = settlement_min_level()
        if rank < minimum.rank:
            errors.add(
                "worker",
                _("Only workers with a valid certificate of %(level)s or above qualify.")
                % {"level": minimum.name},
            )
        else:
            level = SkillLevel.objects.get(rank=rank)
        if SettlementFlag.objects.filter(worker=worker, withdrawn_on__isnull=True).exists():
            errors.add("worker", _("This worker is already on the list."))
    errors.raise_if_any()
    flag = SettlementFlag.objects.create(
        worker=worker,
        district_id=worker.district_id,
        level=level,
        flagged_on=timezone.localdate(),
        note=note,
        created_by=actor,
    )
    audit.record_create(actor=actor, instance=flag, fields=FLAG_FIELDS, worker_id=worker.pk)
    return flag


@transaction.atomic
def settlement_withdraw(*, actor: User, flag: SettlementFlag, reason: Any) -> SettlementFlag:
    scope = _officials_scope(actor)
    flag = SettlementFlag.objects.select_for_update().get(pk=flag.pk)
    if scope.level == Level.DISTRICT and flag.district_id != scope.district_id:
        raise Http404
    errors = Errors()
    text = inputs.text({"reason": reason}, "reason", errors, required=True, max_length=300)
    if flag.withdrawn_on is not None:
        errors.add("reason", _("This flag has already been withdrawn."))
    errors.raise_if_any()
    before = audit.snapshot(flag, FLAG_FIELDS)
    flag.withdrawn_on, flag.withdraw_reason = timezone.localdate(), text
    flag.save(update_fields=["withdrawn_on", "withdraw_reason"])
    audit.record(
        actor=actor,
        action=AuditAction.END,
        instance=flag,
        changes=audit.diff(before, audit.snapshot(flag, FLAG_FIELDS)),
        worker_id=flag.worker_id,
    )
    return flag
