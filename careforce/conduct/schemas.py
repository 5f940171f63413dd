"""API shapes of evaluations, complaints and penalties."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import PlainValidator
from pydantic_core import PydanticCustomError

from careforce.core.schemas import (
    DateText,
    IdOrCode,
    InputSchema,
    LocalDateTime,
    PageIn,
    QueryText,
    Text,
    _id_or_text,
)


class Ref(Schema):
    id: int
    name: str


def _scores(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > 50:
        raise PydanticCustomError("dict_type", "Send the scores as an object: {dimension code: 1–5}.")
    return {str(k)[:60]: _id_or_text(v) for k, v in value.items()}


Scores = Annotated[
    dict[str, Any] | None, PlainValidator(_scores, json_schema_input_type=dict[str, int] | None)
]


class ScoreOut(Schema):
    dimension: str = Field(description="Dimension code")
    score: int

    @staticmethod
    def resolve_dimension(obj) -> str:
        return obj.dimension.code


class EvaluationOut(Schema):
    id: int
    worker: Ref
    institution: Ref
    evaluator_kind: str = Field(description="elder or family")
    source: str
    evaluated_on: datetime.date
    average: Decimal
    scores: list[ScoreOut]
    comment: str
    created_at: LocalDateTime

    @staticmethod
    def resolve_scores(obj) -> list:
        return list(obj.scores.all())


class EvaluationIn(InputSchema):
    required_fields = ("worker", "evaluator_kind", "scores")

    worker: IdOrCode = Field(None, description="Worker id")
    institution: IdOrCode = Field(
        None, description="Institution id or credit code (default: the worker's current)"
    )
    evaluator_kind: Text = Field(None, description="elder or family (老人/家属)")
    evaluated_on: DateText = None
    scores: Scores = Field(None, description="{dimension code: 1–5} for every dimension in use")
    comment: Text = None


class ComplaintOut(Schema):
    id: int
    channel: str
    worker: Ref | None
    institution: Ref | None
    district: Ref
    content: str
    received_on: datetime.date
    deadline: datetime.date
    status: str = Field(description="received, investigating, substantiated, unsubstantiated or closed")
    finding: str = Field(description="substantiated, unsubstantiated or empty")
    finding_note: str
    concluded_on: datetime.date | None
    closed_on: datetime.date | None
    is_overdue: bool

    @staticmethod
    def resolve_channel(obj) -> str:
        return obj.channel.code


class ComplaintIn(InputSchema):
    """Give `worker`, `institution` or both."""

    required_fields = ("channel", "content")

    channel: IdOrCode = Field(None, description="Channel code, e.g. hotline")
    worker: IdOrCode = Field(None, description="Worker id")
    institution: IdOrCode = Field(None, description="Institution id or credit code")
    content: Text = None
    received_on: DateText = None


class TransitionIn(InputSchema):
    required_fields = ("to",)

    to: Text = Field(None, description="investigating, substantiated, unsubstantiated or closed")
    note: Text = Field(None, description="The investigation's outcome (required for a finding)")
    on: DateText = None


class ComplaintFiltersIn(PageIn):
    status: QueryText = None
    overdue: bool = False


class PenaltyOut(Schema):
    id: int
    worker: Ref | None
    institution: Ref | None
    complaint_id: int | None
    kind: str = Field(description="warning, fine, dismissal or trade_ban")
    deciding_body: str
    legal_basis: str
    decision_number: str
    fine_amount: Decimal | None
    decided_on: datetime.date
    effective_from: datetime.date
    effective_to: datetime.date | None
    note: str


class PenaltyIn(InputSchema):
    """Give `worker`, `institution` or both. `effective_from` defaults to `decided_on`."""

    required_fields = ("kind", "deciding_body", "legal_basis", "decided_on")

    worker: IdOrCode = None
    institution: IdOrCode = None
    complaint: IdOrCode = None
    kind: Text = Field(None, description="warning, fine, dismissal or trade_ban")
    deciding_body: Text = None
    legal_basis: Text = None
    decision_number: Text = None
    fine_amount: Text = None
    decided_on: DateText = None
    effective_from: DateText = None
    effective_to: DateText = None
    note: Text = None


class Page(Schema):
    next_cursor: str | None


class EvaluationPage(Page):
    items: list[EvaluationOut]


class ComplaintPage(Page):
    items: list[ComplaintOut]


class PenaltyPage(Page):
    items: list[PenaltyOut]
