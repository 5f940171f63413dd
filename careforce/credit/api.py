"""/api/v1/workers/{id}/credit, /dishonesty-listings, /pre-employment-checks."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from careforce.core import access
from careforce.core.api import paginate
from careforce.core.schemas import ERROR_RESPONSES, READ_RESPONSES, DetailOut, Id, PageIn
from careforce.credit import selectors, services
from careforce.credit.schemas import (
    CheckIn,
    CheckOut,
    CreditOut,
    ListingIn,
    ListingOut,
    ListingPage,
    RemovalIn,
)
from careforce.registry.selectors import worker_get

router = Router(tags=["credit"])


@router.get(
    "/workers/{worker_id}/credit",
    response={200: CreditOut, **READ_RESPONSES},
    summary="A worker's credit score, factor by factor, with its history",
)
def get_credit(request: HttpRequest, worker_id: Id):
    """The basis for title review, promotion, pay rise and transfer decisions (信用评价)."""
    worker = worker_get(request.auth, worker_id)
    score = selectors.credit_of(worker)
    history = [
        {"score": h.score, "grade": h.grade, "rule_version": h.rule.version, "computed_at": h.computed_at}
        for h in selectors.credit_history(worker)[:20]
    ]
    if score is None:
        return {
            "worker_id": worker.pk, "score": None, "grade": None, "grade_label": None, "rule_version": None,
            "base_score": None, "computed_at": None, "dishonesty_listed": False, "factors": [], "history": history,
        }  # fmt: skip
    explanation = selectors.explain(score)
    return {
        "worker_id": worker.pk,
        "score": score.score,
        "grade": score.grade,
        "grade_label": explanation.grade_label,
        "rule_version": explanation.rule.version,
        "base_score": explanation.rule.base,
        "computed_at": score.computed_at,
        "dishonesty_listed": score.dishonesty_listed,
        "factors": [
            {
                "measure": f.measure,
                "label": f.label,
                "measured": value,
                "weight": f.weight,
                "min_points": f.lo,
                "max_points": f.hi,
                "window_years": f.window_years,
                "points": points,
            }
            for f, value, points in explanation.parts
        ],
        "history": history,
    }


@router.get(
    "/dishonesty-listings", response={200: ListingPage, **READ_RESPONSES}, summary="The dishonesty list"
)
def list_listings(request: HttpRequest, filters: Query[PageIn]):
    return paginate(selectors.listing_list(request.auth), limit=filters.limit, cursor=filters.cursor)


@router.post("/dishonesty-listings", response={201: ListingOut, **ERROR_RESPONSES}, summary="List a worker")
def create_listing(request: HttpRequest, payload: ListingIn):
    listing = services.listing_create(actor=request.auth, data=payload.model_dump(exclude_unset=True))
    return Status(201, selectors.listing_get(request.auth, listing.pk))


@router.get(
    "/dishonesty-listings/{listing_id}", response={200: ListingOut, **READ_RESPONSES}, summary="Get a listing"
)
def get_listing(request: HttpRequest, listing_id: Id):
    return selectors.listing_get(request.auth, listing_id)


@router.post(
    "/dishonesty-listings/{listing_id}/remove",
    response={200: ListingOut, **ERROR_RESPONSES},
    summary="Remove a listing on application (after the minimum period)",
)
def remove_listing(request: HttpRequest, listing_id: Id, payload: RemovalIn):
    listing = selectors.listing_get(request.auth, listing_id)
    services.listing_remove(actor=request.auth, listing=listing, data=payload.model_dump(exclude_unset=True))
    return selectors.listing_get(request.auth, listing_id)


@router.post(
    "/pre-employment-checks",
    response={201: CheckOut, 429: DetailOut, **ERROR_RESPONSES},
    summary="Is this ID number on the dishonesty list? (logged)",
)
def check(request: HttpRequest, payload: CheckIn, response: HttpResponse):
    """A full-identifier lookup: logged, and limited per account with the searches (429 beyond)."""
    try:
        result = services.pre_employment_check(
            actor=request.auth, id_number=payload.id_number or "", channel=access.AccessChannel.API
        )
    except access.LookupRefused as exc:
        response["Retry-After"] = str(exc.retry_after)
        return Status(429, {"detail": exc.message})
    return Status(
        201, {"id_number_masked": result.id_masked, "listed": result.listed, "checked_at": result.at}
    )
