"""Computing and publishing the service-quality ranking. City administrators only (the bureau publishes).

Each indicator gives 0–100 points; the score is the weighted mean over the indicators an institution has
data for (weights are data: RankingIndicator rows of the method in use):
- evaluations: the mean of the period's evaluation averages, 1 → 0 and 5 → 100;
- complaints: 100 − scale × (substantiated complaints received in the period per 100 beds), floor 0;
  an institution without beds has no value;
- certification: the care-worker certification rate (skills contract; current figures);
- training: the share of current staff with a completed training in the period's year (training contract);
- staffing: care staff in post as a share of the care staff the residents call for, capped at 100 (the
  one definition of the staffing shortfall: staffing.rules.care_staffing); an
  institution with no residents recorded has no value.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Mapping
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.conduct import metrics as conduct_metrics
from careforce.conduct.models import Evaluation
from careforce.core import audit
from careforce.core.models import AuditAction, User
from careforce.core.scope import Level, require_write
from careforce.core.validators import normalize_text
from careforce.credit import sources
from careforce.institutions.models import Institution
from careforce.rankings.models import (
    ROW_VALUE_FIELDS,
    Indicator,
    PeriodKind,
    Ranking,
    RankingMethod,
    RankingRow,
    RankingSnapshot,
    SnapshotRow,
)
from careforce.registry.choices import parse_choice
from careforce.registry.models import Worker
from careforce.staffing.rules import care_staffing


def _require_city(actor: User) -> None:
    scope = require_write(actor)
    if scope.level != Level.CITY:
        raise Http404


def period_bounds(kind: str, year: int, number: int) -> tuple[datetime.date, datetime.date]:
    months = 1 if kind == PeriodKind.MONTH else 3
    first_month = number if kind == PeriodKind.MONTH else (number - 1) * 3 + 1
    start = datetime.date(year, first_month, 1)
    end_month = first_month + months
    end = (
        datetime.date(year + 1, 1, 1) if end_month > 12 else datetime.date(year, end_month, 1)
    ) - datetime.timedelta(days=1)
    return start, end


def period_title(kind: str, start: datetime.date) -> str:
    if kind == PeriodKind.MONTH:
        return _("%(year)d-%(month)02d") % {"year": start.year, "month": start.month}
    return _("%(year)d Q%(quarter)d") % {"year": start.year, "quarter": (start.month - 1) // 3 + 1}


def _clean_period(data: Mapping[str, Any]) -> tuple[str, datetime.date, datetime.date]:
    errors: dict[str, list[str]] = {}
    kind = parse_choice(data.get("period_kind"), PeriodKind)
    if kind is None:
        errors["period_kind"] = [_("Choose month or quarter.")]
    year_text, number_text = normalize_text(data.get("year")), normalize_text(data.get("number"))
    year = int(year_text) if year_text.isdigit() and len(year_text) == 4 else None
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = [_("Enter a year such as 2026.")]
    limit = 12 if kind == PeriodKind.MONTH else 4
    number = int(number_text) if number_text.isdigit() and len(number_text) <= 2 else None
    if number is None or not 1 <= number <= limit:
        errors["number"] = [_("Enter a month 1–12 or a quarter 1–4.")]
    if errors:
        raise ValidationError(errors)
    start, end = period_bounds(kind, year, number)
    if start > timezone.localdate():
        raise ValidationError({"number": [_("The period has not begun yet.")]})
    return kind, start, end


def _pct(part: int, whole: int) -> Decimal | None:
    return None if not whole else Decimal(round(100.0 * part / whole, 1)).quantize(Decimal("0.1"))


def _competition_ranks(rows: list[Any], key: str) -> None:
    """1, 2, 2, 4…: equal scores share a place; institutions with no score get none."""
    ordered = sorted((r for r in rows if r.score is not None), key=lambda r: -r.score)
    place, previous = 0, None
    for index, row in enumerate(ordered, start=1):
        if row.score != previous:
            place, previous = index, row.score
        setattr(row, key, place)


def score_row(row: Any, weights: Mapping[str, tuple[float, float]]) -> Decimal | None:
    """The weighted mean of the indicator points the row (a RankingRow or the same attributes) has data for
    (None when it has none)."""
    points: dict[str, float | None] = {
        Indicator.EVALUATIONS: None
        if row.evaluation_average is None
        else (float(row.evaluation_average) - 1) / 4 * 100,
        Indicator.COMPLAINTS: None
        if row.complaints_per_100_beds is None
        else max(
            0.0, 100 - weights.get(Indicator.COMPLAINTS, (0, 1))[1] * float(row.complaints_per_100_beds)
        ),
        Indicator.CERTIFICATION: None if row.certification_rate is None else float(row.certification_rate),
        Indicator.TRAINING: None if row.training_coverage is None else float(row.training_coverage),
        Indicator.STAFFING: None if row.staffing_rate is None else float(row.staffing_rate),
    }
    total = weight_sum = 0.0
    for indicator, (weight, _scale) in weights.items():
        value = points.get(indicator)
        if weight > 0 and value is not None:
            total += weight * value
            weight_sum += weight
    if not weight_sum:
        return None
    return Decimal(round(total / weight_sum, 1)).quantize(Decimal("0.1"))


def _insert_rows(ranking: Ranking, rows: list[SimpleNamespace]) -> None:
    """The ranking's rows: COPY on PostgreSQL straight from the values (10,000 RankingRow instances cost
    more than everything else in Python), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        RankingRow.objects.bulk_create(
            [RankingRow(ranking=ranking, **vars(row)) for row in rows], batch_size=1000
        )
        return
    columns = ", ".join(RankingRow._meta.get_field(name).column for name in ROW_VALUE_FIELDS)
    with connection.cursor() as cursor:
        raw = cursor.connection
        with (
            raw.cursor() as pg,
            pg.copy(f"COPY {RankingRow._meta.db_table} ({columns}, ranking_id) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row((*(getattr(row, name) for name in ROW_VALUE_FIELDS), ranking.pk))


@transaction.atomic
def ranking_compute(*, actor: User, data: Mapping[str, Any]) -> Ranking:
    """Compute the ranking of every institution for a month or a quarter (a new draft)."""
    _require_city(actor)
    kind, start, end = _clean_period(data)
    method = RankingMethod.objects.filter(is_active=True).prefetch_related("indicators").first()
    if method is None:
        raise ValidationError({"period_kind": [_("No ranking method is in use; set one up first.")]})
    weights = {i.indicator: (float(i.weight), float(i.scale)) for i in method.indicators.all()}
    # Plain tuples, not model instances: 10,000 institutions cost seconds as objects.
    institutions = list(
        Institution.objects.order_by("id").values_list(
            "pk", "name", "district_id", "district__name", "district__name_en", "beds"
        )
    )
    evaluations = dict(
        (pk, (n, avg))
        for pk, n, avg in Evaluation.objects.filter(evaluated_on__range=(start, end))
        .order_by()
        .values("institution_id")
        .annotate(n=Count("id"), a=Avg("average"))
        .values_list("institution_id", "n", "a")
    )
    complaints = conduct_metrics.complaint_counts(by="institution", since=start, until=end)
    # Every institution is ranked: the contract reads are asked for all of them at once (no id lists).
    certification = sources.certification_counts(None)
    trained = sources.trained_worker_counts(year=end.year, institution_ids=None)
    staffing = care_staffing(None)
    staff = dict(
        Worker.objects.filter(is_active=True, institution_id__isnull=False)
        .order_by()
        .values("institution_id")
        .annotate(n=Count("id"))
        .values_list("institution_id", "n")
    )
    now = timezone.now()
    ranking = Ranking.objects.create(
        method=method,
        period_kind=kind,
        period_start=start,
        period_end=end,
        computed_at=now,
        computed_by=actor,
        institutions=len(institutions),
    )
    rows = []
    for pk, name, district_id, district_name, district_name_en, beds in institutions:
        n_eval, avg = evaluations.get(pk, (0, None))
        n_complaints = complaints.get(pk, 0)
        certified, care_workers = certification.get(pk, (0, 0))
        n_staff = staff.get(pk, 0)
        n_trained = trained.get(pk, 0)
        counted, required = staffing.get(pk, (0, 0))
        care_staff = int(counted)  # whole people for the stored column; the rate keeps part-time fractions
        row = SimpleNamespace(
            institution_id=pk,
            institution_name=name,
            district_id=district_id,
            district_name=district_name,
            district_name_en=district_name_en,
            beds=beds,
            evaluation_count=n_eval,
            evaluation_average=None
            if avg is None
            else Decimal(round(float(avg), 2)).quantize(Decimal("0.01")),
            complaints=n_complaints,
            complaints_per_100_beds=None
            if not beds
            else Decimal(round(n_complaints * 100 / beds, 2)).quantize(Decimal("0.01")),
            certified=certified,
            care_workers=care_workers,
            certification_rate=_pct(certified, care_workers),
            trained=n_trained,
            staff=n_staff,
            training_coverage=_pct(min(n_trained, n_staff), n_staff),
            care_staff=care_staff,
            required_care_staff=required,
            staffing_rate=_pct(min(float(counted), required), required),
            rank_city=None,
            rank_district=None,
        )
        row.score = score_row(row, weights)
        rows.append(row)
    _competition_ranks(rows, "rank_city")
    by_district: dict[int, list[SimpleNamespace]] = {}
    for row in rows:
        by_district.setdefault(row.district_id, []).append(row)
    for group in by_district.values():
        _competition_ranks(group, "rank_district")
    _insert_rows(ranking, rows)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=ranking,
        changes={"period": [None, f"{start}–{end}"], "method": [None, str(method)]},
    )
    return ranking


def methodology_of(method: RankingMethod) -> list[dict[str, Any]]:
    return [
        {
            "indicator": i.indicator,
            "label": str(i.get_indicator_display()),
            "weight": str(i.weight),
            "scale": str(i.scale),
            "description": i.description,
        }
        for i in method.indicators.all()
    ]


@transaction.atomic
def ranking_publish(*, actor: User, ranking: Ranking) -> RankingSnapshot:
    """Freeze the ranking into a published snapshot (rows and methodology copied; never changed after)."""
    _require_city(actor)
    ranking = Ranking.objects.select_for_update().select_related("method").get(pk=ranking.pk)
    if RankingSnapshot.objects.filter(ranking=ranking).exists():
        raise ValidationError({"ranking": [_("This ranking has already been published.")]})
    started = time.monotonic()
    snapshot = RankingSnapshot.objects.create(
        ranking=ranking,
        title=period_title(ranking.period_kind, ranking.period_start),
        period_kind=ranking.period_kind,
        period_start=ranking.period_start,
        period_end=ranking.period_end,
        method_version=ranking.method.version,
        methodology=methodology_of(ranking.method),
        computed_at=ranking.computed_at,
        published_by=actor,
        institutions=ranking.institutions,
    )
    # The rows are copied inside the database (one INSERT … SELECT): nothing passes through Python.
    columns = ", ".join(SnapshotRow._meta.get_field(name).column for name in ROW_VALUE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SnapshotRow._meta.db_table} ({columns}, snapshot_id) "
            f"SELECT {columns}, %s FROM {RankingRow._meta.db_table} WHERE ranking_id = %s",
            [snapshot.pk, ranking.pk],
        )
        copied = cursor.rowcount
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=snapshot,
        changes={"rows": [None, copied]},
        note=f"published in {time.monotonic() - started:.2f} s",
    )
    return snapshot
