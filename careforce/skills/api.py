"""/api/v1/skills/…: levels, certificates (issue, revoke, public verification), certification rates, a
worker's level, titles and credits."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from careforce.core.schemas import (
    ERROR_RESPONSES,
    READ_RESPONSES,
    DateText,
    DetailOut,
    Id,
    IdOrCode,
    InputSchema,
    QueryText,
    Text,
)
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


class CertificateOut(Schema):
    id: int
    number: str
    worker_id: int
    occupation: str = Field(alias="occupation.code")
    level: str = Field(alias="level.code")
    issuer_id: int
    issued_on: datetime.date
    status: str
    revoked_on: datetime.date | None
    revoke_reason: str


class CertificateIn(InputSchema):
    number: Text = None
    worker: IdOrCode = None
    occupation: IdOrCode = None
    level: IdOrCode = None
    issuer: IdOrCode = None
    issued_on: DateText = None


class RevokeIn(InputSchema):
    reason: Text = None
    revoked_on: DateText = None


class VerificationOut(Schema):
    number: str
    holder_masked: str = Field(description="The holder's name masked, e.g. 张*丰")
    level: str
    occupation: str
    issuer: str
    issued_on: str
    status: str = Field(description="valid or revoked")


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
    "/skills/certificates/{certificate_id}",
    response={200: CertificateOut, **READ_RESPONSES},
    summary="Get a certificate",
)
def get_certificate(request: HttpRequest, certificate_id: Id):
    return selectors.certificate_get(request.auth, certificate_id)


@router.post(
    "/skills/certificates", response={201: CertificateOut, **ERROR_RESPONSES}, summary="Record a certificate"
)
def create_certificate(request: HttpRequest, payload: CertificateIn):
    cert = services.certificate_issue(actor=request.auth, data=payload.model_dump(exclude_none=True))
    return Status(201, selectors.certificate_get(request.auth, cert.pk))


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
    target = selectors.certification_target()
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
        "target_year": target.due_year if target else None,
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
