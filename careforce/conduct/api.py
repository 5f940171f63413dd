"""/api/v1/evaluations, /complaints, /penalties: thin callers of the conduct selectors and services."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from careforce.conduct import selectors, services
from careforce.conduct.models import EvaluationSource
from careforce.conduct.schemas import (
    ComplaintFiltersIn,
    ComplaintIn,
    ComplaintOut,
    ComplaintPage,
    EvaluationIn,
    EvaluationOut,
    EvaluationPage,
    PenaltyIn,
    PenaltyOut,
    PenaltyPage,
    TransitionIn,
)
from careforce.core.api import paginate
from careforce.core.schemas import ERROR_RESPONSES, READ_RESPONSES, Id, PageIn

router = Router(tags=["conduct"])
_SCORE_FIELD = re.compile(r"^score_(.+)$")


@router.get("/evaluations", response={200: EvaluationPage, **READ_RESPONSES}, summary="List evaluations")
def list_evaluations(request: HttpRequest, filters: Query[PageIn]):
    return paginate(selectors.evaluation_list(request.auth), limit=filters.limit, cursor=filters.cursor)


@router.post("/evaluations", response={201: EvaluationOut, **ERROR_RESPONSES}, summary="Record an evaluation")
def create_evaluation(request: HttpRequest, payload: EvaluationIn):
    try:
        evaluation = services.evaluation_create(
            actor=request.auth, data=payload.model_dump(exclude_unset=True), source=EvaluationSource.API
        )
    except ValidationError as exc:
        # The service names a score as the page's form does (score_attitude); the API's field is scores.
        raise ValidationError(
            {_SCORE_FIELD.sub(r"scores.\1", name): messages for name, messages in exc.message_dict.items()}
        ) from None
    return Status(201, selectors.evaluation_list(request.auth).get(pk=evaluation.pk))


@router.get("/complaints", response={200: ComplaintPage, **READ_RESPONSES}, summary="List complaints")
def list_complaints(request: HttpRequest, filters: Query[ComplaintFiltersIn]):
    qs = selectors.complaint_list(
        request.auth, selectors.ComplaintFilters(status=filters.status or None, overdue=filters.overdue)
    )
    return paginate(qs, limit=filters.limit, cursor=filters.cursor)


@router.post("/complaints", response={201: ComplaintOut, **ERROR_RESPONSES}, summary="Record a complaint")
def create_complaint(request: HttpRequest, payload: ComplaintIn):
    complaint = services.complaint_receive(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, selectors.complaint_get(request.auth, complaint.pk))


@router.get(
    "/complaints/{complaint_id}", response={200: ComplaintOut, **READ_RESPONSES}, summary="Get a complaint"
)
def get_complaint(request: HttpRequest, complaint_id: Id):
    return selectors.complaint_get(request.auth, complaint_id)


@router.post(
    "/complaints/{complaint_id}/transition",
    response={200: ComplaintOut, **ERROR_RESPONSES},
    summary="Move a complaint along its workflow",
)
def transition_complaint(request: HttpRequest, complaint_id: Id, payload: TransitionIn):
    """received → investigating → substantiated / unsubstantiated → closed. City and district only."""
    complaint = selectors.complaint_get(request.auth, complaint_id)
    services.complaint_transition(
        actor=request.auth, complaint=complaint, to=payload.to, note=payload.note or "", on=payload.on
    )
    return selectors.complaint_get(request.auth, complaint_id)


@router.get("/penalties", response={200: PenaltyPage, **READ_RESPONSES}, summary="List penalties")
def list_penalties(request: HttpRequest, filters: Query[PageIn]):
    return paginate(selectors.penalty_list(request.auth), limit=filters.limit, cursor=filters.cursor)


@router.post("/penalties", response={201: PenaltyOut, **ERROR_RESPONSES}, summary="Record a penalty")
def create_penalty(request: HttpRequest, payload: PenaltyIn):
    penalty = services.penalty_record(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, selectors.penalty_get(request.auth, penalty.pk))


@router.get("/penalties/{penalty_id}", response={200: PenaltyOut, **READ_RESPONSES}, summary="Get a penalty")
def get_penalty(request: HttpRequest, penalty_id: Id):
    return selectors.penalty_get(request.auth, penalty_id)
