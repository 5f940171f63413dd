"""Pages of the talent registry (人才信息库). Reads through the scoped selectors, writes through the services."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from careforce.core import access
from careforce.core.api import decode_cursor, encode_cursor
from careforce.core.extensions import WORKER_SECTIONS, render_sections
from careforce.core.forms import add_service_errors
from careforce.core.masking import age_band, mask_id_number
from careforce.core.models import PiiField
from careforce.core.paging import CappedPage, page_number, paginate
from careforce.core.scope import Level, Scope, can_unmask, require_write, scope_of
from careforce.core.views import is_htmx, page_or_fragment
from careforce.institutions.models import Institution
from careforce.registry import selectors, services, verification
from careforce.registry.forms import (
    EmploymentEndForm,
    EmploymentForm,
    TransferForm,
    UnmaskForm,
    WorkerCreateForm,
    WorkerEditForm,
    WorkerFilterForm,
)
from careforce.registry.models import Employment, Gender, Team, Worker

HISTORY_PAGE_SIZE = 20


def may_write_at(scope: Scope, institution: Institution) -> bool:
    """Whether the actor may record or correct employment at this institution (mirrors the services)."""
    if not scope.can_write:
        return False
    if scope.level == Level.CITY:
        return True
    if scope.level == Level.DISTRICT:
        return institution.district_id == scope.district_id
    if scope.level == Level.INSTITUTION:
        return institution.pk == scope.institution_id
    return False


def _to_detail(worker: Worker | Employment) -> HttpResponse:
    pk = worker.worker_id if isinstance(worker, Employment) else worker.pk
    return redirect("registry:worker_detail", pk=pk)


def _warn(request: HttpRequest, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request, warning)


# ---------------------------------------------------------------- reading


@login_required
def worker_list(request: HttpRequest) -> HttpResponse:
    form = WorkerFilterForm(request.GET or None, user=request.user)
    refused = None
    # Rows from column values, labels and links made here: no model instance, no {% url %} or
    # get_FOO_display per row (about half of the page's time at 1,000,000 workers was the rows' rendering).
    # No count: at 1,000,000 workers a capped COUNT was most of a district page's time. The page fetches
    # one row more to know whether there is a next one; the total shows once the last page is reached.
    try:
        page = _seek_page(request, form.filters())
    except access.LookupRefused as exc:
        # Answered 200 with the message in the results, so that the search box (htmx) shows it.
        refused = exc.message
        page = SeekPage([], 1, settings.LIST_PAGE_SIZE, False, 0, settings.LIST_COUNT_CAP, "page")
    page.object_list = _list_rows(page.object_list, show_gender=can_unmask(request.user))
    context = {"form": form, "page": page, "lookup_refused": refused}
    return page_or_fragment(
        request, "registry/worker_list.html", {"results": "registry/_worker_table.html"}, context
    )


CURSOR_PARAM = "cursor"


@dataclass
class SeekPage(CappedPage):
    """A worker list page whose links to the next page carry the last id shown (`cursor`), so that
    walking on costs what the first page costs; the page number stays in the address and on the links."""

    next_after: int | None = None

    def url(self, number: int) -> str:
        query = self.query.copy()
        query.pop(CURSOR_PARAM, None)
        if number <= 1:
            query.pop(self.param, None)
        else:
            query[self.param] = str(number)
        if number == self.number + 1 and self.next_after is not None:
            query[CURSOR_PARAM] = encode_cursor(self.next_after)
        encoded = query.urlencode()
        return f"?{encoded}" if encoded else "?"


def _seek_page(request: HttpRequest, filters: selectors.WorkerFilters) -> SeekPage:
    """Like paginate(count=False) — no count, one row more to know whether a next page exists, the same
    deepest page — but each page is a seek below an id (selectors.worker_page_slice), never an OFFSET
    over whole rows. A cursor that does not decode is ignored: the page number alone still answers."""
    per_page, cap = settings.LIST_PAGE_SIZE, settings.LIST_COUNT_CAP
    number = min(page_number(request.GET.get("page", 1)), max(1, math.ceil(cap / per_page)))
    after = None
    if number > 1 and request.GET.get(CURSOR_PARAM):
        try:
            after = decode_cursor(request.GET[CURSOR_PARAM])
        except ValidationError:
            after = None
    columns = (*selectors.LIST_COLUMNS, "occupation__name_en", "district__name_en")
    rows = list(
        selectors.worker_page_slice(
            request.user, filters, columns=columns, number=number, per_page=per_page, after=after
        )
    )
    query = request.GET.copy()
    if not rows and number > 1:
        # Past the end (a stale link): the total is still unknown, the page says there is nothing here.
        return SeekPage([], number, per_page, False, None, cap, "page", query)
    more = len(rows) > per_page
    rows = rows[:per_page]
    total = None if more else (number - 1) * per_page + len(rows)
    has_next = more and number * per_page < cap
    return SeekPage(
        rows, number, per_page, has_next, total, cap, "page", query, rows[-1]["id"] if has_next else None
    )


def _list_rows(rows: list[dict], *, show_gender: bool) -> list[dict]:
    detail = reverse("registry:worker_detail", args=[1])
    prefix = detail[: detail.rindex("1/")]
    genders, teams = dict(Gender.choices), dict(Team.choices)
    # Reference names in the page's language (the English pages show the rows' English names when they have one).
    english = (translation.get_language() or "").startswith("en")

    def named(row: dict, key: str) -> str:
        return (english and row.get(f"{key}__name_en")) or row[f"{key}__name"]

    return [
        {
            "url": f"{prefix}{row['id']}/",
            "name": row["name"],
            "id_number_masked": mask_id_number(row["id_region"]),
            "gender": genders.get(row["gender"], "") if show_gender else "",
            "age_band": age_band(row["birth_date"]),
            "team": teams.get(row["team"], row["team"]),
            "occupation": named(row, "occupation"),
            "institution": row["institution__name"],
            "district": named(row, "district"),
            "is_active": row["is_active"],
        }
        for row in rows
    ]


@login_required
def worker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    worker = selectors.worker_get(request.user, pk)
    access.view_record(actor=request.user, worker_id=worker.pk, channel=access.AccessChannel.WEB)
    scope = scope_of(request.user)
    employments = list(selectors.employments_of(worker))
    for employment in employments:
        employment.can_edit = may_write_at(scope, employment.institution)
    history = paginate(
        request, selectors.worker_history(worker), param="history_page", per_page=HISTORY_PAGE_SIZE
    )
    context = {
        "worker": worker,
        "employments": employments,
        "has_current": any(e.end_date is None and not e.is_part_time for e in employments),
        "years_of_service": selectors.worker_years_of_service(worker),
        "history": history,
        "sections": render_sections(WORKER_SECTIONS, request, worker),
        "readers": selectors.worker_readers(request.user, worker),
        "verification_choices": verification.statuses_for(request.user),
    }
    return page_or_fragment(
        request, "registry/worker_detail.html", {"history": "registry/_worker_history.html"}, context
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def worker_unmask(request: HttpRequest, pk: int) -> HttpResponse:
    """The full ID number or phone, after a reason is given; every view is written to the access log."""
    worker = selectors.worker_get(request.user, pk)
    if not can_unmask(request.user):
        raise Http404
    field = request.POST.get("field") or request.GET.get("field") or PiiField.ID_NUMBER
    if field not in PiiField.values:
        raise Http404
    value = None
    if request.method == "POST":
        form = UnmaskForm(request.POST)
        if form.is_valid():
            try:
                value = services.pii_reveal(
                    actor=request.user,
                    worker=worker,
                    field=field,
                    reason=form.cleaned_data["reason"],
                    ip_address=request.META.get("REMOTE_ADDR") or None,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
    else:
        form = UnmaskForm(initial={"field": field})
    context = {
        "worker": worker,
        "form": form,
        "field": field,
        "field_label": PiiField(field).label,
        "masked": worker.id_number_masked if field == PiiField.ID_NUMBER else worker.phone_masked,
        "value": value,
    }
    template = "registry/_unmask.html" if is_htmx(request) else "registry/worker_unmask.html"
    return render(request, template, context)


# ---------------------------------------------------------------- writing


@login_required
@require_http_methods(["GET", "POST"])
def worker_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    form = WorkerCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if form.without_employment:
            registration = services.Registration(
                data=form.worker_data(), district=form.cleaned_data.get("district")
            )
        else:
            registration = services.Registration(
                data=form.worker_data(), employments=[form.employment_data()]
            )
        try:
            # The one-person path of the registration service, kept so that its warnings can be shown.
            (worker_id,) = services.workers_register(actor=request.user, registrations=[registration])
        except services.BulkValidationError as exc:
            add_service_errors(form, exc.by_index[0])
        else:
            worker = Worker.objects.get(pk=worker_id)
            messages.success(request, _("%(name)s has been registered.") % {"name": worker.name})
            _warn(request, registration.warnings)
            return _to_detail(worker)
    return render(request, "registry/worker_form.html", {"form": form, "worker": None})


@login_required
@require_http_methods(["GET", "POST"])
def worker_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    worker = selectors.worker_get(request.user, pk)
    form = WorkerEditForm(request.POST or None, worker=worker)
    if request.method == "POST" and form.is_valid():
        try:
            warnings = services.worker_update(actor=request.user, worker=worker, data=form.worker_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            _warn(request, warnings)
            return _to_detail(worker)
    return render(request, "registry/worker_form.html", {"form": form, "worker": worker})


@login_required
@require_http_methods(["GET", "POST"])
def worker_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    worker = selectors.worker_get(request.user, pk)
    current = next(
        (e for e in selectors.employments_of(worker) if e.end_date is None and not e.is_part_time), None
    )
    initial = {"post": current.post, "has_labour_contract": True} if current else {}
    form = TransferForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.worker_transfer(actor=request.user, worker=worker, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The transfer has been recorded."))
            return _to_detail(worker)
    context = {"form": form, "worker": worker, "current": current}
    return render(request, "registry/transfer_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def employment_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    worker = selectors.worker_get(request.user, pk)
    form = EmploymentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.employment_start(actor=request.user, worker=worker, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The period of employment has been added."))
            return _to_detail(worker)
    context = {"form": form, "worker": worker, "employment": None}
    return render(request, "registry/employment_form.html", context)


def _writable_employment(request: HttpRequest, pk: int) -> Employment:
    scope = require_write(request.user)
    employment = selectors.employment_get(request.user, pk)
    if not may_write_at(scope, employment.institution):
        raise Http404
    return employment


@login_required
@require_http_methods(["GET", "POST"])
def employment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    employment = _writable_employment(request, pk)
    initial = {
        "institution": str(employment.institution_id),
        "post": employment.post,
        "start_date": employment.start_date,
        "end_date": employment.end_date,
        "has_labour_contract": employment.has_labour_contract,
        "is_part_time": employment.is_part_time,
        "end_reason": employment.end_reason,
    }
    form = EmploymentForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.employment_update(actor=request.user, employment=employment, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The period of employment has been corrected."))
            return _to_detail(employment)
    context = {"form": form, "worker": employment.worker, "employment": employment}
    return render(request, "registry/employment_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def employment_end(request: HttpRequest, pk: int) -> HttpResponse:
    employment = _writable_employment(request, pk)
    form = EmploymentEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.employment_end(
                actor=request.user,
                employment=employment,
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["end_reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The period of employment has been ended."))
            return _to_detail(employment)
    context = {"form": form, "worker": employment.worker, "employment": employment}
    return render(request, "registry/employment_end.html", context)


@login_required
@require_http_methods(["POST"])
def worker_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, check or withdraw the verification (核验) of a worker's record."""
    worker = selectors.worker_get(request.user, pk)
    try:
        verification.worker_verify(actor=request.user, worker=worker, status=request.POST.get("verification"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The verification has been recorded."))
    return redirect("registry:worker_detail", pk=worker.pk)


@login_required
@require_http_methods(["POST"])
def employment_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, check or withdraw the verification (核验) of an employment period."""
    employment = selectors.employment_get(request.user, pk)
    try:
        verification.employment_verify(
            actor=request.user, employment=employment, status=request.POST.get("verification")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The verification has been recorded."))
    return redirect("registry:worker_detail", pk=employment.worker_id)


@login_required
@require_GET
@never_cache
def person_search(request: HttpRequest) -> JsonResponse:
    """The person pickers' list (static/careforce/site.js): masked rows of the people the user may choose
    matching `q` (name, pinyin or full ID number). Roles without a pool get 404."""
    scope = scope_of(request.user)
    if not (scope.is_area or scope.level in (Level.BASE, Level.BODY)):
        raise Http404
    text = request.GET.get("q", "")[:40]
    try:
        rows = selectors.person_search(request.user, text)
    except access.LookupRefused as refused:
        return JsonResponse({"items": [], "error": str(refused)}, status=429)
    return JsonResponse({"items": [selectors.person_row(w) for w in rows]})
