"""Reads of scores, the dishonesty list and notifications, through the actor's scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from careforce.core.models import User
from careforce.core.scope import Level, scope_of
from careforce.credit import compute
from careforce.credit.models import (
    MEASURE_FIELDS,
    CreditRule,
    CreditScore,
    CreditScoreHistory,
    DishonestyListing,
    Notification,
    PreEmploymentCheck,
    active_listings_q,
)
from careforce.registry.models import Worker


@dataclass
class Explanation:
    """A stored score with the points each factor gave, recomputed from the stored measures by the rule
    version the score names (rule versions never change once used)."""

    score: CreditScore
    rule: compute.Rule
    rule_row: CreditRule
    parts: list[tuple[compute.Factor, float, float]]
    grade_label: str


def explain(score: CreditScore | CreditScoreHistory) -> Explanation:
    rule_row = CreditRule.objects.prefetch_related("factors", "bands").get(pk=score.rule_id)
    rule = compute.rule_spec(rule_row)
    measures = {name: getattr(score, name) for name in MEASURE_FIELDS}
    _score, _grade, parts = compute.score_of(rule, measures)
    return Explanation(score, rule, rule_row, parts, compute.grade_of(rule, float(score.score))[1])


def credit_of(worker: Worker) -> CreditScore | None:
    """The current score of a worker already fetched through a scoped selector."""
    return CreditScore.objects.filter(worker_id=worker.pk).select_related("rule").first()


def credit_history(worker: Worker) -> QuerySet[CreditScoreHistory]:
    return (
        CreditScoreHistory.objects.filter(worker_id=worker.pk)
        .select_related("rule")
        .order_by("-computed_at", "-id")
    )


def rule_in_force() -> CreditRule | None:
    return CreditRule.objects.filter(is_active=True).prefetch_related("factors", "bands").first()


def rule_versions() -> QuerySet[CreditRule]:
    return CreditRule.objects.prefetch_related("factors", "bands").order_by("-version")


# ---------------------------------------------------------------- dishonesty list


def listings_visible_to(user: User) -> QuerySet[DishonestyListing]:
    scope = scope_of(user)
    qs = DishonestyListing.objects.all()
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(Q(district_id=scope.district_id) | Q(worker__district_id=scope.district_id))
    if scope.level == Level.INSTITUTION:
        return qs.filter(worker__institution_id=scope.institution_id)
    if scope.level == Level.SELF:
        return qs.filter(worker_id=scope.worker_id)
    return qs.none()


def listing_list(user: User, *, active: bool | None = None, situation: int | None = None):
    qs = listings_visible_to(user)
    today = timezone.localdate()
    if active is True:
        qs = qs.filter(active_listings_q(today))
    elif active is False:
        qs = qs.exclude(active_listings_q(today))
    if situation:
        qs = qs.filter(situation_id=situation)
    return qs.select_related("worker", "situation", "district").order_by("-start_date", "-id")


def listing_get(user: User, pk: object) -> DishonestyListing:
    try:
        return listings_visible_to(user).select_related("worker", "situation", "district").get(pk=int(pk))
    except (DishonestyListing.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


def listings_of(worker: Worker) -> QuerySet[DishonestyListing]:
    return worker.dishonesty_listings.select_related("situation").order_by("-start_date", "-id")


# ---------------------------------------------------------------- notifications and checks


def notifications_for(user: User) -> QuerySet[Notification]:
    """District administrators (and auditors) see their district's; the city sees all."""
    scope = scope_of(user)
    qs = Notification.objects.select_related("worker", "institution", "override", "district")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    return qs.none()


def unread_notifications_for(user: User) -> QuerySet[Notification]:
    """The notifications in the user's scope nobody has marked read yet (the home page's panel)."""
    return notifications_for(user).filter(read_at__isnull=True)


def checks_for(user: User) -> QuerySet[PreEmploymentCheck]:
    """The pre-employment check log: the city sees all, a district its institutions', others their own."""
    scope = scope_of(user)
    qs = PreEmploymentCheck.objects.select_related("actor", "institution")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(Q(institution__district_id=scope.district_id) | Q(actor=user))
    return qs.filter(actor=user)
