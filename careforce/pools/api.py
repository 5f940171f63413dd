"""/api/v1/pools/…: members, joining and leaving, draws."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from careforce.core.api import paginate
from careforce.core.schemas import (
    ERROR_RESPONSES,
    READ_RESPONSES,
    DateText,
    Id,
    IdOrCode,
    InputSchema,
    LocalDateTime,
    PageIn,
    QueryText,
    Text,
)
from careforce.pools import selectors, services

router = Router(tags=["pools"])


class MemberOut(Schema):
    id: int
    pool: str
    name: str
    organisation: str
    worker_id: int | None
    evaluation_body_id: int | None
    district_id: int
    qualifications: str
    joined_on: datetime.date
    left_on: datetime.date | None


class MemberPage(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class MemberFilters(PageIn):
    pool: QueryText = None


class MemberIn(InputSchema):
    """Give `worker` (a registry worker), `evaluation_body`, or `name` and `district` (someone outside the
    registry)."""

    required_fields = ("pool", "qualifications")

    pool: Text = None
    worker: IdOrCode = None
    evaluation_body: IdOrCode = None
    name: Text = None
    organisation: Text = None
    employer: IdOrCode = None
    district: IdOrCode = None
    qualifications: Text = None
    joined_on: DateText = None


class MemberUpdateIn(InputSchema):
    qualifications: Text = None
    organisation: Text = Field(None, description="Members outside the registry only")
    employer: IdOrCode = Field(None, description="Members outside the registry only; null or empty: none")


class LeaveIn(InputSchema):
    left_on: DateText = None
    reason: Text = None


class DrawIn(InputSchema):
    required_fields = ("pool", "task_title", "count")

    pool: Text = None
    task_kind: Text = None
    task_title: Text = None
    subject_institutions: list[IdOrCode] | None = None
    count: IdOrCode = None
    seed: IdOrCode = Field(
        None, description="Not accepted: the server draws the seed from a secure random source (422 if given)"
    )


class RedrawIn(InputSchema):
    required_fields = ("reason",)

    reason: Text = Field(None, description="Why the task is drawn again (recorded and audited)")


class DrawOut(Schema):
    id: int
    pool: str
    task_kind: str
    task_title: str
    count: int
    seed: int
    candidate_ids: list[int]
    excluded_ids: list[int]
    picked_ids: list[int]
    drawn_at: LocalDateTime
    redraw_of_id: int | None = Field(description="The task's first draw, for a redraw; null for a first draw")
    sequence: int = Field(description="0 for the first draw, 1 for the first redraw, …")
    reason: str = Field(description="Why the task was drawn again (redraws only)")
    replay_matches: bool = Field(
        description="Replaying random.Random(seed).sample over the candidates gives the picks"
    )

    @staticmethod
    def resolve_replay_matches(obj) -> bool:
        return services.draw_replay(obj)[1]


@router.get("/pools/members", response={200: MemberPage, **READ_RESPONSES}, summary="List pool members")
def list_members(request: HttpRequest, filters: Query[MemberFilters]):
    return paginate(
        selectors.member_list(request.auth, pool=filters.pool), limit=filters.limit, cursor=filters.cursor
    )


@router.get("/pools/members/{member_id}", response={200: MemberOut, **READ_RESPONSES}, summary="Get a member")
def get_member(request: HttpRequest, member_id: Id):
    return selectors.member_get(request.auth, member_id)


@router.post("/pools/members", response={201: MemberOut, **ERROR_RESPONSES}, summary="Add a member to a pool")
def create_member(request: HttpRequest, payload: MemberIn):
    member = services.member_join(actor=request.auth, data=payload.model_dump(exclude_none=True))
    return Status(201, member)


@router.post(
    "/pools/members/{member_id}/leave",
    response={200: MemberOut, **ERROR_RESPONSES},
    summary="A member leaves",
)
def leave(request: HttpRequest, member_id: Id, payload: LeaveIn):
    member = selectors.member_get(request.auth, member_id)
    return services.member_leave(
        actor=request.auth, member=member, left_on=payload.left_on, reason=payload.reason or ""
    )


@router.patch(
    "/pools/members/{member_id}",
    response={200: MemberOut, **ERROR_RESPONSES},
    summary="Change a current member's qualifications (and an outside member's organisation, employer)",
)
def update_member(request: HttpRequest, member_id: Id, payload: MemberUpdateIn):
    member = selectors.member_get(request.auth, member_id)
    return services.member_update(
        actor=request.auth, member=member, data=payload.model_dump(exclude_unset=True)
    )


@router.post("/pools/draws", response={201: DrawOut, **ERROR_RESPONSES}, summary="Draw members for a task")
def create_draw(request: HttpRequest, payload: DrawIn):
    return Status(201, services.draw_make(actor=request.auth, data=payload.model_dump(exclude_none=True)))


@router.get(
    "/pools/draws/{draw_id}",
    response={200: DrawOut, **READ_RESPONSES},
    summary="Get a draw (with replay check)",
)
def get_draw(request: HttpRequest, draw_id: Id):
    return selectors.draw_get(request.auth, draw_id)


@router.post(
    "/pools/draws/{draw_id}/redraw",
    response={201: DrawOut, **ERROR_RESPONSES},
    summary="Draw the task again, with a reason (the first redraw by the task's administrators, "
    "further ones by a city administrator)",
)
def redraw(request: HttpRequest, draw_id: Id, payload: RedrawIn):
    draw = selectors.draw_get(request.auth, draw_id)
    return Status(201, services.draw_redraw(actor=request.auth, draw=draw, reason=payload.reason))
