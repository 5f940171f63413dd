"""/api/v1/workers, /employments and /occupations: thin callers of the registry selectors and services."""

from __future__ import annotations

import datetime
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status

from careforce.core import access
from careforce.core.api import encode_cursor
from careforce.core.masking import age_band, mask_id_number, mask_phone
from careforce.core.schemas import ERROR_RESPONSES, READ_RESPONSES, DetailOut, Id
from careforce.core.scope import can_unmask
from careforce.registry import selectors, services, verification
from careforce.registry.models import Occupation, Worker
from careforce.registry.schemas import (
    EmploymentCreateIn,
    EmploymentEndIn,
    EmploymentIn,
    EmploymentOut,
    OccupationOut,
    TransferIn,
    UnmaskIn,
    UnmaskOut,
    VerifyIn,
    WorkerCreateIn,
    WorkerDetailOut,
    WorkerFieldsIn,
    WorkerFilters,
    WorkerPage,
    WorkerWrittenOut,
)
from careforce.registry.tenure import years_of_service

router = Router(tags=["registry"])


def _detail(request: HttpRequest, worker_id: Id, warnings: list[str] | None = None) -> Worker:
    """The worker as the caller may see it, with the history and years of service attached (2 queries)."""
    worker = selectors.worker_get(request.auth, worker_id)
    history = list(selectors.employments_of(worker))
    worker.history = history
    worker.years_of_service = years_of_service(
        [(e.start_date, e.end_date) for e in history], today=timezone.localdate()
    )
    worker.warnings = warnings or []
    return worker


@router.get("/occupations", response={200: list[OccupationOut], **READ_RESPONSES}, summary="Occupations")
def list_occupations(request: HttpRequest):
    return list(Occupation.objects.order_by("sort_order", "code"))


@router.get("/workers", response={200: WorkerPage, 429: DetailOut, **READ_RESPONSES}, summary="List workers")
def list_workers(request: HttpRequest, filters: Query[WorkerFilters], response: HttpResponse):
    """`q` with a full ID number or phone is a lookup: written to the access log and limited per account
    (CAREFORCE_LOOKUP_RATE); beyond the limit 429 with Retry-After."""
    try:
        qs = selectors.worker_list(
            request.auth,
            selectors.WorkerFilters(
                district=filters.district,
                institution=filters.institution,
                team=filters.team,
                occupation=filters.occupation,
                source_channel=filters.source_channel,
                active=filters.active,
                q=filters.q or "",
            ),
            channel=access.AccessChannel.API,
        )
    except access.LookupRefused as exc:
        response["Retry-After"] = str(exc.retry_after)
        return Status(429, {"detail": exc.message})
    rows, last = selectors.worker_page_values(qs, limit=filters.limit, cursor=filters.cursor)
    show_gender = can_unmask(request.auth)
    zone = timezone.get_current_timezone()  # once per page: each lookup goes through a context-local
    today = timezone.localdate()
    page = {
        "items": [_list_item(row, show_gender, zone=zone, today=today) for row in rows],
        "next_cursor": encode_cursor(last) if last is not None else None,
    }
    # The page is built from column values and written with orjson: the same JSON as WorkerPage (the
    # declared response, so the OpenAPI document is unchanged), without a model or schema object per row.
    return HttpResponse(orjson.dumps(page), content_type="application/json; charset=utf-8")


def _local_iso(value: datetime.datetime | None, zone: datetime.tzinfo) -> str | None:
    return value.astimezone(zone).isoformat() if value is not None else None


def _list_item(
    row: dict[str, Any], show_gender: bool, *, zone: datetime.tzinfo, today: datetime.date
) -> dict[str, Any]:
    """One WorkerOut from the columns of selectors.LIST_COLUMNS, masked as the schema masks a Worker; times
    in `zone` (the request's), age bands as of `today`."""
    institution_id = row["institution_id"]
    return {
        "verification": row["verification"],
        "verified_by": row["verified_by_id"],
        "verified_at": _local_iso(row["verified_at"], zone),
        "id": row["id"],
        "name": row["name"],
        "gender": row["gender"] if show_gender else None,
        "age_band": age_band(row["birth_date"], today),
        "id_number_masked": mask_id_number(row["id_region"]),
        "phone_masked": mask_phone(row["phone_prefix"], row["phone_last4"]),
        "education": row["education"],
        "hukou_type": row["hukou_type"],
        "source_channel": row["source_channel"],
        "team": row["team"],
        "occupation": {
            "id": row["occupation_id"],
            "code": row["occupation__code"],
            "name": row["occupation__name"],
        },
        "district": {"id": row["district_id"], "code": row["district__code"], "name": row["district__name"]},
        "institution": None
        if institution_id is None
        else {
            "id": institution_id,
            "name": row["institution__name"],
            "district_id": row["institution__district_id"],
        },
        "is_active": row["is_active"],
        "created_at": _local_iso(row["created_at"], zone),
        "updated_at": _local_iso(row["updated_at"], zone),
    }


@router.get("/workers/{worker_id}", response={200: WorkerDetailOut, **READ_RESPONSES}, summary="Get a worker")
def get_worker(request: HttpRequest, worker_id: Id):
    """Every call by anyone but the person is written to the access log of reads."""
    row, history = selectors.worker_detail_values(request.auth, worker_id)
    access.view_record(actor=request.auth, worker_id=row["id"], channel=access.AccessChannel.API)
    # Built from column values and written with orjson, like the list: the same JSON as WorkerDetailOut.
    zone, today = timezone.get_current_timezone(), timezone.localdate()
    item = _list_item(row, can_unmask(request.auth), zone=zone, today=today)
    item["years_of_service"] = years_of_service(
        [(e["start_date"], e["end_date"]) for e in history], today=today
    )
    item["employments"] = [_employment_item(e, zone) for e in history]
    return HttpResponse(orjson.dumps(item), content_type="application/json; charset=utf-8")


def _employment_item(row: dict[str, Any], zone: datetime.tzinfo) -> dict[str, Any]:
    """One EmploymentOut from the columns of selectors.EMPLOYMENT_COLUMNS."""
    return {
        "verification": row["verification"],
        "verified_by": row["verified_by_id"],
        "verified_at": _local_iso(row["verified_at"], zone),
        "id": row["id"],
        "worker_id": row["worker_id"],
        "institution": {
            "id": row["institution_id"],
            "name": row["institution__name"],
            "district_id": row["institution__district_id"],
        },
        "post": row["post"],
        "start_date": row["start_date"],
        "end_date": row["end_date"],
        "has_labour_contract": row["has_labour_contract"],
        "is_part_time": row["is_part_time"],
        "end_reason": row["end_reason"],
        "is_current": row["end_date"] is None,
    }


@router.post("/workers", response={201: WorkerWrittenOut, **ERROR_RESPONSES}, summary="Register a worker")
def create_worker(request: HttpRequest, payload: WorkerCreateIn):
    data = payload.model_dump(exclude_unset=True)
    employment = data.pop("employment", None)
    registration = services.Registration(
        data=data, employments=[employment] if employment else [], district=data.pop("district", None)
    )
    try:
        (worker_id,) = services.workers_register(actor=request.auth, registrations=[registration])
    except services.BulkValidationError as exc:
        raise exc.by_index[0] from None
    return Status(201, _detail(request, worker_id, registration.warnings))


@router.patch(
    "/workers/{worker_id}", response={200: WorkerWrittenOut, **ERROR_RESPONSES}, summary="Change a worker"
)
def update_worker(request: HttpRequest, worker_id: Id, payload: WorkerFieldsIn):
    worker = selectors.worker_get(request.auth, worker_id)
    warnings = services.worker_update(
        actor=request.auth, worker=worker, data=payload.model_dump(exclude_unset=True)
    )
    return _detail(request, worker_id, warnings)


@router.post(
    "/workers/{worker_id}/transfer",
    response={200: WorkerDetailOut, **ERROR_RESPONSES},
    summary="Transfer a worker to another institution",
)
def transfer_worker(request: HttpRequest, worker_id: Id, payload: TransferIn):
    """Closes the current full-time post the day before `start_date` and opens the new one."""
    worker = selectors.worker_get(request.auth, worker_id)
    services.worker_transfer(actor=request.auth, worker=worker, data=payload.model_dump(exclude_unset=True))
    return _detail(request, worker_id)


@router.post(
    "/workers/{worker_id}/unmask",
    response={200: UnmaskOut, **ERROR_RESPONSES},
    summary="Reveal a full ID number or phone (logged)",
)
def unmask_worker_field(request: HttpRequest, worker_id: Id, payload: UnmaskIn, response: HttpResponse):
    """Needs the permission core.unmask_pii (404 without it). Every call writes a row to the access log."""
    worker = selectors.worker_get(request.auth, worker_id)
    field = payload.field or ""
    value = services.pii_reveal(
        actor=request.auth,
        worker=worker,
        field=field,
        reason=payload.reason or "",
        ip_address=request.META.get("REMOTE_ADDR") or None,
        channel="api",
    )
    response["Cache-Control"] = "no-store"
    return {"field": field, "value": value}


@router.get(
    "/workers/{worker_id}/employments",
    response={200: list[EmploymentOut], **READ_RESPONSES},
    summary="A worker's employment history",
)
def list_employments(request: HttpRequest, worker_id: Id):
    worker = selectors.worker_get(request.auth, worker_id)
    return list(selectors.employments_of(worker))


@router.post(
    "/workers/{worker_id}/employments",
    response={201: EmploymentOut, **ERROR_RESPONSES},
    summary="Add an employment period",
)
def add_employment(request: HttpRequest, worker_id: Id, payload: EmploymentCreateIn):
    worker = selectors.worker_get(request.auth, worker_id)
    employment = services.employment_start(
        actor=request.auth, worker=worker, data=payload.model_dump(exclude_unset=True)
    )
    return Status(201, selectors.employment_get(request.auth, employment.pk))


@router.patch(
    "/employments/{employment_id}",
    response={200: EmploymentOut, **ERROR_RESPONSES},
    summary="Correct an employment period",
)
def update_employment(request: HttpRequest, employment_id: Id, payload: EmploymentIn):
    employment = selectors.employment_get(request.auth, employment_id)
    services.employment_update(
        actor=request.auth, employment=employment, data=payload.model_dump(exclude_unset=True)
    )
    return selectors.employment_get(request.auth, employment_id)


@router.post(
    "/employments/{employment_id}/end",
    response={200: EmploymentOut, **ERROR_RESPONSES},
    summary="End a current employment period",
)
def end_employment(request: HttpRequest, employment_id: Id, payload: EmploymentEndIn):
    employment = selectors.employment_get(request.auth, employment_id)
    services.employment_end(
        actor=request.auth, employment=employment, end_date=payload.end_date, reason=payload.reason or ""
    )
    return selectors.employment_get(request.auth, employment_id)


@router.post(
    "/workers/{worker_id}/verification",
    response={200: WorkerDetailOut, **ERROR_RESPONSES},
    summary="Confirm or check a worker's record (核验)",
)
def verify_worker(request: HttpRequest, worker_id: Id, payload: VerifyIn):
    """institution_confirmed: the institution's, district's or city administrators; authority_checked: district
    or city administrators; self_reported withdraws it. Recorded with who and when, audited."""
    worker = selectors.worker_get(request.auth, worker_id)
    verification.worker_verify(actor=request.auth, worker=worker, status=payload.verification)
    return _detail(request, worker_id)


@router.post(
    "/employments/{employment_id}/verification",
    response={200: EmploymentOut, **ERROR_RESPONSES},
    summary="Confirm or check an employment period (核验)",
)
def verify_employment(request: HttpRequest, employment_id: Id, payload: VerifyIn):
    employment = selectors.employment_get(request.auth, employment_id)
    verification.employment_verify(actor=request.auth, employment=employment, status=payload.verification)
    return selectors.employment_get(request.auth, employment_id)


@router.get(
    "/verification/counts",
    response={200: dict[str, dict[str, int]], **READ_RESPONSES},
    summary="How much of the registry is verified (核验), in your area",
)
def verification_counts(request: HttpRequest):
    """Worker records, current employments and valid certificates by verification status (self_reported,
    institution_confirmed, authority_checked), their total, and `verified` (confirmed or checked)."""
    return verification.verification_counts(request.auth)
