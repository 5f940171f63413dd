"""Pages of recognition: district figures, awards, competitions (entries, judges' draw, scores, results),
master studios and the household-registration list. Thin callers of services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careforce.core.forms import add_service_errors
from careforce.core.masking import mask_id_number
from careforce.core.paging import paginate
from careforce.core.scope import Level, can_unmask, require_write, scope_of
from careforce.recognition import exports, metrics, selectors, services
from careforce.recognition.forms import (
    AwardForm,
    CompetitionForm,
    DrawForm,
    EntrantForm,
    ReasonForm,
    SettlementForm,
    StudioForm,
    StudioMemberForm,
)
from careforce.recognition.models import CompetitionStatus
from careforce.registry.forms import clean_person
from careforce.registry.selectors import worker_get

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _viewer(request: HttpRequest) -> None:
    if scope_of(request.user).level not in (Level.CITY, Level.DISTRICT):
        raise Http404


def _manager(request: HttpRequest) -> None:
    # Before any form is read: a read-only official gets 404, not the form's messages.
    if require_write(request.user).level not in (Level.CITY, Level.DISTRICT):
        raise Http404


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    today = timezone.localdate()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year + 1 else today.year


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    year = _year(request)
    rows = metrics.figures_by_district(request.user, year)
    totals = {key: sum(r[key] for r in rows) for key in ("awards", "prizes", "studios", "settlement")}
    return render(request, "recognition/home.html", {"rows": rows, "totals": totals, "year": year})


def _form_page(request, form, title):
    return render(request, "recognition/form.html", {"form": form, "title": title})


@login_required
@require_GET
def award_list(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    page = paginate(request, selectors.awards_visible_to(request.user))
    return render(request, "recognition/award_list.html", {"page": page, "scope": scope_of(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def award_create(request: HttpRequest) -> HttpResponse:
    _manager(request)
    form = AwardForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid() and clean_person(form, request.user, "worker"):
        try:
            award = services.award_grant(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The award has been recorded."))
            return redirect("recognition:award_detail", pk=award.pk)
    return _form_page(request, form, _("Record an award"))


@login_required
@require_GET
def award_detail(request: HttpRequest, pk: int) -> HttpResponse:
    award = selectors.award_get(request.user, pk)
    return render(request, "recognition/award_detail.html", {"award": award})


@login_required
@require_GET
def competition_list(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    page = paginate(request, selectors.competitions_visible_to(request.user))
    return render(
        request, "recognition/competition_list.html", {"page": page, "scope": scope_of(request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def competition_create(request: HttpRequest) -> HttpResponse:
    _manager(request)
    form = CompetitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            competition = services.competition_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The competition has been created."))
            return redirect("recognition:competition_detail", pk=competition.pk)
    return _form_page(request, form, _("New skill competition"))


def _competition_page(request, competition, **forms) -> HttpResponse:
    scope = scope_of(request.user)
    may_manage = scope.can_write and services.may_manage(scope, competition.level, competition.district_id)
    entrants = list(selectors.competition_entrants(request.user, competition))
    judges = list(competition.judges_draw.picked.order_by("name")) if competition.judges_draw_id else []
    context = {
        "competition": competition,
        "entrants": [(e, mask_id_number(e.worker.id_region)) for e in entrants],
        "judges": judges,
        "may_manage": may_manage,
        "entrant_form": forms.get("entrant_form") or EntrantForm(),
        "draw_form": forms.get("draw_form") or DrawForm(initial={"count": 3}),
        "score_errors": forms.get("score_errors") or [],
        "Status": CompetitionStatus,
    }
    return render(request, "recognition/competition_detail.html", context)


@login_required
@require_GET
def competition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _competition_page(request, selectors.competition_get(request.user, pk))


@login_required
@require_POST
def competition_enter(request: HttpRequest, pk: int) -> HttpResponse:
    competition = selectors.competition_get(request.user, pk)
    _manager(request)
    form = EntrantForm(request.POST)
    if form.is_valid() and clean_person(form, request.user, "worker"):
        try:
            services.entrant_add(actor=request.user, competition=competition, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The worker has been entered."))
            return redirect("recognition:competition_detail", pk=pk)
    return _competition_page(request, competition, entrant_form=form)


@login_required
@require_POST
def competition_draw(request: HttpRequest, pk: int) -> HttpResponse:
    competition = selectors.competition_get(request.user, pk)
    _manager(request)
    form = DrawForm(request.POST)
    if form.is_valid():
        try:
            services.judges_draw(
                actor=request.user, competition=competition, count=form.cleaned_data["count"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The judges have been drawn."))
            return redirect("recognition:competition_detail", pk=pk)
    return _competition_page(request, competition, draw_form=form)


@login_required
@require_POST
def competition_scores(request: HttpRequest, pk: int) -> HttpResponse:
    competition = selectors.competition_get(request.user, pk)
    _manager(request)
    scores = {
        key.removeprefix("score_"): value for key, value in request.POST.items() if key.startswith("score_")
    }
    try:
        services.scores_enter(actor=request.user, competition=competition, scores=scores)
    except ValidationError as exc:
        return _competition_page(request, competition, score_errors=exc.messages)
    messages.success(request, _("The scores have been saved."))
    return redirect("recognition:competition_detail", pk=pk)


@login_required
@require_POST
def competition_publish(request: HttpRequest, pk: int) -> HttpResponse:
    competition = selectors.competition_get(request.user, pk)
    _manager(request)
    try:
        services.results_publish(actor=request.user, competition=competition)
    except ValidationError as exc:
        return _competition_page(request, competition, score_errors=exc.messages)
    messages.success(request, _("The results have been published."))
    return redirect("recognition:competition_detail", pk=pk)


@login_required
@require_GET
def studio_list(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    page = paginate(request, selectors.studios_visible_to(request.user))
    return render(request, "recognition/studio_list.html", {"page": page, "scope": scope_of(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def studio_create(request: HttpRequest) -> HttpResponse:
    _manager(request)
    form = StudioForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and clean_person(form, request.user, "leader"):
        try:
            studio = services.studio_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The studio has been recorded."))
            return redirect("recognition:studio_detail", pk=studio.pk)
    return _form_page(request, form, _("New master studio"))


def _studio_page(request, studio, form=None) -> HttpResponse:
    scope = scope_of(request.user)
    members = studio.members.select_related("worker").order_by("role", "-started_on")
    return render(
        request,
        "recognition/studio_detail.html",
        {
            "studio": studio,
            "members": members,
            "may_manage": scope.can_write,
            "form": form or StudioMemberForm(),
        },
    )


@login_required
@require_GET
def studio_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _studio_page(request, selectors.studio_get(request.user, pk))


@login_required
@require_POST
def studio_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    studio = selectors.studio_get(request.user, pk)
    _manager(request)
    form = StudioMemberForm(request.POST)
    if form.is_valid() and clean_person(form, request.user, "worker"):
        try:
            services.studio_member_add(actor=request.user, studio=studio, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Added to the studio."))
            return redirect("recognition:studio_detail", pk=pk)
    return _studio_page(request, studio, form)


@login_required
@require_POST
def studio_member_end(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.studio_member_get(request.user, pk)
    _manager(request)
    try:
        services.studio_member_end(
            actor=request.user, member=member, data={"ended_on": request.POST.get("ended_on")}
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The membership has ended."))
    return redirect("recognition:studio_detail", pk=member.studio_id)


@login_required
@require_http_methods(["GET", "POST"])
def settlement_list(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    form = SettlementForm(request.POST or None)
    if request.method == "POST":
        _manager(request)
        if form.is_valid() and clean_person(form, request.user, "worker"):
            try:
                services.settlement_flag(actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The worker has been added to the household-registration list."))
                return redirect("recognition:settlement_list")
    page = paginate(request, selectors.settlement_flags_visible_to(request.user))
    rows = [(flag, mask_id_number(flag.worker.id_region)) for flag in page.object_list]
    scope = scope_of(request.user)
    return render(
        request,
        "recognition/settlement_list.html",
        {
            "page": page,
            "rows": rows,
            "form": form,
            "may_manage": scope.can_write,
            "may_unmask": can_unmask(request.user),
            "reason_form": ReasonForm(),
            "min_level": services.settlement_min_level(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def settlement_export(request: HttpRequest) -> HttpResponse:
    """GET: the masked list. POST with a reason: full ID numbers for those who may unmask (logged)."""
    _viewer(request)
    reason = ""
    if request.method == "POST":
        if not can_unmask(request.user):
            raise Http404
        form = ReasonForm(request.POST)
        reason = form.data.get("reason", "")
        if not form.is_valid():
            messages.error(request, _("Say why you need the full ID numbers (for example 户籍办理)."))
            return redirect("recognition:settlement_list")
    try:
        book = exports.settlement_book(
            request.user, reason=reason, ip_address=request.META.get("REMOTE_ADDR")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("recognition:settlement_list")
    response = FileResponse(book, as_attachment=True, filename="settlement-list.xlsx", content_type=XLSX)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def settlement_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    flag = selectors.settlement_flag_get(request.user, pk)
    _manager(request)
    try:
        services.settlement_withdraw(actor=request.user, flag=flag, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The flag has been withdrawn."))
    return redirect("recognition:settlement_list")


def worker_section(request: HttpRequest, worker) -> dict | None:
    """The worker page's awards, prizes, studios and household-registration flag (worker already scoped)."""
    worker_get(request.user, worker.pk)
    found = selectors.worker_recognition(worker)
    if not any(found.values()):
        return None
    return found
