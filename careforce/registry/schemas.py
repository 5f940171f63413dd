"""API shapes of the talent registry. Personal data leaves only masked (the ID number's region prefix, the
phone's first three and last two digits); neither the birth date nor the age in years is sent (both are
most of the ID number's hidden digits), an age band by calendar year is; the gender (the ID number's 17th
digit) only to callers who may unmask personal data. docs/security.md counts what is left to guess."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema

from careforce.core.schemas import (
    DateText,
    DistrictRef,
    Flag,
    Id,
    IdOrCode,
    InputSchema,
    LocalDateTime,
    PageIn,
    QueryText,
    Text,
)
from careforce.core.scope import can_unmask
from careforce.institutions.schemas import InstitutionRef


class OccupationOut(Schema):
    id: int
    code: str
    name: str
    team: str = Field(description="care, professional, management or support")
    standard_code: str = Field(description="National occupation classification code, if any")


class OccupationRef(Schema):
    id: int
    code: str
    name: str


class VerificationFields(Schema):
    """核验: how far the record has been checked, by whom (an account id) and when."""

    verification: str = Field(description="self_reported, institution_confirmed or authority_checked")
    verified_by: int | None = Field(None, alias="verified_by_id", description="Account that verified it")
    verified_at: LocalDateTime | None = None


class VerifyIn(InputSchema):
    required_fields = ("verification",)

    verification: Text = Field(None, description="self_reported, institution_confirmed or authority_checked")


class WorkerOut(VerificationFields):
    id: int
    name: str
    gender: str | None = Field(
        description="M or F (from the ID number); null unless the caller may unmask personal data"
    )
    age_band: str = Field(
        description="Age band by calendar year (this year minus the year of birth): <30, 30-39, 40-49, "
        "50-59 or 60+",
        examples=["30-39"],
    )
    id_number_masked: str = Field(description="Region prefix only", examples=["500103************"])
    phone_masked: str = Field(description="First three and last two digits", examples=["138******78"])
    education: str
    hukou_type: str
    source_channel: str
    team: str
    occupation: OccupationRef
    district: DistrictRef
    institution: InstitutionRef | None = Field(description="Current (or last) institution")
    is_active: bool = Field(description="Currently employed")
    created_at: LocalDateTime
    updated_at: LocalDateTime

    @staticmethod
    def resolve_gender(obj, context: dict[str, Any] | None = None) -> str | None:
        request = (context or {}).get("request")
        return obj.gender if request is not None and can_unmask(request.auth) else None


class EmploymentOut(VerificationFields):
    id: int
    worker_id: int
    institution: InstitutionRef
    post: str
    start_date: datetime.date
    end_date: datetime.date | None
    has_labour_contract: bool
    is_part_time: bool
    end_reason: str
    is_current: bool


class WorkerDetailOut(WorkerOut):
    years_of_service: float = Field(description="Years covered by the employment history, overlaps once")
    employments: list[EmploymentOut] = Field(description="Newest first")

    @staticmethod
    def resolve_employments(obj) -> list:
        # Attached by the handler from `employments_of` (one query, institutions joined).
        return obj.history


class WorkerPage(Schema):
    items: list[WorkerOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class WorkerFilters(PageIn):
    district: Id | None = Field(None, description="District id")
    institution: Id | None = Field(None, description="Institution id")
    team: QueryText = None
    occupation: Id | None = Field(None, description="Occupation id")
    source_channel: QueryText = None
    active: bool | None = Field(None, description="true: currently employed; false: not")
    q: QueryText = Field(
        "",
        description="Name, pinyin or initials, or a full ID number or phone (a full-number lookup is "
        "logged and limited per account, 429 beyond the limit)",
    )


class EmploymentIn(InputSchema):
    institution: IdOrCode = Field(None, description="Institution id or credit code")
    post: Text = Field(None, examples=["护理员"])
    start_date: DateText = None
    end_date: DateText = None
    has_labour_contract: Flag = None
    is_part_time: Flag = None
    end_reason: Text = None
    override_reason: Text = Field(
        None,
        description="Reason to employ a worker on the dishonesty list anyway (recorded; district notified)",
    )


class EmploymentCreateIn(EmploymentIn):
    required_fields = ("institution", "post", "start_date")


class WorkerFieldsIn(InputSchema):
    name: Text = None
    id_number: Text = Field(None, description="18-character resident ID number")
    phone: Text = Field(None, description="11-digit mobile number; empty to clear")
    education: Text = Field(None, description="Code or label, e.g. senior_high or 高中")
    hukou_type: Text = Field(None, description="urban or rural (城镇/农村)")
    source_channel: Text = None
    team: Text = Field(None, description="care, professional, management or support")
    occupation: IdOrCode = Field(None, description="Occupation id, code or name")
    gender: Text = Field(None, description="Optional; checked against the ID number")
    birth_date: DateText = Field(None, description="Optional; checked against the ID number")


class WorkerCreateIn(WorkerFieldsIn):
    """A new person. Give the current `employment`, or the `district` to file the record under."""

    required_fields = ("name", "id_number", "education", "hukou_type", "source_channel", "team", "occupation")

    employment: EmploymentIn | None = None
    district: IdOrCode = Field(None, description="District id, code or name, when there is no employment")


class TransferIn(InputSchema):
    required_fields = ("institution", "post", "start_date")

    institution: IdOrCode = Field(None, description="Institution id or credit code")
    post: Text = None
    start_date: DateText = Field(None, description="First day at the new institution")
    has_labour_contract: Flag = None
    end_reason: Text = Field(None, description="Reason recorded on the closed post (default: transferred)")
    override_reason: Text = Field(
        None,
        description="Reason to employ a worker on the dishonesty list anyway (recorded; district notified)",
    )


class EmploymentEndIn(InputSchema):
    required_fields = ("end_date",)

    end_date: DateText = Field(None, description="Last day of work")
    reason: Text = None


class UnmaskIn(InputSchema):
    required_fields = ("field", "reason")

    field: Text = Field(None, description="id_number or phone")
    reason: Text = Field(None, description="Why the full value is needed; logged")


class UnmaskOut(Schema):
    field: str
    value: str


class WorkerWrittenOut(WorkerDetailOut):
    warnings: list[str] = Field(
        default_factory=list, description="What is odd but accepted, e.g. an ID region code not in the table"
    )
