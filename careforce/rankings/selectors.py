"""Reads of rankings. Published snapshots are public (no login); drafts are for city administrators."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation

from careforce.core.models import User
from careforce.core.scope import Level, scope_of
from careforce.rankings.models import Ranking, RankingMethod, RankingSnapshot, SnapshotRow


def snapshots_published() -> QuerySet[RankingSnapshot]:
    return RankingSnapshot.objects.order_by("-period_start", "-id")


def snapshot_get(pk: object) -> RankingSnapshot:
    try:
        return RankingSnapshot.objects.get(pk=int(pk))
    except (RankingSnapshot.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


def snapshot_rows(snapshot: RankingSnapshot, *, district: int | None = None) -> QuerySet[SnapshotRow]:
    rows = snapshot.rows.all()
    if district:
        return rows.filter(district_id=district).order_by("rank_district", "institution_name", "id")
    return rows.order_by("rank_city", "institution_name", "id")


def snapshot_districts(snapshot: RankingSnapshot) -> list[tuple[int, str]]:
    rows = snapshot.rows.order_by("district_id").values_list(
        "district_id", "district_name", "district_name_en"
    )
    english = (translation.get_language() or "").startswith("en")
    return [(pk, (name_en if english and name_en else name)) for pk, name, name_en in rows.distinct()]


def may_manage(user: User) -> bool:
    scope = scope_of(user)
    return scope.level == Level.CITY and scope.can_write


def rankings_visible_to(user: User) -> QuerySet[Ranking]:
    """Working rankings (drafts and published): city administrators and auditors."""
    if scope_of(user).level != Level.CITY:
        return Ranking.objects.none()
    return Ranking.objects.select_related("method", "snapshot").order_by("-period_start", "-id")


def ranking_get(user: User, pk: object) -> Ranking:
    try:
        return rankings_visible_to(user).get(pk=int(pk))
    except (Ranking.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


def method_in_use() -> RankingMethod | None:
    return RankingMethod.objects.filter(is_active=True).prefetch_related("indicators").first()


def published_rows_of(institution_id: int, limit: int = 6) -> list[SnapshotRow]:
    """The institution's rows in the latest published rankings, newest first (published rows are public)."""
    return list(
        SnapshotRow.objects.filter(institution_id=institution_id)
        .select_related("snapshot")
        .order_by("-snapshot__period_start", "-snapshot_id")[:limit]
    )
