"""Pages of contracts, insurance and subsidies: the desk (figures, expiring contracts and cover, schemes,
runs), a scheme and its runs, a run's results with each condition met or failed, the public notice with
masked names, review, payment batches and their xlsx, and the worker page's section."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from careforce.core.paging import paginate
from careforce.core.scope import Level, scope_of
from careforce.incentives import conditions, selectors, services, sheets
from careforce.incentives.models import ContractType, InsuranceKind, Scheme, SchemeKind
from careforce.registry import selectors as registry_selectors
from careforce.skills.public import mask_name

OFFICIAL_LEVELS = (Level.CITY, Level.DISTRICT, Level.INSTITUTION)


def _official(request: HttpRequest) -> None:
    if scope_of(request.user).level not in OFFICIAL_LEVELS:
        raise Http404


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for field_messages in error.message_dict.values() if hasattr(error, "error_dict") else [error.messages]:
        for message in field_messages:
            messages.error(request, message)


def worker_section(request: HttpRequest, worker) -> dict | None:
    scope = scope_of(request.user)
    if scope.level == Level.NONE:
        return None
    return {
        "worker": worker,
        "contracts": selectors.contracts_of(request.user, worker),
        "covers": selectors.covers_of(request.user, worker),
        "can_write": scope.can_write and scope.level in OFFICIAL_LEVELS,
        "contract_types": ContractType.choices,
        "insurance_kinds": InsuranceKind.choices,
    }


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    _official(request)
    scope = scope_of(request.user)
    contracts, covers = selectors.expiring(request.user)
    bureau = scope.level in (Level.CITY, Level.DISTRICT)
    return render(
        request,
        "incentives/home.html",
        {
            "expiring_contracts": contracts[:200],
            "expiring_covers": covers[:200],
            "window": selectors.EXPIRY_WINDOW_DAYS,
            "figures": selectors.district_figures(request.user) if bureau else None,
            "schemes": selectors.schemes_visible_to(request.user),
            "runs": selectors.runs_visible_to(request.user)[:50],
            "is_bureau": bureau,
            "can_write": scope.can_write and bureau,
            "kinds": SchemeKind.choices,
            "can_import": scope.can_write,
        },
    )


def _label(name: str) -> str:
    return str(Scheme._meta.get_field(name).verbose_name)


def _json(request: HttpRequest, name: str, default):
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        raise ValidationError(
            {
                name: _("%(field)s is not valid: write it like %(example)s.")
                % {
                    "field": name,
                    "example": '{"college": 40000}' if name == "amounts" else "[[3, 30], [4, 30], [5, 40]]",
                }
            }
        ) from None


def _number(request: HttpRequest, name: str):
    raw = (request.POST.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationError({name: _("%(field)s must be a whole number.") % {"field": _label(name)}})
    return int(raw)


@login_required
@require_POST
def scheme_create(request: HttpRequest) -> HttpResponse:
    _official(request)
    try:
        data = {
            "code": (request.POST.get("code") or "").strip(),
            "name": request.POST.get("name") or "",
            "kind": request.POST.get("kind") or "",
            "level": "city",
            "amounts": _json(request, "amounts", {}),
            "tranches": _json(request, "tranches", []),
            "starts_on": request.POST.get("starts_on") or None,
            "notice_days": _number(request, "notice_days") or 0,
            "combination_group": (request.POST.get("combination_group") or "").strip(),
            "exclude_public_institution": bool(request.POST.get("exclude_public_institution")),
        }
        for name in (
            "min_years_in_care",
            "min_continuous_years",
            "min_contract_years",
            "min_skill_rank",
            "min_completeness_percent",
        ):
            data[name] = _number(request, name)
        scheme = services.scheme_create(actor=request.user, data=data)
    except ValidationError as error:
        _errors(request, error)
        return redirect("incentives:home")
    messages.success(request, _("Scheme saved."))
    return redirect("incentives:scheme_detail", pk=scheme.pk)


@login_required
@require_safe
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _official(request)
    scheme = selectors.scheme_get(request.user, pk)
    scope = scope_of(request.user)
    return render(
        request,
        "incentives/scheme_detail.html",
        {
            "scheme": scheme,
            "runs": selectors.runs_visible_to(request.user).filter(scheme=scheme),
            "can_run": scope.can_write and scope.level in (Level.CITY, Level.DISTRICT),
        },
    )


@login_required
@require_POST
def run_create(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = selectors.scheme_get(request.user, pk)
    try:
        run = services.run_eligibility(
            actor=request.user, scheme=scheme, period=(request.POST.get("period") or "").strip()
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect("incentives:scheme_detail", pk=scheme.pk)
    return redirect("incentives:run_detail", pk=run.pk)


def _rows(results):
    for row in results:
        row.explained = conditions.explain(row.conditions_met)
        row.masked = mask_name(row.worker.name)
        yield row


@login_required
@require_safe
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    show = request.GET.get("show", "qualified")
    results = selectors.results_of(request.user, run)
    if show == "qualified":
        results = results.filter(qualifies=True)
    page = paginate(request, results, per_page=50)
    scope = scope_of(request.user)
    return render(
        request,
        "incentives/run_detail.html",
        {
            "run": run,
            "page": page,
            "rows": list(_rows(page)),
            "show": show,
            "batches": run.batches.all(),
            "can_write": scope.can_write,
        },
    )


@login_required
@require_safe
def run_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """The public notice (公示): masked names, institution, tranche and amount of those who qualify."""
    run = selectors.run_get(request.user, pk)
    page = paginate(request, selectors.results_of(request.user, run).filter(qualifies=True), per_page=100)
    return render(
        request, "incentives/run_notice.html", {"run": run, "page": page, "rows": list(_rows(page))}
    )


def _back_to_run(run_id: int) -> HttpResponse:
    return redirect("incentives:run_detail", pk=run_id)


@login_required
@require_POST
def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    try:
        count = services.approve_all(actor=request.user, run=run)
        messages.success(request, _("%(n)d entries approved.") % {"n": count})
    except ValidationError as error:
        _errors(request, error)
    return _back_to_run(run.pk)


@login_required
@require_POST
def run_pay(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    try:
        batch = services.pay(actor=request.user, run=run)
    except ValidationError as error:
        _errors(request, error)
        return _back_to_run(run.pk)
    messages.success(
        request,
        _("Payment batch made: %(paid)d paid, %(skipped)d already paid before and skipped.")
        % {"paid": batch.paid_count, "skipped": batch.skipped_count},
    )
    return redirect("incentives:batch_detail", pk=batch.pk)


@login_required
@require_POST
def eligibility_decide(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.eligibility_get(request.user, pk)
    try:
        services.decide(
            actor=request.user,
            eligibility=row,
            approve=request.POST.get("decision") == "approve",
            reason=request.POST.get("reason") or "",
        )
    except ValidationError as error:
        _errors(request, error)
    return _back_to_run(row.run_id)


@login_required
@require_POST
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    row = selectors.eligibility_get(request.user, pk)
    try:
        services.objection_raise(actor=request.user, eligibility=row, text=request.POST.get("text") or "")
        messages.success(request, _("Objection recorded."))
    except ValidationError as error:
        _errors(request, error)
    return _back_to_run(row.run_id)


@login_required
@require_POST
def objection_answer(request: HttpRequest, pk: int) -> HttpResponse:
    objection = selectors.objection_get(request.user, pk)
    try:
        services.objection_answer(
            actor=request.user, objection=objection, answer=request.POST.get("answer") or ""
        )
    except ValidationError as error:
        _errors(request, error)
    return _back_to_run(objection.eligibility.run_id)


@login_required
@require_safe
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(request.user, pk)
    page = paginate(
        request,
        selectors.payments_of(request.user, batch).select_related("worker").order_by("id"),
        per_page=100,
    )
    return render(
        request,
        "incentives/batch_detail.html",
        {"batch": batch, "page": page, "can_write": scope_of(request.user).can_write},
    )


@login_required
@require_safe
def batch_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    batch = selectors.batch_get(request.user, pk)
    return FileResponse(
        sheets.batch_book(request.user, batch),
        as_attachment=True,
        filename=f"payments-{batch.pk}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@require_POST
def payment_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.payment_get(request.user, pk)
    try:
        services.reverse(actor=request.user, payment=payment, reason=request.POST.get("reason") or "")
        messages.success(request, _("Payment reversed."))
    except ValidationError as error:
        _errors(request, error)
    return redirect("incentives:batch_detail", pk=payment.batch_id)


def _worker_back(worker) -> HttpResponse:
    return redirect("registry:worker_detail", pk=worker.pk)


@login_required
@require_POST
def contract_create(request: HttpRequest, pk: int) -> HttpResponse:
    worker = registry_selectors.worker_get(request.user, pk)
    try:
        services.contract_add(actor=request.user, worker=worker, data=request.POST.dict())
        messages.success(request, _("Labour contract recorded."))
    except ValidationError as error:
        _errors(request, error)
    return _worker_back(worker)


@login_required
@require_POST
def cover_create(request: HttpRequest, pk: int) -> HttpResponse:
    worker = registry_selectors.worker_get(request.user, pk)
    try:
        services.cover_add(actor=request.user, worker=worker, data=request.POST.dict())
        messages.success(request, _("Insurance cover recorded."))
    except ValidationError as error:
        _errors(request, error)
    return _worker_back(worker)


@login_required
@require_POST
def contract_renew(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(request.user, pk)
    try:
        services.contract_renew(actor=request.user, contract=contract, data=request.POST.dict())
        messages.success(request, _("Contract renewed."))
    except ValidationError as error:
        _errors(request, error)
    return _worker_back(contract.worker)


@login_required
def sheet_upload(request: HttpRequest) -> HttpResponse:
    """Upload a contracts or insurance sheet; all rows are saved or none."""
    _official(request)
    if not scope_of(request.user).can_write:
        raise Http404
    if request.method == "POST":
        kind = "insurance" if request.POST.get("kind") == "insurance" else "contracts"
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError({"file": _("Choose the xlsx file to upload.")})
            count = services.sheet_import(
                actor=request.user, kind=kind, rows=sheets.read_rows(upload.read(), kind)
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("%(n)d rows saved.") % {"n": count})
            return redirect("incentives:home")
    return render(
        request,
        "incentives/import.html",
        {"contract_headers": sheets.CONTRACT_HEADERS, "insurance_headers": sheets.INSURANCE_HEADERS},
    )
