"""Pages of the specialist pools: members, joining and leaving, draws and their replay."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from careforce.core.forms import add_service_errors
from careforce.core.paging import paginate
from careforce.core.scope import Level, require_write, scope_of
from careforce.pools import selectors, services
from careforce.pools.forms import DrawForm, LeaveForm, MemberEditForm, MemberForm, RedrawForm
from careforce.pools.models import PoolKind
from careforce.registry.forms import clean_person


def _pool_viewer(request: HttpRequest) -> None:
    if scope_of(request.user).level not in (Level.CITY, Level.DISTRICT):
        raise Http404


def _pool_manager(request: HttpRequest) -> None:
    # Before any form is read: a read-only official gets 404, not the form's messages.
    if require_write(request.user).level not in (Level.CITY, Level.DISTRICT):
        raise Http404


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    _pool_viewer(request)
    pool = request.GET.get("pool") if request.GET.get("pool") in PoolKind.values else None
    page = paginate(request, selectors.member_list(request.user, pool=pool))
    return render(request, "pools/member_list.html", {"page": page, "pool": pool, "pools": PoolKind.choices})


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request: HttpRequest) -> HttpResponse:
    _pool_manager(request)
    form = MemberForm(request.POST or None, initial={"pool": request.GET.get("pool", "")})
    if request.method == "POST" and form.is_valid() and _person_or_none(form, request.user):
        try:
            member = services.member_join(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The member has joined the pool."))
            return redirect("pools:member_detail", pk=member.pk)
    return render(request, "pools/form.html", {"form": form, "title": _("Add a pool member")})


def _person_or_none(form, user) -> bool:
    """A member from the registry is chosen with the person picker; members outside it are named below."""
    return not form.cleaned_data.get("worker") or clean_person(form, user, "worker") is not None


def _edit_form(member, data=None) -> MemberEditForm:
    initial = {
        "qualifications": member.qualifications,
        "organisation": member.organisation,
        "employer": member.employer.uscc if member.employer_id else "",
    }
    return MemberEditForm(data, initial=initial, outsider=member.is_outside_registry)


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    can_manage = services.may_manage_member(scope_of(request.user), member) and member.is_current
    return render(
        request,
        "pools/member_detail.html",
        {
            "member": member,
            "form": LeaveForm() if can_manage else None,
            "edit_form": _edit_form(member) if can_manage else None,
        },
    )


@login_required
@require_POST
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    if not services.may_manage_member(scope_of(request.user), member):
        raise Http404
    form = _edit_form(member, request.POST)
    if form.is_valid():
        try:
            services.member_update(actor=request.user, member=member, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The member's details have been changed."))
            return redirect("pools:member_detail", pk=member.pk)
    return render(
        request,
        "pools/member_detail.html",
        {"member": member, "form": LeaveForm(), "edit_form": form},
        status=200,
    )


@login_required
@require_POST
def member_leave(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(request.user, pk)
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            services.member_leave(
                actor=request.user,
                member=member,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The member has left the pool."))
    return redirect("pools:member_detail", pk=member.pk)


@login_required
def draw_list(request: HttpRequest) -> HttpResponse:
    _pool_viewer(request)
    return render(
        request, "pools/draw_list.html", {"page": paginate(request, selectors.draws_visible_to(request.user))}
    )


@login_required
@require_http_methods(["GET", "POST"])
def draw_create(request: HttpRequest) -> HttpResponse:
    _pool_manager(request)
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draw = services.draw_make(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The draw has been made and recorded."))
            return redirect("pools:draw_detail", pk=draw.pk)
    return render(request, "pools/form.html", {"form": form, "title": _("Draw members for a task")})


def _draw_context(request: HttpRequest, draw, form: RedrawForm | None = None) -> dict:
    _replayed, matches = services.draw_replay(draw)
    first = draw.first
    return {
        "draw": draw,
        "picked": draw.picked.select_related("district").order_by("pk"),
        "subjects": draw.subject_institutions.all(),
        "matches": matches,
        # The task's first draw and every redraw, in order: each one recorded beside the first.
        "task_draws": [first, *first.redraws.select_related("drawn_by").order_by("sequence")],
        "may_redraw": services.may_redraw(scope_of(request.user), draw),
        "redraw_form": form or RedrawForm(),
    }


@login_required
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = selectors.draw_get(request.user, pk)
    return render(request, "pools/draw_detail.html", _draw_context(request, draw))


@login_required
@require_POST
def draw_redraw(request: HttpRequest, pk: int) -> HttpResponse:
    _pool_manager(request)
    draw = selectors.draw_get(request.user, pk)
    form = RedrawForm(request.POST)
    if form.is_valid():
        try:
            again = services.draw_redraw(actor=request.user, draw=draw, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The task has been drawn again; the redraw is recorded beside the first draw.")
            )
            return redirect("pools:draw_detail", pk=again.pk)
    return render(request, "pools/draw_detail.html", _draw_context(request, draw, form))
