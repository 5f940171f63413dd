"""/api/v1/timebank/…: volunteers, relatives, sites, service records (deposits), service orders
(withdrawals), transfers, donations, points, statements and district figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError
from ninja.responses import Status

from careforce.core.api import paginate
from careforce.core.api_auth import SAFE_METHODS, SignedInSessionAuth, TokenAuth
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
from careforce.core.scope import scope_of
from careforce.core.tokens import token_user
from careforce.timebank import selectors, services
from careforce.timebank.models import Unit

router = Router(tags=["timebank"])


def _refuse_non_volunteer_writes(request: HttpRequest, user) -> None:
    """Like the API's read-only refusal, but a volunteer's own account may write its own requests (orders,
    transfers, donations, relatives, confirmations; the service checks whose they are). Auditors get 404."""
    if request.method in SAFE_METHODS:
        return
    if not scope_of(user).can_write and selectors.own_volunteer(user) is None:
        raise Http404


class _VolunteerTokenAuth(TokenAuth):
    def authenticate(self, request: HttpRequest, token: str):
        user = token_user(token)
        if user is None:
            raise AuthenticationError()
        request.user = user
        _refuse_non_volunteer_writes(request, user)
        return user


class _VolunteerSessionAuth(SignedInSessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None):
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        _refuse_non_volunteer_writes(request, user)
        return user


VOLUNTEER_AUTH = [_VolunteerTokenAuth(), _VolunteerSessionAuth()]


class VolunteerOut(Schema):
    id: int
    name: str
    district_id: int
    organisation_id: int | None
    worker_id: int | None
    id_number_masked: str = Field(description="Masked: never the full number, never the birth date")
    phone_masked: str
    hours: Decimal = Field(description="Balance of hours")
    points: Decimal = Field(description="Balance of points")

    @staticmethod
    def resolve_hours(obj) -> Decimal:
        return selectors.balance(obj, Unit.HOURS)

    @staticmethod
    def resolve_points(obj) -> Decimal:
        return selectors.balance(obj, Unit.POINTS)


class VolunteerRow(Schema):
    id: int
    name: str
    district_id: int
    id_number_masked: str


class VolunteerPage(Schema):
    items: list[VolunteerRow]
    next_cursor: str | None


class VolunteerIn(InputSchema):
    required_fields = ("name", "id_number")

    name: Text = None
    id_number: Text = None
    phone: Text = None
    district: IdOrCode = None
    organisation: IdOrCode = None
    worker: IdOrCode = None


class RelativeIn(InputSchema):
    required_fields = ("name", "relationship", "id_number")

    name: Text = None
    relationship: Text = Field(None, description="spouse, parent or child")
    id_number: Text = None
    phone: Text = None
    district: IdOrCode = None


class RelativeOut(Schema):
    id: int
    name: str
    relationship: str
    id_number_masked: str
    as_volunteer_id: int | None


class EntryOut(Schema):
    id: int
    at: LocalDateTime
    kind: str
    amount: Decimal
    balance_after: Decimal
    memo: str

    @staticmethod
    def resolve_kind(obj) -> str:
        return obj.movement.kind

    @staticmethod
    def resolve_memo(obj) -> str:
        return obj.movement.memo


class StatementOut(Schema):
    unit: str
    balance: Decimal
    items: list[EntryOut]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page")


class StatementQuery(Schema):
    unit: QueryText = Field(None, description="hours (default) or points")
    before: int | None = Field(None, ge=1, description="Entries older than this entry id")


class SiteOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    district_id: int
    institution_id: int | None


class SiteIn(InputSchema):
    required_fields = ("code", "name")

    code: Text = None
    name: Text = None
    kind: Text = None
    district: IdOrCode = None
    institution: IdOrCode = None


class RecordOut(Schema):
    id: int
    source_key: str
    volunteer_id: int
    site_id: int
    kind_id: int
    recipient: str
    served_on: datetime.date
    hours: Decimal
    status: str
    reject_reason: str


class RecordPage(Schema):
    items: list[RecordOut]
    next_cursor: str | None


class RecordFilters(PageIn):
    status: QueryText = None


class RecordIn(InputSchema):
    """Name the volunteer by `volunteer` (id) or `volunteer_id_number`."""

    required_fields = ("source_key", "site", "kind", "recipient", "served_on", "hours")

    source_key: Text = Field(None, description="Unique per record: the same key is never credited twice")
    volunteer: IdOrCode = None
    volunteer_id_number: Text = None
    site: IdOrCode = None
    kind: IdOrCode = None
    recipient: Text = None
    served_on: DateText = None
    hours: Text = None
    verify: bool = Field(False, description="The submitting site verifies at once")


class ImportRowIn(InputSchema):
    """One row of an import: nothing is required here, each row's problems come back in `errors` by row."""

    source_key: Text = None
    volunteer: IdOrCode = None
    volunteer_id_number: Text = None
    site: IdOrCode = None
    kind: IdOrCode = None
    recipient: Text = None
    served_on: DateText = None
    hours: Text = None


class ImportIn(InputSchema):
    rows: list[ImportRowIn] = Field(max_length=5000)


class ImportOut(Schema):
    created: int
    skipped: int
    errors: dict[int, dict[str, list[str]]]


class ReasonIn(InputSchema):
    required_fields = ("reason",)

    reason: Text = None


class OrderIn(InputSchema):
    required_fields = ("site", "kind", "hours")

    relative: IdOrCode = Field(None, description="A registered relative served; empty: the volunteer")
    site: IdOrCode = None
    kind: IdOrCode = None
    hours: Text = None
    note: Text = None


class OrderOut(Schema):
    id: int
    volunteer_id: int
    relative_id: int | None
    site_id: int
    kind_id: int
    hours: Decimal
    status: str
    requested_at: LocalDateTime
    delivered_at: LocalDateTime | None
    confirmed_at: LocalDateTime | None


class HoursIn(InputSchema):
    required_fields = ("hours",)

    hours: Text = None


class HoursTransferIn(InputSchema):
    required_fields = ("hours", "relative")

    hours: Text = None
    relative: IdOrCode = Field(None, description="A registered relative who has a time account")


class RewardIn(InputSchema):
    required_fields = ("reward",)

    reward: IdOrCode = None


class MovementOut(Schema):
    id: int
    kind: str
    unit: str
    amount: Decimal
    at: LocalDateTime


class FigureOut(Schema):
    district_id: int
    district: str
    volunteers: int
    deposited: Decimal
    withdrawn: Decimal
    open: Decimal
    donated: Decimal
    expired: Decimal


def _data(payload: InputSchema) -> dict:
    return payload.model_dump(exclude_none=True)


@router.get(
    "/timebank/volunteers", response={200: VolunteerPage, **READ_RESPONSES}, summary="List volunteers"
)
def list_volunteers(request: HttpRequest, filters: Query[PageIn]):
    return paginate(selectors.volunteers_visible_to(request.auth), limit=filters.limit, cursor=filters.cursor)


@router.post(
    "/timebank/volunteers", response={201: VolunteerOut, **ERROR_RESPONSES}, summary="Register a volunteer"
)
def create_volunteer(request: HttpRequest, payload: VolunteerIn):
    return Status(201, services.volunteer_register(actor=request.auth, data=_data(payload)))


@router.get(
    "/timebank/volunteers/{volunteer_id}",
    response={200: VolunteerOut, **READ_RESPONSES},
    summary="A volunteer",
)
def get_volunteer(request: HttpRequest, volunteer_id: Id):
    return selectors.volunteer_get(request.auth, volunteer_id)


@router.get(
    "/timebank/volunteers/{volunteer_id}/statement",
    response={200: StatementOut, **READ_RESPONSES},
    summary="A volunteer's statement (newest first)",
)
def get_statement(request: HttpRequest, volunteer_id: Id, query: Query[StatementQuery]):
    volunteer = selectors.volunteer_get(request.auth, volunteer_id)
    unit = Unit.POINTS if query.unit == Unit.POINTS else Unit.HOURS
    items = selectors.statement(volunteer, unit, before_id=query.before)
    return {
        "unit": unit,
        "balance": selectors.balance(volunteer, unit),
        "items": items,
        "next_before": items[-1].id if len(items) == selectors.STATEMENT_PAGE else None,
    }


@router.get(
    "/timebank/volunteers/{volunteer_id}/relatives",
    response={200: list[RelativeOut], **READ_RESPONSES},
    summary="A volunteer's registered relatives",
)
def list_relatives(request: HttpRequest, volunteer_id: Id):
    return list(selectors.volunteer_get(request.auth, volunteer_id).relatives.all())


@router.post(
    "/timebank/volunteers/{volunteer_id}/relatives",
    response={201: RelativeOut, **ERROR_RESPONSES},
    summary="Register a relative (spouse, parent, child)",
    auth=VOLUNTEER_AUTH,
)
def create_relative(request: HttpRequest, volunteer_id: Id, payload: RelativeIn):
    volunteer = selectors.volunteer_get(request.auth, volunteer_id)
    return Status(
        201, services.relative_register(actor=request.auth, volunteer=volunteer, data=_data(payload))
    )


@router.post(
    "/timebank/volunteers/{volunteer_id}/orders",
    response={201: OrderOut, **ERROR_RESPONSES},
    summary="Withdraw hours as a service order",
    auth=VOLUNTEER_AUTH,
)
def create_order(request: HttpRequest, volunteer_id: Id, payload: OrderIn):
    volunteer = selectors.volunteer_for_order(request.auth, volunteer_id)
    return Status(201, services.order_request(actor=request.auth, volunteer=volunteer, data=_data(payload)))


@router.post(
    "/timebank/volunteers/{volunteer_id}/transfers",
    response={201: MovementOut, **ERROR_RESPONSES},
    summary="Transfer hours to a registered relative",
    auth=VOLUNTEER_AUTH,
)
def create_transfer(request: HttpRequest, volunteer_id: Id, payload: HoursTransferIn):
    volunteer = selectors.volunteer_get(request.auth, volunteer_id)
    return Status(201, services.transfer(actor=request.auth, volunteer=volunteer, data=_data(payload)))


@router.post(
    "/timebank/volunteers/{volunteer_id}/donations",
    response={201: MovementOut, **ERROR_RESPONSES},
    summary="Donate hours to the public pool",
    auth=VOLUNTEER_AUTH,
)
def create_donation(request: HttpRequest, volunteer_id: Id, payload: HoursIn):
    volunteer = selectors.volunteer_get(request.auth, volunteer_id)
    return Status(201, services.donate(actor=request.auth, volunteer=volunteer, data=_data(payload)))


class GrantIn(InputSchema):
    required_fields = ("hours", "reason")

    hours: Text = None
    reason: Text = None


@router.post(
    "/timebank/volunteers/{volunteer_id}/grants",
    response={201: MovementOut, **ERROR_RESPONSES},
    summary="Grant hours from the public pool (city or the volunteer's district)",
)
def create_grant(request: HttpRequest, volunteer_id: Id, payload: GrantIn):
    volunteer = selectors.volunteer_get(request.auth, volunteer_id)
    return Status(201, services.pool_grant(actor=request.auth, volunteer=volunteer, data=_data(payload)))


@router.post(
    "/timebank/volunteers/{volunteer_id}/redemptions",
    response={201: MovementOut, **ERROR_RESPONSES},
    summary="Redeem points for a reward",
    auth=VOLUNTEER_AUTH,
)
def create_redemption(request: HttpRequest, volunteer_id: Id, payload: RewardIn):
    volunteer = selectors.volunteer_get(request.auth, volunteer_id)
    return Status(
        201, services.redeem_reward(actor=request.auth, volunteer=volunteer, data=_data(payload)).movement
    )


@router.get("/timebank/sites", response={200: list[SiteOut], **READ_RESPONSES}, summary="Service sites")
def list_sites(request: HttpRequest):
    return list(selectors.sites_visible_to(request.auth)[:2000])


@router.post("/timebank/sites", response={201: SiteOut, **ERROR_RESPONSES}, summary="Add a service site")
def create_site(request: HttpRequest, payload: SiteIn):
    return Status(201, services.site_create(actor=request.auth, data=_data(payload)))


@router.get("/timebank/records", response={200: RecordPage, **READ_RESPONSES}, summary="Service records")
def list_records(request: HttpRequest, filters: Query[RecordFilters]):
    qs = selectors.records_visible_to(request.auth)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs, limit=filters.limit, cursor=filters.cursor)


@router.post("/timebank/records", response={201: RecordOut, **ERROR_RESPONSES}, summary="Record a service")
def create_record(request: HttpRequest, payload: RecordIn):
    data = _data(payload)
    verify = bool(data.pop("verify", False))
    return Status(201, services.record_submit(actor=request.auth, data=data, verify=verify))


@router.post(
    "/timebank/records/import",
    response={200: ImportOut, **ERROR_RESPONSES},
    summary="Import verified service records (idempotent by source key)",
)
def import_records(request: HttpRequest, payload: ImportIn):
    rows = [row.model_dump(exclude_none=True) for row in payload.rows]
    result = services.records_import(actor=request.auth, rows=rows)
    return {"created": result.created, "skipped": result.skipped, "errors": result.errors}


@router.get("/timebank/records/{record_id}", response={200: RecordOut, **READ_RESPONSES}, summary="A record")
def get_record(request: HttpRequest, record_id: Id):
    return selectors.record_get(request.auth, record_id)


def _record_step(service):
    def step(request: HttpRequest, record_id: Id):
        return service(actor=request.auth, record=selectors.record_get(request.auth, record_id))

    return step


# The two checks of a service record: the same handler over a different service.
for _name, _service, _summary in (
    ("verify", services.record_verify, "Site verifies"),
    ("check", services.record_check, "District's second check"),
):
    router.post(
        f"/timebank/records/{{record_id}}/{_name}",
        response={200: RecordOut, **ERROR_RESPONSES},
        summary=_summary,
        operation_id=f"careforce_timebank_api_{_name}_record",
    )(_record_step(_service))


@router.post(
    "/timebank/records/{record_id}/reject", response={200: RecordOut, **ERROR_RESPONSES}, summary="Reject"
)
def reject_record(request: HttpRequest, record_id: Id, payload: ReasonIn):
    record = selectors.record_get(request.auth, record_id)
    return services.record_reject(actor=request.auth, record=record, reason=payload.reason)


@router.get(
    "/timebank/orders/{order_id}", response={200: OrderOut, **READ_RESPONSES}, summary="A service order"
)
def get_order(request: HttpRequest, order_id: Id):
    return selectors.order_get(request.auth, order_id)


def _order_step(service):
    def step(request: HttpRequest, order_id: Id):
        return service(actor=request.auth, order=selectors.order_get(request.auth, order_id))

    return step


# The steps of a service order: the site delivers; the recipient (or payer) confirms or cancels.
for _name, _service, _summary, _auth in (
    ("deliver", services.order_deliver, "Site delivered", None),
    ("confirm", services.order_confirm, "Recipient confirms (hours redeemed)", VOLUNTEER_AUTH),
    ("cancel", services.order_cancel, "Cancel a requested order (hours returned)", VOLUNTEER_AUTH),
):
    router.post(
        f"/timebank/orders/{{order_id}}/{_name}",
        response={200: OrderOut, **ERROR_RESPONSES},
        summary=_summary,
        operation_id=f"careforce_timebank_api_{_name}_order",
        **({"auth": _auth} if _auth is not None else {}),
    )(_order_step(_service))


@router.get(
    "/timebank/figures", response={200: list[FigureOut], **READ_RESPONSES}, summary="Figures per district"
)
def figures(request: HttpRequest):
    return [
        {**row, "district_id": row["district"].pk, "district": row["district"].name}
        for row in selectors.district_figures(request.auth)
    ]
