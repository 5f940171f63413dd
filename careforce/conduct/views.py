"""Pages of evaluations, complaints and penalties, and the public evaluation form (no login)."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from careforce.conduct import selectors, services
from careforce.conduct.forms import (
    ComplaintFilterForm,
    ComplaintForm,
    EvaluationForm,
    PenaltyForm,
    StaffEvaluationForm,
    TransitionForm,
)
from careforce.conduct.models import ComplaintStatus, ConductSettings
from careforce.core.forms import add_service_errors
from careforce.core.models import AuditEvent
from careforce.core.paging import paginate
from careforce.core.scope import Level, require_write, scope_of
from careforce.core.views import page_or_fragment
from careforce.institutions.selectors import institution_get
from careforce.registry.selectors import worker_get


def is_authority(user) -> bool:
    scope = scope_of(user)
    return scope.can_write and scope.level in (Level.CITY, Level.DISTRICT)


def _worker_from_query(request: HttpRequest):
    raw = request.GET.get("worker") or request.POST.get("worker")
    return worker_get(request.user, raw) if raw else None


# ---------------------------------------------------------------- complaints


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    if scope_of(request.user).level in (Level.NONE, Level.BASE, Level.BODY):
        raise Http404
    form = ComplaintFilterForm(request.GET or None)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    filters = selectors.ComplaintFilters(status=data.get("status") or None, overdue=bool(data.get("overdue")))
    page = paginate(request, selectors.complaint_list(request.user, filters))
    context = {
        "form": form,
        "page": page,
        "today": timezone.localdate(),
        "tab": "overdue" if filters.overdue else "complaints",
    }
    return page_or_fragment(
        request, "conduct/complaint_list.html", {"results": "conduct/_complaint_table.html"}, context
    )


@login_required
@require_http_methods(["GET", "POST"])
def complaint_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    worker = _worker_from_query(request)
    initial = {
        "worker": worker.pk if worker else "",
        "institution": str(worker.institution_id or "") if worker else "",
    }
    form = ComplaintForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_receive(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The complaint has been recorded."))
            return redirect("conduct:complaint_detail", pk=complaint.pk)
    return render(request, "conduct/complaint_form.html", {"form": form, "worker": worker})


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get(request.user, pk)
    history = AuditEvent.objects.filter(
        object_type="conduct.complaint", object_id=complaint.pk
    ).select_related("actor")
    context = {
        "complaint": complaint,
        "next_steps": services.TRANSITIONS[complaint.status] if is_authority(request.user) else (),
        "form": TransitionForm(initial={"on": timezone.localdate()}),
        "history": list(history[:50]),
        "penalties": list(complaint.penalties.all()),
        "is_authority": is_authority(request.user),
    }
    return render(request, "conduct/complaint_detail.html", context)


@login_required
@require_POST
def complaint_transition(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    complaint = selectors.complaint_get(request.user, pk)
    form = TransitionForm(request.POST)
    form.is_valid()
    try:
        services.complaint_transition(
            actor=request.user,
            complaint=complaint,
            to=request.POST.get("to"),
            note=form.cleaned_data.get("note", ""),
            on=form.cleaned_data.get("on"),
        )
    except ValidationError as exc:
        add_service_errors(form, exc, field_map={"to": "__all__"})
        context = {
            "complaint": complaint,
            "next_steps": services.TRANSITIONS[complaint.status],
            "form": form,
            "history": [],
            "penalties": list(complaint.penalties.all()),
            "is_authority": True,
        }
        return render(request, "conduct/complaint_detail.html", context, status=422)
    messages.success(request, _("The complaint's status has been changed."))
    return redirect("conduct:complaint_detail", pk=complaint.pk)


# ---------------------------------------------------------------- evaluations


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    if scope_of(request.user).level in (Level.NONE, Level.BASE, Level.BODY):
        raise Http404
    page = paginate(request, selectors.evaluation_list(request.user).order_by("-evaluated_on", "-id"))
    return page_or_fragment(
        request,
        "conduct/evaluation_list.html",
        {"results": "conduct/_evaluation_table.html"},
        {"page": page, "tab": "evaluations"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_create(request: HttpRequest) -> HttpResponse:
    require_write(request.user)
    worker = _worker_from_query(request)
    if worker is None:
        raise Http404
    form = StaffEvaluationForm(
        request.POST or None, initial={"worker": worker.pk, "evaluated_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.service_data(), "worker": worker.pk}
        try:
            services.evaluation_create(actor=request.user, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The evaluation has been recorded."))
            return redirect("registry:worker_detail", pk=worker.pk)
    return render(request, "conduct/evaluation_form.html", {"form": form, "worker": worker})


@login_required
def evaluation_link(request: HttpRequest, pk: int) -> HttpResponse:
    """The public link and QR code for families to evaluate this worker at their current institution."""
    require_write(request.user)
    worker = worker_get(request.user, pk)
    if worker.institution is None:
        raise Http404
    token = services.evaluation_link_token(worker=worker, institution=worker.institution)
    url = request.build_absolute_uri(reverse("conduct:public_evaluation", args=[token]))
    svg = segno.make(url, error="m").svg_inline(scale=4)
    context = {
        "worker": worker,
        "url": url,
        "qr_svg": svg,
        "days": ConductSettings.current().evaluation_link_days,
    }
    return render(request, "conduct/evaluation_link.html", context)


def masked_name(name: str) -> str:
    """张三丰 → 张**: the family recognises the carer; a passer-by with the link learns nothing more."""
    return (name[:1] + "*" * max(1, len(name) - 1)) if name else ""


def _rate_limited(request: HttpRequest) -> bool:
    limit = ConductSettings.current().public_evaluations_per_hour
    key = f"conduct:public-eval:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count > limit


@never_cache
@require_http_methods(["GET", "POST"])
def public_evaluation(request: HttpRequest, token: str) -> HttpResponse:
    worker, institution = services.evaluation_link_target(token)
    form = EvaluationForm(request.POST or None, initial={"evaluated_on": timezone.localdate()})
    done = False
    status = 200
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request):
            form.add_error(None, _("Too many evaluations from this connection; please try again later."))
            status = 429
        else:
            try:
                services.evaluation_submit_public(token=token, data=form.service_data())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                done = True
    context = {
        "form": form,
        "worker_display": masked_name(worker.name),
        "institution": institution,
        "done": done,
    }
    return render(request, "conduct/public_evaluation.html", context, status=status)


# ---------------------------------------------------------------- penalties


@login_required
def penalty_list(request: HttpRequest) -> HttpResponse:
    if scope_of(request.user).level in (Level.NONE, Level.BASE, Level.BODY):
        raise Http404
    page = paginate(request, selectors.penalty_list(request.user))
    return page_or_fragment(
        request,
        "conduct/penalty_list.html",
        {"results": "conduct/_penalty_table.html"},
        {"page": page, "tab": "penalties", "is_authority": is_authority(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def penalty_create(request: HttpRequest) -> HttpResponse:
    services.require_authority(request.user)
    worker = _worker_from_query(request)
    complaint_pk = request.GET.get("complaint") or request.POST.get("complaint") or ""
    complaint = selectors.complaint_get(request.user, complaint_pk) if complaint_pk else None
    if worker is None and complaint is not None:
        worker = complaint.worker
    initial = {
        "worker": worker.pk if worker else "",
        "complaint": complaint.pk if complaint else "",
        "decided_on": timezone.localdate(),
        "institution": str(complaint.institution_id or "") if complaint else "",
    }
    form = PenaltyForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            penalty = services.penalty_record(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The penalty has been recorded."))
            return redirect("conduct:penalty_detail", pk=penalty.pk)
    return render(
        request, "conduct/penalty_form.html", {"form": form, "worker": worker, "complaint": complaint}
    )


@login_required
def penalty_detail(request: HttpRequest, pk: int) -> HttpResponse:
    penalty = selectors.penalty_get(request.user, pk)
    return render(
        request,
        "conduct/penalty_detail.html",
        {"penalty": penalty, "is_authority": is_authority(request.user)},
    )


# ---------------------------------------------------------------- sections of the worker and institution pages


def worker_section(request: HttpRequest, worker) -> dict | None:
    scope = scope_of(request.user)
    context = selectors.conduct_of_worker(worker)
    context.update(
        worker=worker,
        can_write=scope.can_write,
        is_authority=is_authority(request.user),
        today=timezone.localdate(),
    )
    return context


HOME_OVERDUE = 5  # the complaints longest past their deadline on the home page; the rest are a link away


def home_overdue(request: HttpRequest, scope) -> dict | None:
    """The home page's panel (registered in ConductConfig.ready()): open complaints past their deadline in
    the user's scope, the longest overdue first; hidden when there are none."""
    if not scope.is_area:
        return None
    overdue = selectors.complaint_list(request.user, selectors.ComplaintFilters(overdue=True))
    oldest = list(overdue.order_by("deadline", "id")[:HOME_OVERDUE])
    if not oldest:
        return None
    total = len(oldest) if len(oldest) < HOME_OVERDUE else overdue.count()
    return {"complaints": oldest, "total": total, "today": timezone.localdate()}


def institution_section(request: HttpRequest, institution) -> dict | None:
    """The section loads its timeline by htmx after the page (no queries on the institution page itself)."""
    return {"institution": institution}


@login_required
def institution_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    institution = institution_get(request.user, pk)
    context = selectors.conduct_of_institution(institution)
    context.update(institution=institution, today=timezone.localdate(), statuses=ComplaintStatus)
    return render(request, "conduct/_timeline.html", {"ctx": context})


def queue_overdue(request: HttpRequest, scope) -> tuple[int, str] | None:
    """The home work queue's item (registered in ConductConfig.ready()): open complaints past their
    deadline (counted in working days) in the user's scope."""
    if not scope.is_area:
        return None
    count = selectors.complaint_list(request.user, selectors.ComplaintFilters(overdue=True)).count()
    return count, reverse("conduct:complaint_list") + "?overdue=on"
