"""Reads of evaluations, complaints and penalties, through the actor's scope (out of scope answers 404).

A record is in scope when its district, its institution or its worker is: a district sees what happened in
its district and what concerns the workers it now holds; an institution its own records and its staff's;
a worker their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from careforce.conduct.models import OPEN_STATUSES, Complaint, Evaluation, Penalty
from careforce.core.models import User
from careforce.core.scope import Level, scope_of
from careforce.institutions.models import Institution
from careforce.registry.models import Worker


def _scoped(model: type[Model], user: User) -> QuerySet:
    scope = scope_of(user)
    qs = model.objects.all()
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(Q(district_id=scope.district_id) | Q(worker__district_id=scope.district_id))
    if scope.level == Level.INSTITUTION:
        return qs.filter(
            Q(institution_id=scope.institution_id) | Q(worker__institution_id=scope.institution_id)
        )
    if scope.level == Level.SELF:
        return qs.filter(worker_id=scope.worker_id)
    return qs.none()


def evaluations_visible_to(user: User) -> QuerySet[Evaluation]:
    return _scoped(Evaluation, user)


def complaints_visible_to(user: User) -> QuerySet[Complaint]:
    return _scoped(Complaint, user)


def penalties_visible_to(user: User) -> QuerySet[Penalty]:
    return _scoped(Penalty, user)


@dataclass(frozen=True)
class ComplaintFilters:
    status: str | None = None
    overdue: bool = False
    worker: int | None = None
    institution: int | None = None


def complaint_list(user: User, filters: ComplaintFilters | None = None) -> QuerySet[Complaint]:
    filters = filters or ComplaintFilters()
    qs = complaints_visible_to(user)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())
    if filters.worker:
        qs = qs.filter(worker_id=filters.worker)
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    return qs.select_related("channel", "worker", "institution", "district").order_by("-received_on", "-id")


def complaint_get(user: User, pk: object) -> Complaint:
    try:
        return (
            complaints_visible_to(user)
            .select_related("channel", "worker", "institution", "district")
            .get(pk=int(pk))
        )
    except (Complaint.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


def evaluation_list(user: User, *, worker: int | None = None, institution: int | None = None):
    qs = evaluations_visible_to(user)
    if worker:
        qs = qs.filter(worker_id=worker)
    if institution:
        qs = qs.filter(institution_id=institution)
    return qs.select_related("worker", "institution").prefetch_related("scores__dimension")


def penalty_list(user: User, *, worker: int | None = None, institution: int | None = None):
    qs = penalties_visible_to(user)
    if worker:
        qs = qs.filter(worker_id=worker)
    if institution:
        qs = qs.filter(institution_id=institution)
    return qs.select_related("worker", "institution", "district").order_by("-decided_on", "-id")


def penalty_get(user: User, pk: object) -> Penalty:
    try:
        return (
            penalties_visible_to(user)
            .select_related("worker", "institution", "district", "complaint")
            .get(pk=int(pk))
        )
    except (Penalty.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


# ---------------------------------------------------------------- one record's page (already fetched scoped)


def conduct_of_worker(worker: Worker, *, limit: int = 10) -> dict:
    """The latest evaluations, complaints and penalties of a worker fetched through a scoped selector."""
    return {
        "evaluations": list(
            worker.evaluations.select_related("institution").order_by("-evaluated_on", "-id")[:limit]
        ),
        "complaints": list(
            worker.complaints.select_related("channel", "institution").order_by("-received_on", "-id")[:limit]
        ),
        "penalties": list(worker.penalties.order_by("-decided_on", "-id")[:limit]),
    }


def conduct_of_institution(institution: Institution, *, limit: int = 10) -> dict:
    return {
        "evaluations": list(
            institution.evaluations.select_related("worker").order_by("-evaluated_on", "-id")[:limit]
        ),
        "complaints": list(
            institution.complaints.select_related("channel", "worker").order_by("-received_on", "-id")[:limit]
        ),
        "penalties": list(
            institution.penalties.select_related("worker").order_by("-decided_on", "-id")[:limit]
        ),
    }
