"""API shapes of institutions (养老服务机构)."""

from __future__ import annotations

from ninja import Field, Schema

from careforce.core.schemas import (
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


class InstitutionOut(Schema):
    id: int
    uscc: str = Field(description="Unified social credit code (统一社会信用代码)")
    name: str
    district: DistrictRef
    kind: str = Field(description="institution, community or home_care")
    ownership: str = Field(description="public, private or public_built_private_run")
    is_public_service_unit: bool
    star_grade: int
    beds: int
    residents_able: int
    residents_mild: int
    residents_moderate: int
    residents_severe: int
    residents_total: int
    residents: int = Field(description="Sum of the five ability levels")
    address: str
    contact_name: str
    contact_phone: str
    head_id: int | None = Field(description="The head (负责人): a worker of the registry, if registered")
    head_pending_name: str = Field(description="The head's name while not yet registered")
    created_at: LocalDateTime
    updated_at: LocalDateTime


class InstitutionRef(Schema):
    id: int
    name: str
    district_id: int


class InstitutionPage(Schema):
    items: list[InstitutionOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class InstitutionFilters(PageIn):
    district: Id | None = Field(None, description="District id")
    kind: QueryText = None
    ownership: QueryText = None
    q: QueryText = Field(None, description="Name (contains), or a full credit code")


class InstitutionIn(InputSchema):
    """Fields of an institution. On create, uscc, name, district, kind and ownership are required;
    on PATCH, send only the fields to change."""

    uscc: Text = None
    name: Text = None
    district: IdOrCode = Field(None, description="District id")
    kind: Text = Field(None, description="institution, community or home_care")
    ownership: Text = Field(None, description="public, private or public_built_private_run")
    is_public_service_unit: Flag = None
    star_grade: IdOrCode = Field(None, description="0–5")
    beds: IdOrCode = None
    residents_able: IdOrCode = None
    residents_mild: IdOrCode = None
    residents_moderate: IdOrCode = None
    residents_severe: IdOrCode = None
    residents_total: IdOrCode = None
    address: Text = None
    contact_name: Text = None
    contact_phone: Text = None
    head: IdOrCode = Field(None, description="Worker id of the head (负责人); must hold a current post here")
    head_pending_name: Text = Field(None, description="The head's name while not yet registered")


class InstitutionCreateIn(InstitutionIn):
    """A new institution: uscc, name, district, kind and ownership are required."""

    required_fields = ("uscc", "name", "district", "kind", "ownership")
