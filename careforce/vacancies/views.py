"""Pages of vacancies and trainee posts, job seekers and hires, and the dashboard card."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from careforce.core.forms import add_service_errors
from careforce.core.paging import paginate
from careforce.core.scope import Level, require_write, scope_of
from careforce.vacancies import selectors, services
from careforce.vacancies.forms import HireForm, SeekerForm, VacancyForm

STAFF = (Level.CITY, Level.DISTRICT, Level.INSTITUTION)


def _staff(request: HttpRequest) -> None:
    if scope_of(request.user).level not in STAFF:
        raise Http404


def _rows(vacancies, today) -> list[dict]:
    return [{"v": v, "status": selectors.shown_status(v, today)} for v in vacancies]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _staff(request)
    scope = scope_of(request.user)
    qs = selectors.vacancies_visible_to(request.user).order_by("-id")
    page = paginate(request, qs)
    return render(
        request,
        "vacancies/home.html",
        {
            "page": page,
            "rows": _rows(page, timezone.localdate()),
            "figures": selectors.district_figures(request.user),
            "can_write": scope.can_write,
            "is_bureau": scope.level in (Level.CITY, Level.DISTRICT),
        },
    )


def home_card(request: HttpRequest, scope) -> dict | None:
    """The dashboard card: open vacancies, filled posts and hires by key group, summed over the scope."""
    if scope.level not in STAFF:
        return None
    figures = selectors.district_figures(request.user)
    groups: dict[str, dict] = {}
    for row in figures:
        for group in row["by_group"]:
            item = groups.setdefault(group["source_channel"], {"label": group["label"], "hires": 0})
            item["hires"] += group["hires"]
    return {
        "open_vacancies": sum(r["open_vacancies"] for r in figures),
        "open_posts": sum(r["open_posts"] for r in figures),
        "filled": sum(r["filled"] for r in figures),
        "groups": list(groups.values()),
    }


def dashboard_card(request: HttpRequest, district) -> dict | None:
    """The data dashboard's panel: the district table (city view) or the district's own row."""
    if scope_of(request.user).level not in STAFF:
        return None
    rows = selectors.district_figures(request.user)
    if district is not None:
        rows = [row for row in rows if row["district_id"] == district.pk]
    return {"rows": rows}


@login_required
@require_http_methods(["GET", "POST"])
def vacancy_create(request: HttpRequest) -> HttpResponse:
    if require_write(request.user).level not in STAFF:
        raise Http404
    form = VacancyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vacancy = services.vacancy_publish(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Vacancy published."))
            return redirect("vacancies:vacancy_detail", vacancy.pk)
    return render(request, "vacancies/form.html", {"form": form, "title": _("Publish a vacancy")})


@login_required
def vacancy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = selectors.vacancy_get(request.user, pk)
    scope = scope_of(request.user)
    may_manage = services.may_manage_vacancy(scope, vacancy)
    return render(
        request,
        "vacancies/vacancy_detail.html",
        {
            "vacancy": vacancy,
            "status": selectors.shown_status(vacancy),
            "live": selectors.is_live(vacancy),
            "matches": list(selectors.matches(vacancy)[:100]),
            "hires": vacancy.hires.select_related("seeker", "worker"),
            "may_manage": may_manage,
            "hire_form": HireForm(initial={"start_date": timezone.localdate().isoformat()})
            if may_manage
            else None,
        },
    )


@login_required
@require_POST
def vacancy_close(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = selectors.vacancy_get(request.user, pk)
    try:
        services.vacancy_close(actor=request.user, vacancy=vacancy)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Vacancy closed."))
    return redirect("vacancies:vacancy_detail", vacancy.pk)


@login_required
@require_POST
def vacancy_hire(request: HttpRequest, pk: int) -> HttpResponse:
    vacancy = selectors.vacancy_get(request.user, pk)
    if not services.may_manage_vacancy(scope_of(request.user), vacancy):
        raise Http404
    form = HireForm(request.POST)
    seeker = None
    if form.is_valid():
        seeker = selectors.matches(vacancy).filter(pk=form.cleaned_data["seeker"]).first()
    if seeker is None:
        messages.error(request, _("This job seeker does not match the vacancy or is no longer seeking."))
        return redirect("vacancies:vacancy_detail", vacancy.pk)
    try:
        hire = services.hire(
            actor=request.user,
            vacancy=vacancy,
            seeker=seeker,
            data={
                "start_date": form.cleaned_data.get("start_date"),
                "override_reason": request.POST.get("override_reason", ""),
            },
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(name)s hired; the worker record is in the registry.") % {"name": hire.worker.name}
        )
    return redirect("vacancies:vacancy_detail", vacancy.pk)


@login_required
def seeker_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    scope = scope_of(request.user)
    qs = selectors.seekers_visible_to(request.user).order_by("-id")
    return render(
        request,
        "vacancies/seeker_list.html",
        {
            "page": paginate(request, qs),
            "is_bureau": scope.can_write and scope.level in (Level.CITY, Level.DISTRICT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def seeker_create(request: HttpRequest) -> HttpResponse:
    if require_write(request.user).level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    form = SeekerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            seeker = services.seeker_register(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"wanted_post": "wanted_post"})
        else:
            messages.success(request, _("Job seeker registered."))
            return redirect("vacancies:seeker_detail", seeker.pk)
    return render(
        request,
        "vacancies/seeker_form.html",
        {"form": form, "title": _("Register a job seeker"), "consent": services.current_consent()},
    )


@login_required
def seeker_detail(request: HttpRequest, pk: int) -> HttpResponse:
    seeker = selectors.seeker_get(request.user, pk)
    return render(
        request,
        "vacancies/seeker_detail.html",
        {
            "seeker": seeker,
            "vacancies": selectors.vacancies_for_seeker(request.user, seeker),
            "may_withdraw": services.may_manage_seeker(scope_of(request.user), seeker)
            and not seeker.is_erased,
        },
    )


@login_required
@require_POST
def seeker_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    seeker = selectors.seeker_get(request.user, pk)
    if not services.may_manage_seeker(scope_of(request.user), seeker):
        raise Http404
    try:
        services.seeker_withdraw_consent(actor=request.user, seeker=seeker)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Consent withdrawn; the personal data has been erased."))
    return redirect("vacancies:seeker_detail", seeker.pk)
