"""Reads of recognition, always through the actor's scope; outside it a record answers like a missing one.

City roles see everything; district roles their district's awards, studios and flags, the competitions of
their district and the city's competitions; an institution administrator and a worker see recognition only
on the worker's record (worker_recognition)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from careforce.core.models import User
from careforce.core.scope import Level, scope_of
from careforce.recognition.models import Award, Competition, Entrant, SettlementFlag, Studio, StudioMember
from careforce.registry.models import Worker


def _district_filter(user: User, field: str = "district_id") -> Q | None:
    """None: everything; a Q for district roles; raises nothing — other levels get an empty filter."""
    scope = scope_of(user)
    if scope.level == Level.CITY:
        return Q()
    if scope.level == Level.DISTRICT:
        return Q(**{field: scope.district_id})
    return None


def awards_visible_to(user: User) -> QuerySet[Award]:
    where = _district_filter(user)
    qs = Award.objects.select_related("kind", "worker", "district")
    return qs.filter(where) if where is not None else qs.none()


def award_get(user: User, pk: Any) -> Award:
    found = awards_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def competitions_visible_to(user: User) -> QuerySet[Competition]:
    scope = scope_of(user)
    qs = Competition.objects.select_related("district")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(Q(district_id=scope.district_id) | Q(district__isnull=True))
    return qs.none()


def competition_get(user: User, pk: Any) -> Competition:
    found = competitions_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def competition_entrants(user: User, competition: Competition) -> QuerySet[Entrant]:
    """The entrants the user may see: a district role sees its own district's entrants of a city event."""
    qs = competition.entrants.select_related("worker", "institution", "district", "eligible_level")
    scope = scope_of(user)
    if scope.level == Level.DISTRICT and competition.district_id is None:
        qs = qs.filter(district_id=scope.district_id)
    return qs.order_by("rank", "-score", "id")


def studios_visible_to(user: User) -> QuerySet[Studio]:
    where = _district_filter(user)
    qs = Studio.objects.select_related("leader", "district", "institution")
    return qs.filter(where) if where is not None else qs.none()


def studio_get(user: User, pk: Any) -> Studio:
    found = studios_visible_to(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def studio_member_get(user: User, pk: Any) -> StudioMember:
    found = (
        StudioMember.objects.filter(pk=pk, studio__in=studios_visible_to(user))
        .select_related("studio")
        .first()
    )
    if found is None:
        raise Http404
    return found


def settlement_flags_visible_to(user: User, *, current: bool = True) -> QuerySet[SettlementFlag]:
    where = _district_filter(user)
    qs = SettlementFlag.objects.select_related("worker", "district", "level", "worker__institution")
    if current:
        qs = qs.filter(withdrawn_on__isnull=True)
    return qs.filter(where) if where is not None else qs.none()


def settlement_flag_get(user: User, pk: Any) -> SettlementFlag:
    found = settlement_flags_visible_to(user, current=False).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def worker_recognition(worker: Worker) -> dict[str, Any]:
    """What the worker's record shows; the caller fetched `worker` through the registry's scoped selector.
    Prizes count once their competition's results are published."""
    return {
        "awards": list(worker.awards.select_related("kind").order_by("-year", "-id")),
        "prizes": list(
            worker.competition_entries.filter(competition__status="published")
            .select_related("competition", "eligible_level")
            .order_by("-competition__held_on")
        ),
        "studios_led": list(worker.studios_led.order_by("name")),
        "memberships": list(worker.studio_memberships.select_related("studio").order_by("-started_on")),
        "settlement": worker.settlement_flags.filter(withdrawn_on__isnull=True)
        .select_related("level")
        .first(),
    }
