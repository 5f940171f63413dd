"""API shapes of the credit score and the dishonesty list."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ninja import Field, Schema

from careforce.conduct.schemas import Ref
from careforce.core.schemas import DateText, IdOrCode, InputSchema, LocalDateTime, Text


class FactorOut(Schema):
    measure: str
    label: str
    measured: float = Field(description="The measured value the weight multiplies")
    weight: float
    min_points: float
    max_points: float
    window_years: int | None
    points: float


class HistoryOut(Schema):
    score: Decimal
    grade: str
    rule_version: int
    computed_at: LocalDateTime


class CreditOut(Schema):
    worker_id: int
    score: Decimal | None = Field(description="null until first computed")
    grade: str | None
    grade_label: str | None
    rule_version: int | None
    base_score: float | None
    computed_at: LocalDateTime | None
    dishonesty_listed: bool
    factors: list[FactorOut]
    history: list[HistoryOut] = Field(description="Newest first, at most 20")


class ListingOut(Schema):
    id: int
    worker: Ref
    situation: str = Field(description="Situation code")
    situation_name: str
    deciding_body: str
    decision_number: str
    facts: str
    start_date: datetime.date
    end_date: datetime.date | None
    removed_on: datetime.date | None
    removal_applied_on: datetime.date | None
    removal_reason: str
    is_active: bool

    @staticmethod
    def resolve_situation(obj) -> str:
        return obj.situation.code

    @staticmethod
    def resolve_situation_name(obj) -> str:
        return obj.situation.name


class ListingIn(InputSchema):
    required_fields = ("worker", "situation", "deciding_body")

    worker: IdOrCode = None
    situation: Text = Field(None, description="Situation code, e.g. elder_abuse")
    deciding_body: Text = None
    decision_number: Text = None
    facts: Text = None
    start_date: DateText = None
    end_date: DateText = None
    complaint: IdOrCode = None
    penalty: IdOrCode = None


class RemovalIn(InputSchema):
    required_fields = ("removal_applied_on", "removal_reason")

    removal_applied_on: DateText = Field(None, description="When the worker applied")
    removed_on: DateText = None
    removal_reason: Text = None


class CheckIn(InputSchema):
    required_fields = ("id_number",)

    id_number: Text = None


class CheckOut(Schema):
    id_number_masked: str
    listed: bool
    checked_at: LocalDateTime


class ListingPage(Schema):
    items: list[ListingOut]
    next_cursor: str | None
