"""/api/v1/institutions: thin callers of the institution selectors and services."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from careforce.core.api import paginate
from careforce.core.schemas import ERROR_RESPONSES, READ_RESPONSES, Id
from careforce.institutions import selectors, services
from careforce.institutions.schemas import (
    InstitutionCreateIn,
    InstitutionFilters,
    InstitutionIn,
    InstitutionOut,
    InstitutionPage,
)

router = Router(tags=["institutions"])


@router.get("/institutions", response={200: InstitutionPage, **READ_RESPONSES}, summary="List institutions")
def list_institutions(request: HttpRequest, filters: Query[InstitutionFilters]):
    qs = selectors.institution_list(
        request.auth,
        district=filters.district,
        kind=filters.kind,
        ownership=filters.ownership,
        q=filters.q,
    )
    return paginate(qs, limit=filters.limit, cursor=filters.cursor)


@router.get(
    "/institutions/{institution_id}",
    response={200: InstitutionOut, **READ_RESPONSES},
    summary="Get an institution",
)
def get_institution(request: HttpRequest, institution_id: Id):
    return selectors.institution_get(request.auth, institution_id)


@router.post(
    "/institutions", response={201: InstitutionOut, **ERROR_RESPONSES}, summary="Register an institution"
)
def create_institution(request: HttpRequest, payload: InstitutionCreateIn):
    institution = services.institution_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, selectors.institution_get(request.auth, institution.pk))


@router.patch(
    "/institutions/{institution_id}",
    response={200: InstitutionOut, **ERROR_RESPONSES},
    summary="Change an institution",
)
def update_institution(request: HttpRequest, institution_id: Id, payload: InstitutionIn):
    institution = selectors.institution_get(request.auth, institution_id)
    services.institution_update(
        actor=request.auth, institution=institution, data=payload.model_dump(exclude_unset=True)
    )
    return selectors.institution_get(request.auth, institution_id)
