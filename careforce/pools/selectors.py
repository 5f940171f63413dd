"""Reads of the pools: city roles see every pool; district roles the members filed under their district and
the draws made for their district; institution administrators and workers none."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from careforce.core.models import User
from careforce.core.scope import Level, scope_of
from careforce.pools.models import Draw, PoolMember


def members_visible_to(user: User) -> QuerySet[PoolMember]:
    scope = scope_of(user)
    qs = PoolMember.objects.select_related("district", "worker", "employer", "evaluation_body")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    return qs.none()


def member_get(user: User, pk: object) -> PoolMember:
    try:
        return members_visible_to(user).get(pk=int(pk))
    except (PoolMember.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def member_list(user: User, *, pool: str | None = None, current: bool | None = True) -> QuerySet[PoolMember]:
    qs = members_visible_to(user)
    if pool:
        qs = qs.filter(pool=pool)
    if current is True:
        qs = qs.filter(left_on__isnull=True)
    elif current is False:
        qs = qs.filter(left_on__isnull=False)
    return qs.order_by("-id")


def draws_visible_to(user: User) -> QuerySet[Draw]:
    scope = scope_of(user)
    qs = Draw.objects.select_related("district", "drawn_by")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    return qs.none()


def draw_get(user: User, pk: object) -> Draw:
    try:
        return draws_visible_to(user).get(pk=int(pk))
    except (Draw.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
