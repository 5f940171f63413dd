"""/api/v1/imports: upload a roster, follow its check, read its rows, save it. Thin callers of the import
services and selectors (the rows are written by the sheet's own services)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from careforce.core.api import paginate
from careforce.core.schemas import ERROR_RESPONSES, READ_RESPONSES, Id, LocalDateTime, PageIn, QueryText
from careforce.imports import selectors, services
from careforce.imports.readers import MAX_UPLOAD_BYTES

router = Router(tags=["imports"])


class ImportJobOut(Schema):
    id: int
    sheet: str
    file_name: str
    status: str = Field(
        description="queued, validating, validated, commit_queued, committing, committed, failed or cancelled"
    )
    progress_done: int
    progress_total: int
    message: str = Field(description="A problem with the file as a whole (empty when none)")
    unknown_headers: list[str]
    rows_total: int
    rows_new: int
    rows_update: int
    rows_unchanged: int
    rows_error: int
    rows_warning: int
    can_commit: bool
    can_cancel: bool
    created_at: LocalDateTime


class ImportRowOut(Schema):
    id: int
    number: int = Field(description="The spreadsheet's row number (the header is row 1)")
    status: str = Field(description="new, update or error (rows without problems are only counted)")
    label: str
    errors: dict[str, list[str]] = Field(description="{column header: [messages]}")
    warnings: list[str]
    changes: dict[str, list] = Field(description="{column header: [before, after]}")


class ImportRowPage(Schema):
    items: list[ImportRowOut]
    next_cursor: str | None


class RowFilters(PageIn):
    status: QueryText = Field(None, description="new, update or error")


@router.post("/imports", response={201: ImportJobOut, **ERROR_RESPONSES}, summary="Upload a roster to check")
def upload_roster(request: HttpRequest, file: File[UploadedFile], sheet: Form[str] = "workers"):
    """multipart/form-data with `file` (.xlsx, .xls or .csv) and `sheet` (default `workers`). The check runs
    in the background; poll GET /imports/{id} until `status` is `validated`."""
    if file.size and file.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": [_("The file is too large; split it.")]})
    job = services.import_upload(actor=request.auth, sheet=sheet, file_name=file.name or "", data=file.read())
    return Status(201, job)


@router.get("/imports/{job_id}", response={200: ImportJobOut, **READ_RESPONSES}, summary="An import's state")
def get_import(request: HttpRequest, job_id: Id):
    return selectors.job_get(request.auth, job_id)


@router.get(
    "/imports/{job_id}/rows", response={200: ImportRowPage, **READ_RESPONSES}, summary="An import's rows"
)
def list_import_rows(request: HttpRequest, job_id: Id, filters: Query[RowFilters]):
    job = selectors.job_get(request.auth, job_id)
    return paginate(
        selectors.job_rows(job, filters.status or None), limit=filters.limit, cursor=filters.cursor
    )


@router.post(
    "/imports/{job_id}/commit",
    response={202: ImportJobOut, **ERROR_RESPONSES},
    summary="Save a checked import",
)
def commit_import(request: HttpRequest, job_id: Id):
    """Only a checked job without errors; all rows are saved in one transaction, or none."""
    job = selectors.job_get(request.auth, job_id)
    services.import_commit(actor=request.auth, job=job)
    return Status(202, selectors.job_get(request.auth, job_id))


@router.post(
    "/imports/{job_id}/cancel",
    response={200: ImportJobOut, **ERROR_RESPONSES},
    summary="Cancel an import",
)
def cancel_import(request: HttpRequest, job_id: Id):
    """An import that has not ended (waiting, being checked, checked, being saved): its area is freed and
    its file deleted at once; a save in progress is rolled back. Audited."""
    job = selectors.job_get(request.auth, job_id)
    return services.import_cancel(actor=request.auth, job=job)
