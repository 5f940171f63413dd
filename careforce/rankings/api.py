"""/api/v1/rankings: published ranking snapshots (public, no authentication)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from careforce.core.schemas import READ_RESPONSES, Id, LocalDateTime
from careforce.rankings import selectors

router = Router(tags=["rankings"])


class SnapshotOut(Schema):
    id: int
    title: str
    period_kind: str
    period_start: datetime.date
    period_end: datetime.date
    method_version: int
    methodology: list[dict]
    published_at: LocalDateTime
    institutions: int


class RowOut(Schema):
    institution_id: int
    institution_name: str
    district_id: int
    district_name: str
    score: Decimal | None
    rank_city: int | None
    rank_district: int | None
    evaluation_count: int
    evaluation_average: Decimal | None = Field(description="Mean evaluation 1–5; null: no evaluation")
    beds: int
    complaints: int
    complaints_per_100_beds: Decimal | None = Field(description="Null: no beds")
    certified: int
    care_workers: int
    certification_rate: Decimal | None = Field(description="Percent; null: no care worker")
    trained: int
    staff: int
    training_coverage: Decimal | None = Field(description="Percent; null: no staff")
    care_staff: int | None = Field(description="Care staff in post (null in rankings computed before it)")
    required_care_staff: int | None = Field(description="Care staff the residents call for (staffing ratios)")
    staffing_rate: Decimal | None = Field(description="Percent, at most 100; null: no residents recorded")


class SnapshotDetailOut(SnapshotOut):
    rows: list[RowOut] = Field(description="Ordered by rank (city-wide, or in the district)")
    next_offset: int | None

    @staticmethod
    def resolve_rows(obj) -> list:
        return obj.rows_page


class RowsIn(Schema):
    district: int | None = Field(None, ge=1, le=2**31, description="District id: that district's ranking")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get(
    "/rankings", response={200: list[SnapshotOut], **READ_RESPONSES}, auth=None, summary="Published rankings"
)
def list_rankings(request: HttpRequest):
    return list(selectors.snapshots_published()[:200])


@router.get(
    "/rankings/{snapshot_id}", response={200: SnapshotDetailOut, **READ_RESPONSES}, auth=None,
    summary="A published ranking, city-wide or for one district",
)  # fmt: skip
def get_ranking(request: HttpRequest, snapshot_id: Id, query: Query[RowsIn]):
    snapshot = selectors.snapshot_get(snapshot_id)
    rows = list(
        selectors.snapshot_rows(snapshot, district=query.district)[
            query.offset : query.offset + query.limit + 1
        ]
    )
    snapshot.rows_page = rows[: query.limit]
    snapshot.next_offset = query.offset + query.limit if len(rows) > query.limit else None
    return snapshot


class ScorecardNeedOut(Schema):
    post: str
    required: float
    counted: float
    short: int = Field(description="Required minus counted, rounded up to whole people")


class ScorecardStaffingOut(Schema):
    compliant: bool
    shortfall_text: str = Field(
        description="Compliant, or the named shortfall (缺 3 名养老护理员、无消防安全岗)"
    )
    needs: list[ScorecardNeedOut]
    counted_staff: float = Field(description="People counted: current employment with a labour contract")
    counted_full_time: int
    counted_part_time: int
    part_time_weight: float
    completeness_percent: float | None = Field(description="Share of complete records; null: no staff")
    completeness_complete: int
    completeness_total: int
    completeness_threshold: float
    completeness_meets_threshold: bool
    residents_counted_on: datetime.date | None


class InstitutionScorecardOut(Schema):
    institution_id: int
    institution_name: str
    staffing: ScorecardStaffingOut
    rankings: list[RowOut] = Field(description="Its rows in the latest published rankings, newest first")
    ranking_titles: list[str]


@router.get(
    "/rankings/institutions/{institution_id}/scorecard",
    response={200: InstitutionScorecardOut, **READ_RESPONSES},
    summary="An institution's scorecard: published places and staffing now",
)
def institution_scorecard(request: HttpRequest, institution_id: Id):
    from careforce.staffing.scorecard import institution_staffing

    card = institution_staffing(request.auth, institution_id)
    rows = selectors.published_rows_of(card.institution.pk)
    return {
        "institution_id": card.institution.pk,
        "institution_name": card.institution.name,
        "staffing": {
            "compliant": card.compliant,
            "shortfall_text": card.shortfall_text,
            "needs": [
                {"post": n.post, "required": float(n.required), "counted": float(n.counted), "short": n.short}
                for n in card.needs
            ],
            "counted_staff": float(card.counted_staff),
            "counted_full_time": card.counted_full_time,
            "counted_part_time": card.counted_part_time,
            "part_time_weight": float(card.part_time_weight),
            "completeness_percent": card.share.percent,
            "completeness_complete": card.share.complete,
            "completeness_total": card.share.total,
            "completeness_threshold": float(card.threshold),
            "completeness_meets_threshold": card.meets_threshold,
            "residents_counted_on": card.residents_counted_on,
        },
        "rankings": rows,
        "ranking_titles": [row.snapshot.title for row in rows],
    }
