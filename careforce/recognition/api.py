"""REST API of recognition under /api/v1/recognition/: thin handlers over the services and selectors."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from careforce.core.schemas import (
    ERROR_RESPONSES,
    READ_RESPONSES,
    DateText,
    Id,
    IdOrCode,
    InputSchema,
    Text,
)
from careforce.recognition import metrics, selectors, services

router = Router(tags=["recognition"])


class AwardIn(InputSchema):
    required_fields = ("kind", "worker", "year")

    kind: Text = Field(None, description="The award kind's code or name, e.g. 最美护理员")
    worker: IdOrCode = None
    year: IdOrCode = None
    awarded_on: DateText = None
    citation: Text = None


class AwardOut(Schema):
    id: int
    kind: str
    level: str
    worker_id: int
    worker_name: str
    year: int
    district: str
    awarded_on: datetime.date
    citation: str

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.kind.name

    @staticmethod
    def resolve_level(obj) -> str:
        return obj.kind.level

    @staticmethod
    def resolve_worker_name(obj) -> str:
        return obj.worker.name

    @staticmethod
    def resolve_district(obj) -> str:
        return obj.district.name


class CompetitionIn(InputSchema):
    """`district` (code or name) for a district-level competition made by a city administrator."""

    required_fields = ("title", "held_on")

    title: Text = None
    level: Text = Field(None, description="city or district; default: the creator's own level")
    district: IdOrCode = None
    held_on: DateText = None


class EntrantOut(Schema):
    id: int
    worker_id: int
    worker_name: str
    score: Decimal | None = None
    rank: int | None = None
    prize: str
    eligible_level: str | None = None

    @staticmethod
    def resolve_worker_name(obj) -> str:
        return obj.worker.name

    @staticmethod
    def resolve_eligible_level(obj) -> str | None:
        return obj.eligible_level.name if obj.eligible_level_id else None


class CompetitionOut(Schema):
    id: int
    title: str
    level: str
    district: str | None = None
    held_on: datetime.date
    status: str
    judges: list[str] = []
    entrants: list[EntrantOut] = []


class EntrantIn(InputSchema):
    required_fields = ("worker",)

    worker: IdOrCode = None


class JudgesDrawIn(InputSchema):
    required_fields = ("count",)

    count: IdOrCode = Field(None, description="How many judges to draw")


class ScoresIn(InputSchema):
    required_fields = ("scores",)

    scores: dict[str, IdOrCode] | None = Field(None, description="{entrant id: score 0–100, one decimal}")


class StudioIn(InputSchema):
    required_fields = ("name", "leader")

    name: Text = None
    leader: IdOrCode = None
    founded_on: DateText = None
    description: Text = None


class StudioMemberIn(InputSchema):
    required_fields = ("worker",)

    worker: IdOrCode = None
    role: Text = Field(None, description="member or apprentice (default)")
    started_on: DateText = None


class StudioMemberOut(Schema):
    id: int
    worker_id: int
    worker_name: str
    role: str
    started_on: datetime.date
    ended_on: datetime.date | None = None

    @staticmethod
    def resolve_worker_name(obj) -> str:
        return obj.worker.name


class StudioOut(Schema):
    id: int
    name: str
    leader_id: int
    leader_name: str
    district: str
    founded_on: datetime.date
    members: list[StudioMemberOut] = []

    @staticmethod
    def resolve_leader_name(obj) -> str:
        return obj.leader.name

    @staticmethod
    def resolve_district(obj) -> str:
        return obj.district.name

    @staticmethod
    def resolve_members(obj) -> list:
        return list(obj.members.select_related("worker"))


class SettlementIn(InputSchema):
    required_fields = ("worker",)

    worker: IdOrCode = None
    note: Text = None


class SettlementOut(Schema):
    id: int
    worker_id: int
    worker_name: str
    district: str
    level: str
    flagged_on: datetime.date

    @staticmethod
    def resolve_worker_name(obj) -> str:
        return obj.worker.name

    @staticmethod
    def resolve_district(obj) -> str:
        return obj.district.name

    @staticmethod
    def resolve_level(obj) -> str:
        return obj.level.name


class RecognitionFigureOut(Schema):
    district_code: str
    district: str
    awards: int
    prizes: int
    studios: int
    settlement: int


def _competition_out(request: HttpRequest, competition) -> dict:
    return {
        "id": competition.pk,
        "title": competition.title,
        "level": competition.level,
        "district": competition.district.name if competition.district_id else None,
        "held_on": competition.held_on,
        "status": competition.status,
        "judges": [m.name for m in competition.judges_draw.picked.order_by("name")]
        if competition.judges_draw_id
        else [],
        "entrants": list(selectors.competition_entrants(request.auth, competition)),
    }


@router.get("/recognition/awards", response={200: list[AwardOut], **READ_RESPONSES}, summary="Awards")
def list_awards(
    request: HttpRequest, limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=100_000)
):
    limit = max(1, min(limit, 500))
    return list(selectors.awards_visible_to(request.auth)[max(offset, 0) : max(offset, 0) + limit])


@router.post("/recognition/awards", response={201: AwardOut, **ERROR_RESPONSES}, summary="Record an award")
def create_award(request: HttpRequest, payload: AwardIn):
    award = services.award_grant(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, selectors.award_get(request.auth, award.pk))


@router.get("/recognition/awards/{award_id}", response={200: AwardOut, **READ_RESPONSES}, summary="An award")
def get_award(request: HttpRequest, award_id: Id):
    return selectors.award_get(request.auth, award_id)


@router.get(
    "/recognition/competitions",
    response={200: list[CompetitionOut], **READ_RESPONSES},
    summary="Competitions",
)
def list_competitions(
    request: HttpRequest, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=100_000)
):
    limit = max(1, min(limit, 200))
    rows = selectors.competitions_visible_to(request.auth)[max(offset, 0) : max(offset, 0) + limit]
    return [{**_competition_out(request, c), "entrants": []} for c in rows]


@router.post(
    "/recognition/competitions",
    response={201: CompetitionOut, **ERROR_RESPONSES},
    summary="Create a competition",
)
def create_competition(request: HttpRequest, payload: CompetitionIn):
    competition = services.competition_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, _competition_out(request, competition))


@router.get(
    "/recognition/competitions/{competition_id}",
    response={200: CompetitionOut, **READ_RESPONSES},
    summary="A competition with its judges and entrants",
)
def get_competition(request: HttpRequest, competition_id: Id):
    return _competition_out(request, selectors.competition_get(request.auth, competition_id))


@router.post(
    "/recognition/competitions/{competition_id}/entrants",
    response={200: CompetitionOut, **ERROR_RESPONSES},
    summary="Enter a worker",
)
def enter_worker(request: HttpRequest, competition_id: Id, payload: EntrantIn):
    competition = selectors.competition_get(request.auth, competition_id)
    services.entrant_add(
        actor=request.auth, competition=competition, data=payload.model_dump(exclude_unset=True)
    )
    return _competition_out(request, selectors.competition_get(request.auth, competition_id))


@router.post(
    "/recognition/competitions/{competition_id}/draw",
    response={200: CompetitionOut, **ERROR_RESPONSES},
    summary="Draw the judges (conflicts excluded; server seed)",
)
def draw_judges(request: HttpRequest, competition_id: Id, payload: JudgesDrawIn):
    competition = selectors.competition_get(request.auth, competition_id)
    services.judges_draw(actor=request.auth, competition=competition, count=payload.count)
    return _competition_out(request, selectors.competition_get(request.auth, competition_id))


@router.post(
    "/recognition/competitions/{competition_id}/scores",
    response={200: CompetitionOut, **ERROR_RESPONSES},
    summary="Enter scores by entrant id",
)
def enter_scores(request: HttpRequest, competition_id: Id, payload: ScoresIn):
    competition = selectors.competition_get(request.auth, competition_id)
    services.scores_enter(actor=request.auth, competition=competition, scores=payload.scores or {})
    return _competition_out(request, selectors.competition_get(request.auth, competition_id))


@router.post(
    "/recognition/competitions/{competition_id}/publish",
    response={200: CompetitionOut, **ERROR_RESPONSES},
    summary="Publish ranks and prizes",
)
def publish_results(request: HttpRequest, competition_id: Id):
    competition = selectors.competition_get(request.auth, competition_id)
    services.results_publish(actor=request.auth, competition=competition)
    return _competition_out(request, selectors.competition_get(request.auth, competition_id))


@router.get(
    "/recognition/studios", response={200: list[StudioOut], **READ_RESPONSES}, summary="Master studios"
)
def list_studios(
    request: HttpRequest, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=100_000)
):
    limit = max(1, min(limit, 200))
    return list(selectors.studios_visible_to(request.auth)[max(offset, 0) : max(offset, 0) + limit])


@router.post(
    "/recognition/studios", response={201: StudioOut, **ERROR_RESPONSES}, summary="Record a master studio"
)
def create_studio(request: HttpRequest, payload: StudioIn):
    studio = services.studio_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, selectors.studio_get(request.auth, studio.pk))


@router.get(
    "/recognition/studios/{studio_id}", response={200: StudioOut, **READ_RESPONSES}, summary="A master studio"
)
def get_studio(request: HttpRequest, studio_id: Id):
    return selectors.studio_get(request.auth, studio_id)


@router.post(
    "/recognition/studios/{studio_id}/members",
    response={200: StudioOut, **ERROR_RESPONSES},
    summary="Add a member or apprentice",
)
def add_studio_member(request: HttpRequest, studio_id: Id, payload: StudioMemberIn):
    studio = selectors.studio_get(request.auth, studio_id)
    services.studio_member_add(actor=request.auth, studio=studio, data=payload.model_dump(exclude_unset=True))
    return selectors.studio_get(request.auth, studio_id)


@router.get(
    "/recognition/settlement",
    response={200: list[SettlementOut], **READ_RESPONSES},
    summary="The household-registration list (masked)",
)
def list_settlement(
    request: HttpRequest, limit: int = Query(100, ge=1, le=500), offset: int = Query(0, ge=0, le=100_000)
):
    limit = max(1, min(limit, 500))
    return list(selectors.settlement_flags_visible_to(request.auth)[max(offset, 0) : max(offset, 0) + limit])


@router.post(
    "/recognition/settlement",
    response={201: SettlementOut, **ERROR_RESPONSES},
    summary="Flag a high-skill worker for household registration",
)
def flag_settlement(request: HttpRequest, payload: SettlementIn):
    flag = services.settlement_flag(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, selectors.settlement_flag_get(request.auth, flag.pk))


@router.get(
    "/recognition/settlement/{flag_id}",
    response={200: SettlementOut, **READ_RESPONSES},
    summary="One household-registration flag",
)
def get_settlement(request: HttpRequest, flag_id: Id):
    return selectors.settlement_flag_get(request.auth, flag_id)


@router.get(
    "/recognition/figures",
    response={200: list[RecognitionFigureOut], **READ_RESPONSES},
    summary="Awards and competition results per district",
)
def figures(request: HttpRequest, year: int | None = Query(None, ge=2000, le=2100)):
    from django.http import Http404
    from django.utils import timezone

    from careforce.core.scope import Level, scope_of

    if scope_of(request.auth).level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    rows = metrics.figures_by_district(request.auth, year or timezone.localdate().year)
    return [
        {
            "district_code": r["district"].code,
            "district": r["district"].name,
            "awards": r["awards"],
            "prizes": r["prizes"],
            "studios": r["studios"],
            "settlement": r["settlement"],
        }
        for r in rows
    ]
