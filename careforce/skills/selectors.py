"""Reads of skill levels, certificates, titles and credits, through the actor's scope."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from careforce.core.models import User
from careforce.core.scope import Level, scope_of
from careforce.indicators import targets as targets_of
from careforce.indicators.targets import Due
from careforce.institutions.selectors import institutions_visible_to
from careforce.registry.models import Worker
from careforce.registry.selectors import workers_visible_to
from careforce.skills import metrics, tally
from careforce.skills.models import (
    Certificate,
    CertificateStatus,
    CertificateValidity,
    CreditRule,
    CreditSource,
    EvaluationBody,
    EvaluationRange,
    ProfessionalTitle,
    SkillLevel,
)
from careforce.training.metrics import training_hours_for_workers
from careforce.training.selectors import districts_in_scope


def bodies_visible_to(user: User) -> QuerySet[EvaluationBody]:
    """Registered evaluation bodies are a city-wide public register: every staff role reads it."""
    scope = scope_of(user)
    if scope.level == Level.BODY:
        return EvaluationBody.objects.select_related("district").filter(pk=scope.evaluation_body_id)
    if not scope.is_area:
        return EvaluationBody.objects.none()
    return EvaluationBody.objects.select_related("district")


# A body's ranges with their occupation and levels, in one query for a page of bodies.
BODY_RANGES = (
    Prefetch("ranges", queryset=EvaluationRange.objects.select_related("occupation", "lowest", "highest")),
)


def body_get(user: User, pk: object) -> EvaluationBody:
    try:
        return bodies_visible_to(user).prefetch_related(*BODY_RANGES).get(pk=int(pk))
    except (EvaluationBody.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def certificates_visible_to(user: User) -> QuerySet[Certificate]:
    """A certificate is seen by whoever sees its holder, and by the evaluation body that issued it."""
    qs = Certificate.objects.select_related("worker", "occupation", "level", "issuer")
    scope = scope_of(user)
    if scope.level == Level.BODY:
        return qs.filter(issuer_id=scope.evaluation_body_id)
    return qs.filter(worker__in=workers_visible_to(user).values("pk"))


def certificate_get(user: User, pk: object) -> Certificate:
    try:
        return certificates_visible_to(user).get(pk=int(pk))
    except (Certificate.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def title_get(user: User, pk: object) -> ProfessionalTitle:
    try:
        return ProfessionalTitle.objects.select_related("worker").get(
            pk=int(pk), worker__in=workers_visible_to(user).values("pk")
        )
    except (ProfessionalTitle.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def worker_certificates(worker: Worker) -> QuerySet[Certificate]:
    return worker.certificates.select_related("occupation", "level", "issuer").order_by("-issued_on", "-id")


def worker_titles(worker: Worker) -> QuerySet[ProfessionalTitle]:
    return worker.titles.order_by("-awarded_on", "-id")


def worker_level(worker: Worker) -> SkillLevel | None:
    rank = metrics.current_levels_for_workers([worker.pk])[worker.pk]
    return SkillLevel.objects.filter(rank=rank).first() if rank else None


def worker_credits(worker: Worker) -> dict:
    """Learning credits (学分) from completed training hours and valid certificates, by the rules table."""
    rules = list(CreditRule.objects.select_related("level"))
    per_hour = next((r.credits for r in rules if r.source == CreditSource.TRAINING_HOUR), Decimal(0))
    per_level = {r.level_id: r.credits for r in rules if r.source == CreditSource.CERTIFICATE}
    hours = training_hours_for_workers([worker.pk]).get(worker.pk, Decimal(0))
    training = (hours * per_hour).quantize(Decimal("0.1"))
    certs = worker.certificates.filter(tally.valid_on(timezone.localdate())).values_list(
        "level_id", flat=True
    )
    certificate_credits = sum((per_level.get(level_id, Decimal(0)) for level_id in certs), Decimal(0))
    return {
        "hours": hours,
        "training": training,
        "certificates": certificate_credits,
        "total": training + certificate_credits,
    }


def certification_targets() -> list[Due]:
    """The certification-rate targets still to reach (the one targets table the dashboard reads too)."""
    return targets_of.upcoming("certification_rate", timezone.localdate())


def certification_by_district(user: User) -> list[dict]:
    districts = list(districts_in_scope(user))
    counts = metrics.certification_counts(by="district", ids=[d.pk for d in districts])
    return [
        {
            "district": d,
            "certified": counts[d.pk][0],
            "care_workers": counts[d.pk][1],
            "rate": metrics.certification_rate(*counts[d.pk]),
        }
        for d in districts
    ]


def certification_by_institution(
    user: User, *, district_id: int | None = None, limit: int = 200
) -> list[dict]:
    institutions = institutions_visible_to(user)
    if district_id:
        institutions = institutions.filter(district_id=district_id)
    institutions = list(institutions.order_by("name", "id")[:limit])
    counts = metrics.certification_counts(by="institution", ids=[i.pk for i in institutions])
    return [
        {
            "institution": i,
            "certified": counts[i.pk][0],
            "care_workers": counts[i.pk][1],
            "rate": metrics.certification_rate(*counts[i.pk]),
        }
        for i in institutions
    ]


def city_certification(user: User) -> dict | None:
    if not scope_of(user).is_city:
        return None
    counts = metrics.certification_counts(by="district")
    certified = sum(c for c, _n in counts.values())
    care = sum(n for _c, n in counts.values())
    return {"certified": certified, "care_workers": care, "rate": metrics.certification_rate(certified, care)}


# ---------------------------------------------------------------- validity


def expiry_notice_days() -> int:
    """How far ahead expiring certificates and trainings are listed (CAREFORCE_EXPIRY_NOTICE_DAYS)."""
    return settings.CAREFORCE_EXPIRY_NOTICE_DAYS


def may_see_expiring(user: User) -> bool:
    """Institution, district and city officials (and auditors) see the expiring list of their area; an
    evaluation body the certificates it issued."""
    return scope_of(user).level in (Level.CITY, Level.DISTRICT, Level.INSTITUTION, Level.BODY)


def expiring_certificates(
    user: User, *, days: int | None = None, today: datetime.date | None = None
) -> QuerySet[Certificate]:
    """Valid certificates whose validity ends within `days` (from today, today included), soonest first,
    of the holders the user sees (an institution administrator: its own staff)."""
    if not may_see_expiring(user):
        return Certificate.objects.none()
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=expiry_notice_days() if days is None else days)
    return (
        certificates_visible_to(user)
        .filter(status=CertificateStatus.VALID, valid_until__gte=today, valid_until__lte=until)
        .select_related("worker__institution")
        .order_by("valid_until", "id")
    )


def certificate_renewals(certificate: Certificate) -> QuerySet:
    return certificate.renewals.select_related("renewed_by").order_by("-renewed_on", "-id")


def validity_table() -> QuerySet[CertificateValidity]:
    return CertificateValidity.objects.select_related("occupation", "level").order_by(
        "occupation__sort_order", "level__rank", "id"
    )
