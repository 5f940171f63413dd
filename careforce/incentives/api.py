"""/api/v1/incentives/…: a worker's labour contracts (read, record), an eligibility run and its results
with each condition met or failed."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from careforce.core.api import paginate
from careforce.core.schemas import ERROR_RESPONSES, READ_RESPONSES, DateText, Id, InputSchema, PageIn, Text
from careforce.incentives import conditions, selectors, services
from careforce.registry.selectors import worker_get

router = Router(tags=["incentives"])


class ContractOut(Schema):
    id: int
    worker_id: int
    institution_id: int
    contract_type: str
    start_date: datetime.date
    end_date: datetime.date | None
    renewal_of_id: int | None


class ContractIn(InputSchema):
    required_fields = ("contract_type", "start_date")

    contract_type: Text = None
    start_date: DateText = None
    end_date: DateText = None


class RunOut(Schema):
    id: int
    scheme_id: int
    period: str
    as_of: datetime.date
    notice_until: datetime.date
    status: str
    considered: int
    qualified: int


class ConditionOut(Schema):
    label: str
    met: bool


class ResultOut(Schema):
    id: int
    worker_id: int
    qualifies: bool
    payment_key: str
    amount: Decimal
    decision: str
    conditions_met: int
    conditions: list[ConditionOut]

    @staticmethod
    def resolve_conditions(obj) -> list[dict]:
        return [{"label": label, "met": met} for label, met in conditions.explain(obj.conditions_met)]


class ResultPage(Schema):
    items: list[ResultOut]
    next_cursor: str | None


@router.get(
    "/incentives/workers/{worker_id}/contracts",
    response={200: list[ContractOut], **READ_RESPONSES},
    summary="A worker's labour contracts",
)
def list_contracts(request: HttpRequest, worker_id: Id):
    worker = worker_get(request.auth, worker_id)
    return list(selectors.contracts_of(request.auth, worker))


@router.post(
    "/incentives/workers/{worker_id}/contracts",
    response={201: ContractOut, **ERROR_RESPONSES},
    summary="Record a labour contract",
)
def create_contract(request: HttpRequest, worker_id: Id, payload: ContractIn):
    worker = worker_get(request.auth, worker_id)
    contract = services.contract_add(actor=request.auth, worker=worker, data=payload.model_dump())
    return Status(201, contract)


@router.get(
    "/incentives/runs/{run_id}", response={200: RunOut, **READ_RESPONSES}, summary="An eligibility run"
)
def get_run(request: HttpRequest, run_id: Id):
    return selectors.run_get(request.auth, run_id)


@router.get(
    "/incentives/runs/{run_id}/results",
    response={200: ResultPage, **READ_RESPONSES},
    summary="Who qualifies, the tranche or period, the amount, and each condition met or failed",
)
def list_results(request: HttpRequest, run_id: Id, filters: Query[PageIn]):
    run = selectors.run_get(request.auth, run_id)
    return paginate(selectors.results_of(request.auth, run), limit=filters.limit, cursor=filters.cursor)
