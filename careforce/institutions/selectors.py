"""Reads of institutions, always through the actor's scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from careforce.core.models import District, User
from careforce.core.scope import Level, scope_of
from careforce.institutions.models import Institution


def institutions_visible_to(user: User) -> QuerySet[Institution]:
    scope = scope_of(user)
    qs = Institution.objects.select_related("district")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    if scope.level == Level.INSTITUTION:
        return qs.filter(pk=scope.institution_id)
    return qs.none()


def institution_get(user: User, pk: object) -> Institution:
    try:
        return institutions_visible_to(user).select_related("head").get(pk=int(pk))
    except (Institution.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def institution_list(
    user: User,
    *,
    district: int | None = None,
    kind: str | None = None,
    ownership: str | None = None,
    q: str | None = None,
    head_untrained: bool = False,
) -> QuerySet[Institution]:
    qs = institutions_visible_to(user)
    if head_untrained:
        from careforce.training.metrics import head_trained_expression  # training builds on institutions

        qs = qs.exclude(head_trained_expression(timezone.localdate().year))
    if district:
        qs = qs.filter(district_id=district)
    if kind:
        qs = qs.filter(kind=kind)
    if ownership:
        qs = qs.filter(ownership=ownership)
    if q:
        q = q.strip()
        qs = qs.filter(uscc=q.upper()) if len(q) == 18 and q.isalnum() else qs.filter(name__contains=q)
    return qs


def districts_visible_to(user: User) -> QuerySet[District]:
    """Districts an actor may file records under (all, for reading reference data, is `District.objects`)."""
    scope = scope_of(user)
    if scope.level == Level.CITY:
        return District.objects.all()
    if scope.level == Level.DISTRICT:
        return District.objects.filter(pk=scope.district_id)
    if scope.level == Level.INSTITUTION:
        return District.objects.filter(institutions__pk=scope.institution_id)
    return District.objects.none()
