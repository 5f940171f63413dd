"""Staffing on an institution's scorecard (the rankings' institution page and API): compliant or the named
shortfall, the people counted, the share of complete records. Read through the staffing selectors' public
functions (`selectors.institution_detail`, which scopes) and the one definition of who counts
(`rules.counted_employments`); nothing here restates a rule."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count

from careforce.core.models import User
from careforce.institutions.models import Institution
from careforce.registry.completeness import Share
from careforce.staffing import rules, selectors
from careforce.staffing.models import ResidentsCount


@dataclass(frozen=True)
class StaffingCard:
    institution: Institution
    compliant: bool
    shortfall_text: str  # "Compliant", or "缺 3 名养老护理员、无消防安全岗"
    needs: list[rules.Need] = field(default_factory=list)
    counted_staff: Decimal = Decimal(0)  # people counted: full-time 1, part-time the weight
    counted_full_time: int = 0
    counted_part_time: int = 0
    part_time_weight: Decimal = Decimal("0.5")
    share: Share = field(default_factory=lambda: Share(0, 0))
    threshold: Decimal = Decimal(90)
    meets_threshold: bool = False
    residents_counted_on: datetime.date | None = None
    required_care: int = 0  # care staff the residents call for (0: no residents recorded)


def institution_staffing(user: User, institution_id: object) -> StaffingCard:
    """The institution's staffing card; an institution outside the user's scope answers 404."""
    data = selectors.institution_detail(user, institution_id)
    institution = data["institution"]
    weight = Decimal(data["part_time_weight"])
    heads = dict(
        rules.counted_employments()
        .filter(institution_id=institution.pk)
        .values_list("is_part_time")
        .annotate(n=Count("pk"))
    )
    full, part = heads.get(False, 0), heads.get(True, 0)
    counted_on = (
        ResidentsCount.objects.filter(institution_id=institution.pk)
        .values_list("counted_on", flat=True)
        .first()
    )
    compliance = data["compliance"]
    return StaffingCard(
        institution=institution,
        compliant=compliance.compliant,
        shortfall_text=compliance.text,
        needs=list(compliance.needs),
        counted_staff=Decimal(full) + Decimal(part) * weight,
        counted_full_time=full,
        counted_part_time=part,
        part_time_weight=weight,
        share=data["share"],
        threshold=data["threshold"],
        meets_threshold=data["meets_threshold"],
        residents_counted_on=counted_on,
        required_care=data["required_care"],
    )
