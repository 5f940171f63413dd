"""/api/v1/skills/…: levels, certificates (issue, revoke, public verification), certification rates, a
worker's level, titles and credits."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from careforce.core.api import paginate
from careforce.core.schemas import (
    ERROR_RESPONSES,
    READ_RESPONSES,
    DateText,
    DetailOut,
    DistrictRef,
    Flag,
    Id,
    IdOrCode,
    InputSchema,
    PageIn,
    QueryText,
    Text,
)
from careforce.registry.schemas import VerificationFields, VerifyIn
from careforce.registry.selectors import worker_get
from careforce.skills import public, selectors, services
from careforce.skills.models import SkillLevel

router = Router(tags=["skills"])


class LevelOut(Schema):
    rank: int
    code: str
    name: str
    national_grade: str
    is_certified: bool


class CertificateOut(VerificationFields):
    id: int
    number: str = Field(
        description="As issued (hyphens and case kept); matched ignoring punctuation and case"
    )
    worker_id: int
    occupation: str = Field(alias="occupation.code")
    level: str = Field(alias="level.code")
    issuer_id: int
    issued_on: datetime.date
    status: str = Field(description="Stored status: valid, suspended or revoked")
    status_today: str = Field(description="valid, expired (past valid_until), suspended or revoked")
    valid_until: datetime.date | None = Field(description="Last valid day; null: never expires")
    revoked_on: datetime.date | None
    revoke_reason: str
    suspended_on: datetime.date | None
    suspend_reason: str

    @staticmethod
    def resolve_status_today(obj) -> str:
        return obj.status_on(timezone.localdate())


class CertificateIn(InputSchema):
    required_fields = ("number", "worker", "occupation", "level", "issued_on")

    number: Text = None
    worker: IdOrCode = None
    occupation: IdOrCode = None
    level: IdOrCode = None
    issuer: IdOrCode = Field(
        None, description="Omitted: the calling evaluation body's own (the only one allowed)"
    )
    issued_on: DateText = None
    valid_until: DateText = Field(
        None, description="The end the certificate states; omitted: from the validity table (or none)"
    )


class RevokeIn(InputSchema):
    required_fields = ("reason",)

    reason: Text = None
    revoked_on: DateText = None


class SuspendIn(InputSchema):
    required_fields = ("reason",)

    reason: Text = None
    suspended_on: DateText = None


class ReinstateIn(InputSchema):
    required_fields = ("reason",)

    reason: Text = None


class RenewIn(InputSchema):
    renewed_on: DateText = Field(None, description="Default: today")
    valid_until: DateText = Field(None, description="The new end, if the certificate states one")
    note: Text = None


class ExpiringCertificateOut(Schema):
    id: int
    number: str
    worker_id: int
    worker_name: str = Field(alias="worker.name")
    institution_id: int | None = Field(alias="worker.institution_id")
    occupation: str = Field(alias="occupation.code")
    level: str = Field(alias="level.code")
    valid_until: datetime.date


class ExpiringPage(Schema):
    items: list[ExpiringCertificateOut]
    next_cursor: str | None


class ExpiringIn(PageIn):
    days: int | None = Field(None, ge=0, le=3650, description="Within this many days (default 90)")


class VerificationOut(Schema):
    number: str
    holder_masked: str = Field(description="The holder's name masked, e.g. 张*丰")
    level: str
    occupation: str
    issuer: str
    issued_on: str
    status: str = Field(description="valid, expired, suspended or revoked (today)")
    status_label: str = Field(description="The status in the request's language")
    valid_until: str | None = Field(description="Last valid day (ISO date); null: never expires")
    status_since: str | None = Field(description="The day it expired, was suspended or revoked")


class RateRow(Schema):
    id: int
    name: str
    certified: int
    care_workers: int
    rate: float | None = Field(description="Percent; null when there is no care worker")


class RatesOut(Schema):
    rule: str
    target: Decimal | None
    target_year: int | None
    rows: list[RateRow]


class TitleOut(Schema):
    id: int
    grade: str
    name: str
    awarded_on: datetime.date
    awarded_by: str


class TitleIn(InputSchema):
    required_fields = ("grade", "name", "awarded_on", "awarded_by")

    grade: Text = Field(None, description="junior, intermediate, associate_senior, senior (or 初级 … 正高级)")
    name: Text = None
    awarded_on: DateText = None
    awarded_by: Text = None
    certificate_number: Text = None


class RangeOut(Schema):
    occupation: str = Field(alias="occupation.code")
    lowest: str = Field(alias="lowest.code")
    highest: str = Field(alias="highest.code")


class BodyOut(Schema):
    id: int
    name: str
    uscc: str
    registration_number: str
    registered_on: datetime.date
    district: DistrictRef
    is_active: bool = Field(description="Whether the registration (备案) is in force")
    contact_name: str
    ranges: list[RangeOut] = Field(description="Per occupation, the levels the body may certify")

    @staticmethod
    def resolve_ranges(obj) -> list:
        return list(obj.ranges.all())


class BodyPage(Schema):
    items: list[BodyOut]
    next_cursor: str | None


class BodyIn(InputSchema):
    name: Text = None
    uscc: Text = None
    registration_number: Text = None
    registered_on: DateText = None
    district: IdOrCode = None
    is_active: Flag = None
    contact_name: Text = None


class BodyCreateIn(BodyIn):
    required_fields = ("name", "uscc", "registration_number", "registered_on", "district")


class RangeIn(InputSchema):
    required_fields = ("occupation", "lowest", "highest")

    occupation: IdOrCode = None
    lowest: IdOrCode = None
    highest: IdOrCode = None


class WorkerSkillsOut(Schema):
    level: LevelOut | None
    certificates: list[CertificateOut]
    titles: list[TitleOut]
    credits: dict[str, Decimal]


RULE = (
    "Care workers: currently employed workers whose occupation is care_worker (养老护理员); certified: holding at "
    "least one valid certificate of level junior (初级工) or above in that occupation."
)


@router.get(
    "/skills/levels", response={200: list[LevelOut], **READ_RESPONSES}, summary="The eight-level ladder"
)
def list_levels(request: HttpRequest):
    return list(SkillLevel.objects.all())


@router.get(
    "/skills/certificates/verify",
    auth=None,
    response={200: VerificationOut, 404: DetailOut, 429: DetailOut, 422: DetailOut},
    summary="Public verification of a certificate (no login; rate-limited)",
)
def verify_certificate(
    request: HttpRequest, response: HttpResponse, number: QueryText = None, name: QueryText = None
):
    """Certificate number and holder's name → level, occupation, issuer, date and status; nothing else."""
    from django.utils.translation import gettext as _

    if public.rate_limited(request.META.get("REMOTE_ADDR") or "unknown"):
        return Status(429, {"detail": _("Too many checks from your address; wait a minute and try again.")})
    result = public.verify(number or "", name or "")
    response["Cache-Control"] = "no-store"
    if result is None:
        return Status(404, {"detail": _("No certificate matches this number and name.")})
    return result


@router.get(
    "/skills/certificates/expiring",
    response={200: ExpiringPage, **READ_RESPONSES},
    summary="Valid certificates whose validity ends soon (institution, district and city officials)",
)
def expiring_certificates(request: HttpRequest, filters: Query[ExpiringIn]):
    return paginate(
        selectors.expiring_certificates(request.auth, days=filters.days),
        limit=filters.limit,
        cursor=filters.cursor,
    )


@router.get(
    "/skills/certificates/{certificate_id}",
    response={200: CertificateOut, **READ_RESPONSES},
    summary="Get a certificate",
)
def get_certificate(request: HttpRequest, certificate_id: Id):
    return selectors.certificate_get(request.auth, certificate_id)


@router.post(
    "/skills/certificates/{certificate_id}/suspend",
    response={200: CertificateOut, **ERROR_RESPONSES},
    summary="Suspend a certificate",
)
def suspend_certificate(request: HttpRequest, certificate_id: Id, payload: SuspendIn):
    cert = selectors.certificate_get(request.auth, certificate_id)
    services.certificate_suspend(
        actor=request.auth, certificate=cert, reason=payload.reason or "", suspended_on=payload.suspended_on
    )
    return selectors.certificate_get(request.auth, certificate_id)


@router.post(
    "/skills/certificates/{certificate_id}/reinstate",
    response={200: CertificateOut, **ERROR_RESPONSES},
    summary="Lift a certificate's suspension",
)
def reinstate_certificate(request: HttpRequest, certificate_id: Id, payload: ReinstateIn):
    cert = selectors.certificate_get(request.auth, certificate_id)
    services.certificate_reinstate(actor=request.auth, certificate=cert, reason=payload.reason or "")
    return selectors.certificate_get(request.auth, certificate_id)


@router.post(
    "/skills/certificates/{certificate_id}/renew",
    response={200: CertificateOut, **ERROR_RESPONSES},
    summary="Renew a certificate (a new validity, kept beside the previous one)",
)
def renew_certificate(request: HttpRequest, certificate_id: Id, payload: RenewIn):
    cert = selectors.certificate_get(request.auth, certificate_id)
    services.certificate_renew(
        actor=request.auth, certificate=cert, data=payload.model_dump(exclude_none=True)
    )
    return selectors.certificate_get(request.auth, certificate_id)


@router.post(
    "/skills/certificates", response={201: CertificateOut, **ERROR_RESPONSES}, summary="Record a certificate"
)
def create_certificate(request: HttpRequest, payload: CertificateIn):
    cert = services.certificate_issue(actor=request.auth, data=payload.model_dump(exclude_none=True))
    return Status(201, selectors.certificate_get(request.auth, cert.pk))


@router.post(
    "/skills/certificates/{certificate_id}/verification",
    response={200: CertificateOut, **ERROR_RESPONSES},
    summary="Check a certificate against its issuer, or confirm it as the institution (核验)",
)
def set_certificate_verification(request: HttpRequest, certificate_id: Id, payload: VerifyIn):
    cert = selectors.certificate_get(request.auth, certificate_id)
    services.certificate_verify(actor=request.auth, certificate=cert, status=payload.verification)
    return selectors.certificate_get(request.auth, certificate_id)


@router.post(
    "/skills/certificates/{certificate_id}/revoke",
    response={200: CertificateOut, **ERROR_RESPONSES},
    summary="Revoke a certificate",
)
def revoke_certificate(request: HttpRequest, certificate_id: Id, payload: RevokeIn):
    cert = selectors.certificate_get(request.auth, certificate_id)
    services.certificate_revoke(
        actor=request.auth, certificate=cert, reason=payload.reason or "", revoked_on=payload.revoked_on
    )
    return selectors.certificate_get(request.auth, certificate_id)


@router.get(
    "/skills/certification-rates", response={200: RatesOut, **READ_RESPONSES}, summary="Certification rates"
)
def certification_rates(
    request: HttpRequest,
    by: str = Query("district", pattern="^(district|institution)$"),
    district: Id | None = None,
):
    targets = selectors.certification_targets()
    target = targets[0] if targets else None
    if by == "district":
        rows = [
            {
                "id": r["district"].pk,
                "name": r["district"].name,
                **{k: r[k] for k in ("certified", "care_workers", "rate")},
            }
            for r in selectors.certification_by_district(request.auth)
        ]
    else:
        rows = [
            {
                "id": r["institution"].pk,
                "name": r["institution"].name,
                **{k: r[k] for k in ("certified", "care_workers", "rate")},
            }
            for r in selectors.certification_by_institution(request.auth, district_id=district, limit=500)
        ]
    return {
        "rule": RULE,
        "target": target.value if target else None,
        "target_year": target.due_date.year if target else None,
        "rows": rows,
    }


@router.get(
    "/workers/{worker_id}/skills",
    response={200: WorkerSkillsOut, **READ_RESPONSES},
    summary="A worker's level, certificates, titles, credits",
)
def worker_skills(request: HttpRequest, worker_id: Id):
    worker = worker_get(request.auth, worker_id)
    return {
        "level": selectors.worker_level(worker),
        "certificates": list(selectors.worker_certificates(worker)),
        "titles": list(selectors.worker_titles(worker)),
        "credits": selectors.worker_credits(worker),
    }


@router.post(
    "/workers/{worker_id}/titles",
    response={201: TitleOut, **ERROR_RESPONSES},
    summary="Record a professional title (养老照护职称)",
)
def create_title(request: HttpRequest, worker_id: Id, payload: TitleIn):
    worker = worker_get(request.auth, worker_id)
    title = services.title_record(
        actor=request.auth, worker=worker, data=payload.model_dump(exclude_none=True)
    )
    return Status(201, title)


@router.get(
    "/skills/bodies", response={200: BodyPage, **READ_RESPONSES}, summary="List registered evaluation bodies"
)
def list_bodies(request: HttpRequest, filters: Query[PageIn]):
    qs = selectors.bodies_visible_to(request.auth).prefetch_related(*selectors.BODY_RANGES)
    return paginate(qs, limit=filters.limit, cursor=filters.cursor)


@router.get(
    "/skills/bodies/{body_id}", response={200: BodyOut, **READ_RESPONSES}, summary="Get an evaluation body"
)
def get_body(request: HttpRequest, body_id: Id):
    return selectors.body_get(request.auth, body_id)


@router.post(
    "/skills/bodies", response={201: BodyOut, **ERROR_RESPONSES}, summary="Register an evaluation body (备案)"
)
def create_body(request: HttpRequest, payload: BodyCreateIn):
    body = services.evaluation_body_register(actor=request.auth, data=payload.model_dump(exclude_none=True))
    return Status(201, selectors.body_get(request.auth, body.pk))


@router.patch(
    "/skills/bodies/{body_id}",
    response={200: BodyOut, **ERROR_RESPONSES},
    summary="Change an evaluation body",
)
def update_body(request: HttpRequest, body_id: Id, payload: BodyIn):
    body = selectors.body_get(request.auth, body_id)
    services.evaluation_body_update(
        actor=request.auth, body=body, data=payload.model_dump(exclude_unset=True)
    )
    return selectors.body_get(request.auth, body_id)


@router.post(
    "/skills/bodies/{body_id}/ranges",
    response={200: BodyOut, **ERROR_RESPONSES},
    summary="Allow (or change) the levels a body may certify in one occupation",
)
def set_range(request: HttpRequest, body_id: Id, payload: RangeIn):
    body = selectors.body_get(request.auth, body_id)
    services.evaluation_range_set(actor=request.auth, body=body, **payload.model_dump())
    return selectors.body_get(request.auth, body_id)
