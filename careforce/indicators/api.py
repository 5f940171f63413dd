"""/api/v1/indicators, /scorecards, /reports and /targets: thin callers of the indicators selectors and
services, with the same scope as the pages (a district official: the city in aggregate, its own district's
drill-down only; an institution administrator: its institution; workers: 404)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import TypeAdapter

from careforce.core.api import paginate
from careforce.core.models import District
from careforce.core.schemas import ERROR_RESPONSES, READ_RESPONSES, Id, InputSchema, LocalDateTime, PageIn
from careforce.core.scope import Level
from careforce.indicators import definitions, engine, selectors, services
from careforce.indicators.selectors import Reading

router = Router(tags=["indicators"])


class PointOut(Schema):
    month: str = Field(description="YYYY-MM; the current month is today's value")
    value: float | None


class GoalOut(Schema):
    value: float = Field(description="The target here (whole units for counts)")
    due: str = Field(description="Its due date (the end of this year for a yearly target)")
    status: str = Field(description="achieved, on_track, at_risk, off_track, missed, no_trend, no_data")
    projected: float | None = Field(description="The figure projected to the due date")
    needed_per_month: float | None


class IndicatorOut(Schema):
    code: str
    label: str
    definition: str = Field(description="What counts and what does not")
    unit: str
    kind: str = Field(description="count (adds up over districts) or rate")
    value: float | None = Field(description="null: no data (e.g. no denominator)")
    numerator: float
    denominator: float | None
    target: float | None = Field(
        description="The nearest target not yet due here (a district's share of a city count target)"
    )
    target_due: str | None
    status: str | None = Field(
        description="achieved, on_track, at_risk, off_track, missed, no_trend, no_data"
    )
    projected: float | None
    needed_per_month: float | None
    targets: list[GoalOut] = Field(description="Every target of the place, soonest first, each projected")
    records_url: str | None = Field(description="The worker list behind the number, if the caller may see it")
    series: list[PointOut]


class RankOut(Schema):
    district_id: int
    district_code: str
    district_name: str
    value: float | None
    rank: int | None


class IndicatorDetailOut(IndicatorOut):
    by_district: list[RankOut] = Field(description="Every district, best first (city view only)")


class IndicatorFilters(Schema):
    district: Id | None = Field(None, description="District id (404 outside the caller's drill-down scope)")
    institution: Id | None = Field(None, description="Institution id (404 outside the caller's scope)")


def _f(value: Any) -> float | None:
    return float(value) if value is not None else None


def _reading_out(r: Reading) -> dict[str, Any]:
    p = r.projection
    return {
        "code": r.code,
        "label": str(r.indicator.label),
        "definition": str(r.indicator.definition),
        "unit": str(r.indicator.unit),
        "kind": r.indicator.kind,
        "value": _f(r.value),
        "numerator": float(r.result.numerator),
        "denominator": _f(r.result.denominator),
        "target": _f(r.indicator.round(r.target.value)) if r.target else None,
        "target_due": r.target.due_date.isoformat() if r.target else None,
        "status": p.status if p else None,
        "projected": _f(r.indicator.round(p.projected)) if p and p.projected is not None else None,
        "needed_per_month": _f(p.needed_per_month) if p and p.needed_per_month is not None else None,
        "targets": [
            {
                "value": _f(g.target.value),
                "due": g.target.due_date.isoformat(),
                "status": g.projection.status,
                "projected": _f(g.projection.projected),
                "needed_per_month": _f(g.projection.needed_per_month),
            }
            for g in r.goals
        ],
        "records_url": r.url,
        "series": [{"month": m, "value": _f(v)} for m, v in r.points],
    }


def _institution_out(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "code": row["indicator"].code,
            "label": str(row["indicator"].label),
            "definition": str(row["indicator"].definition),
            "unit": str(row["indicator"].unit),
            "kind": row["indicator"].kind,
            "value": _f(row["value"]),
            "numerator": float(row["result"].numerator),
            "denominator": _f(row["result"].denominator),
            "target": None,
            "target_due": None,
            "status": None,
            "projected": None,
            "needed_per_month": None,
            "targets": [],
            "records_url": row["url"],
            "series": [],
        }
        for row in data["readings"]
    ]


def _readings(request: HttpRequest, filters: IndicatorFilters) -> list[dict[str, Any]]:
    scope = selectors.dashboard_scope(request.auth)
    if filters.institution or scope.level == Level.INSTITUTION:
        institution_id = filters.institution or scope.institution_id
        return _institution_out(selectors.institution_view(request.auth, institution_id))
    if filters.district:
        data = selectors.district_view(request.auth, filters.district, full=False)
        return [_reading_out(r) for r in data["readings"]]
    return [_reading_out(r) for r in selectors.overview(request.auth, full=False)["readings"]]


# The catalogue and a district's readings, serialised: built once per version of what they are computed
# from (selectors.readings_version: one statement; a district's answer follows its own district, the city's
# workers and the city-wide inputs, the catalogue every district) across all the processes. A change of a
# figure moves the version in the change's own transaction, so the next read after it is built afresh and
# exact; an answer is served only under the version it was built for, never an older one.
#
# Two levels, one entry per answer (viewer scope, district, language) in each, so memory stays bounded
# however many versions go by: this process's dict, then the shared cache (Redis in production) holding
# (version, bytes). After a change, the first process to miss takes a short lock (cache.add) and builds;
# the others wait for its bytes — a build costs a few hundred milliseconds at a million workers, four
# processes building the same answer at once cost four times that on the same cores — and build
# themselves only if the builder does not deliver in time (it failed or was killed).
_answers: dict[tuple, tuple[str, bytes]] = {}
_MAX_ANSWERS = 512
_LOCK_SECONDS = 30  # the lock outlives any build; a killed builder's lock expires by itself
_INDICATOR_LIST = TypeAdapter(list[IndicatorOut])


def forget_answers() -> None:
    """Empties this process's answers (tests: a rolled-back test takes the versions back with it)."""
    _answers.clear()


def _wait_seconds() -> float:
    return float(getattr(settings, "INDICATORS_ANSWER_WAIT_SECONDS", 5))


def shared_key(slot: tuple) -> str:
    """The shared cache's key of one answer (its version is in the value, not in the key)."""
    return "indicators:answer:" + hashlib.sha256(repr(slot).encode()).hexdigest()[:40]


def version_tag(version: tuple) -> str:
    return hashlib.sha256(repr(version).encode()).hexdigest()[:40]


def _remember(slot: tuple, tag: str, body: bytes) -> bytes:
    _answers.pop(slot, None)
    if len(_answers) >= _MAX_ANSWERS:
        _answers.pop(next(iter(_answers)))  # the answer least recently built here
    _answers[slot] = (tag, body)
    return body


def _from_shared(key: str, tag: str) -> bytes | None:
    found = cache.get(key)
    return found[1] if isinstance(found, tuple) and found[0] == tag else None


def kept_answer(slot: tuple, version: tuple, build: Callable[[], bytes]) -> bytes:
    """The answer of `slot` at exactly `version`: from this process, else from the shared cache, else
    built (once across processes while the lock holds)."""
    tag = version_tag(version)
    found = _answers.get(slot)
    if found is not None and found[0] == tag:
        return found[1]
    key = shared_key(slot)
    body = _from_shared(key, tag)
    if body is not None:
        return _remember(slot, tag, body)
    lock = f"{key}:building:{tag}"
    owner = cache.add(lock, 1, timeout=_LOCK_SECONDS)
    if not owner:
        deadline = time.monotonic() + _wait_seconds()
        pause = 0.005
        while time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
            body = _from_shared(key, tag)
            if body is not None:
                return _remember(slot, tag, body)
            if cache.get(lock) is None:
                break  # delivered just now, or the builder gave up (an error)
        owner = cache.add(lock, 1, timeout=_LOCK_SECONDS)  # built here, under the lock if it is free
    # Another process may have delivered between this process's look and its lock.
    body = _from_shared(key, tag)
    if body is not None:
        if owner:
            cache.delete(lock)
        return _remember(slot, tag, body)
    try:
        body = build()
        # Whatever version the entry held: this one is the newest this process has seen.
        cache.set(key, (tag, body), timeout=max(engine.cache_seconds(), 60))
    finally:
        if owner:
            cache.delete(lock)
    return _remember(slot, tag, body)


def build_answer(request: HttpRequest, district_id: int | None) -> bytes:
    """The catalogue (district None) or a district's readings, serialised."""
    filters = IndicatorFilters(district=district_id)
    return _INDICATOR_LIST.dump_json(_INDICATOR_LIST.validate_python(_readings(request, filters)))


@router.get("/indicators", response={200: list[IndicatorOut], **READ_RESPONSES}, summary="Indicators now")
def list_indicators(request: HttpRequest, filters: Query[IndicatorFilters]):
    """Every indicator offered (those whose data exists), city-wide or for a district or institution."""
    scope = selectors.dashboard_scope(request.auth)
    if filters.institution or scope.level == Level.INSTITUTION:
        return _readings(request, filters)
    if filters.district:
        selectors.district_get(request.auth, filters.district)  # 404 outside the caller's drill-down
    slot = (scope.level, scope.district_id, filters.district, translation.get_language())
    body = kept_answer(
        slot,
        selectors.readings_version(filters.district),
        lambda: build_answer(request, filters.district),
    )
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get(
    "/indicators/{code}", response={200: IndicatorDetailOut, **READ_RESPONSES}, summary="One indicator"
)
def get_indicator(request: HttpRequest, code: str, filters: Query[IndicatorFilters]):
    """One indicator with its trend, projection and (city view) the ranked districts."""
    if definitions.get(code) is None:
        raise Http404
    scope = selectors.dashboard_scope(request.auth)
    if filters.institution or scope.level == Level.INSTITUTION:
        rows = [r for r in _readings(request, filters) if r["code"] == code]
        if not rows:
            raise Http404
        return {**rows[0], "by_district": []}
    if filters.district:
        data = selectors.district_view(request.auth, filters.district, code, full=False)
        reading = next(r for r in data["readings"] if r.code == code)
        return {**_reading_out(reading), "by_district": []}
    data = selectors.overview(request.auth, code)
    reading = next(r for r in data["readings"] if r.code == code)
    ranking = [
        {
            "district_id": row["district"].pk,
            "district_code": row["district"].code,
            "district_name": row["district"].name,
            "value": _f(row["value"]),
            "rank": row["rank"],
        }
        for row in data["ranking"]
    ]
    return {**_reading_out(reading), "by_district": ranking}


# ---------------------------------------------------------------- scorecards and reports


class ScorecardRowOut(Schema):
    code: str
    label: str
    unit: str
    value: float | None
    target: float | None
    target_due: str | None
    share: float | None
    gap: float | None
    status: str | None
    status_label: str
    needed_per_month: float | None
    rank: int | None
    ranked: int
    previous: float | None = Field(description="The value at the end of last month, where known")
    change: float | None


class ActionDetailOut(Schema):
    id: int
    name: str
    value: float


class ActionOut(Schema):
    code: str
    label: str
    count: int
    detail: list[ActionDetailOut]


class DistrictBrief(Schema):
    id: int
    code: str
    name: str


class ScorecardOut(Schema):
    period: str
    as_of: str
    district: DistrictBrief
    rows: list[ScorecardRowOut]
    actions: list[ActionOut]


@router.get(
    "/scorecards/{district_id}",
    response={200: ScorecardOut, **READ_RESPONSES},
    summary="A district's scorecard",
)
def get_scorecard(request: HttpRequest, district_id: Id):
    """This period's scorecard of a district: each indicator against the district's target, rank, change,
    and the items needing action."""
    return selectors.scorecard(request.auth, district_id)


class ReportOut(Schema):
    id: int
    period: str
    district: DistrictBrief | None
    generated_at: LocalDateTime
    generated_by: str
    content_sha256: str

    @staticmethod
    def resolve_generated_by(obj) -> str:
        return str(obj.generated_by)


class ReportDetailOut(ReportOut):
    content: dict


class ReportPage(Schema):
    items: list[ReportOut]
    next_cursor: str | None


class ReportIn(InputSchema):
    district: Id | None = Field(
        None, description="District id; omit (city administrators) for every district"
    )


@router.get("/reports", response={200: ReportPage, **READ_RESPONSES}, summary="Frozen period reports")
def list_reports(request: HttpRequest, page: Query[PageIn]):
    return paginate(selectors.reports_visible_to(request.auth), limit=page.limit, cursor=page.cursor)


@router.get(
    "/reports/{report_id}", response={200: ReportDetailOut, **READ_RESPONSES}, summary="A period report"
)
def get_report(request: HttpRequest, report_id: Id):
    return selectors.report_get(request.auth, report_id)


@router.post(
    "/reports", response={201: ReportDetailOut, **ERROR_RESPONSES}, summary="Generate a period report"
)
def create_report(request: HttpRequest, payload: ReportIn):
    """Stores the current period's scorecard(s); the stored content never changes afterwards."""
    selectors.dashboard_scope(request.auth)
    district = None
    if payload.district is not None:
        district = District.objects.filter(pk=payload.district).first()
        if district is None:
            raise Http404
    report = services.report_generate(actor=request.auth, district=district)
    return Status(201, selectors.report_get(request.auth, report.pk))


class TargetOut(Schema):
    id: int
    indicator: str
    available: bool = Field(description="False while the indicator's data module is not installed")
    value: float
    due_date: str
    recurrence: str
    district: DistrictBrief | None
    share_basis: str
    at_risk_ratio: float
    trend_months: int
    source: str
    is_active: bool


@router.get("/targets", response={200: list[TargetOut], **READ_RESPONSES}, summary="Policy targets")
def list_targets(request: HttpRequest):
    scope = selectors.dashboard_scope(request.auth)
    if scope.level == Level.INSTITUTION:
        raise Http404
    return [
        {
            "id": t.pk,
            "indicator": t.indicator,
            "available": definitions.get(t.indicator) is not None,
            "value": float(t.value),
            "due_date": t.due_date.isoformat(),
            "recurrence": t.recurrence,
            "district": t.district,
            "share_basis": t.share_basis,
            "at_risk_ratio": float(t.at_risk_ratio),
            "trend_months": t.trend_months,
            "source": t.source,
            "is_active": t.is_active,
        }
        for t in selectors.targets_visible_to(request.auth)
    ]
