"""Staffing pages: thin callers of the staffing selectors and services."""

from __future__ import annotations

import math

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careforce.core.forms import add_service_errors
from careforce.core.models import District
from careforce.core.paging import CappedPage, page_number, paginate
from careforce.core.scope import Level
from careforce.indicators.selectors import dashboard_scope, sees_district
from careforce.indicators.views import NAME_MAP
from careforce.staffing import population, selectors, services
from careforce.staffing.forms import PopulationLevelsForm, ScenarioForm, SettingsForm
from careforce.staffing.models import POPULATION_LEVEL_FIELDS


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request.user)
    if scope.level == Level.INSTITUTION:
        return redirect("staffing:institution_detail", scope.institution_id)
    data = selectors.overview(request.user)
    settings = selectors.settings()
    if selectors.can_edit(scope):
        data["settings_form"] = SettingsForm(
            initial={
                "completeness_threshold": settings.completeness_threshold,
                "part_time_weight": settings.part_time_weight,
                "public_unit_professional_share": settings.public_unit_professional_share,
                "insurance_required": settings.insurance_required,
                "insurance_kind": settings.insurance_kind,
                "source": settings.source,
            }
        )
    data["settings"] = settings
    return render(request, "staffing/home.html", data)


@login_required
@require_POST
def settings_edit(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request.user)
    if not selectors.can_edit(scope):
        raise Http404
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            services.settings_update(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The staffing settings have been saved."))
            return redirect("staffing:home")
    data = selectors.overview(request.user)
    data.update(settings_form=form, settings=selectors.settings())
    return render(request, "staffing/home.html", data, status=400)


def _page_of_rows(request: HttpRequest, rows: list) -> CappedPage:
    """A page of rows already worked out (the totals above the table need every one): rendering 1,759
    institutions' rows cost more than working them out, so the table shows a page at a time."""
    per_page = django_settings.LIST_PAGE_SIZE
    last = max(1, math.ceil(len(rows) / per_page))
    number = min(page_number(request.GET.get("page", 1)), last)
    offset = (number - 1) * per_page
    return CappedPage(
        object_list=rows[offset : offset + per_page],
        number=number,
        per_page=per_page,
        has_next=number < last,
        total=len(rows),
        cap=max(len(rows), django_settings.LIST_COUNT_CAP),
        query=request.GET.copy(),
    )


@login_required
@require_GET
def district_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.district_detail(request.user, pk)
    data["settings"] = selectors.settings()
    data["page"] = _page_of_rows(request, data["rows"])
    return render(request, "staffing/district.html", data)


@login_required
@require_GET
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.institution_detail(request.user, pk)
    page = paginate(request, selectors.incomplete_records(data["institution"]))
    for worker in page:
        worker.lacks = selectors.lacks(worker)
    data["page"] = page
    data["settings"] = selectors.settings()
    return render(request, "staffing/institution.html", data)


@login_required
@require_http_methods(["GET", "POST"])
def projection(request: HttpRequest) -> HttpResponse:
    scope = dashboard_scope(request.user)
    scenario = selectors.current_scenario()
    form = None
    if selectors.can_edit(scope):
        form = ScenarioForm(
            request.POST or None,
            initial={name: getattr(scenario, name) for name in services.SCENARIO_FIELDS},
        )
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.scenario_update(actor=request.user, data=form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The scenario has been saved."))
                return redirect("staffing:projection")
    data = selectors.projection(request.user)
    data["form"] = form
    # The dashboard's district map (indicators/dashboard.js), coloured by the 2027 gap.
    data["map"] = {
        "rows": [
            {
                "name": row.district.name,
                "value": None if row.years[2027]["gap"] is None else float(row.years[2027]["gap"]),
                "rank": None,
                "url": reverse("staffing:district_detail", args=[row.district.pk]) if row.can_open else "",
            }
            for row in data["rows"]
        ],
        "name_map": NAME_MAP,
        "higher_is_better": False,
        "no_data": _("No data"),
    }
    return render(request, "staffing/projection.html", data)


@login_required
@require_GET
def posts(request: HttpRequest) -> HttpResponse:
    dashboard_scope(request.user)
    return render(request, "staffing/posts.html", {"posts": selectors.catalogue()})


@login_required
@require_http_methods(["GET", "POST"])
def population_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One older-population figure with its ability levels; city administrators edit the levels."""
    figure = population.population_get(request.user, pk)
    editable = selectors.can_edit(dashboard_scope(request.user))
    if request.method == "POST" and not editable:
        raise Http404
    initial = {name: "" if v is None else v for name, v in figure.levels.items()}
    initial["source"] = figure.levels_source
    form = PopulationLevelsForm(request.POST or None, initial=initial) if editable else None
    if form is not None and request.method == "POST" and form.is_valid():
        # An empty field is "no data": every level is sent, so that clearing one records no data.
        try:
            services.population_levels_set(
                actor=request.user, population=figure.population, data=form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The older population by ability level has been saved."))
            return redirect("staffing:population_detail", pk=figure.population.pk)
    levels = [(label, header, figure.levels[name]) for name, label, header in POPULATION_LEVEL_FIELDS]
    status = 400 if form is not None and form.is_bound and form.errors else 200
    context = {"figure": figure, "levels": levels, "form": form}
    return render(request, "staffing/population.html", context, status=status)


@login_required
@require_GET
def population_list(request: HttpRequest) -> HttpResponse:
    """Every district's newest older-population figure with its ability levels (no data where none)."""
    scope = dashboard_scope(request.user)
    if scope.level == Level.INSTITUTION:
        raise Http404
    figures = population.older_population_by_level()
    rows = [
        (district, figures.get(district.pk), sees_district(scope, district.pk))
        for district in District.objects.order_by("sort_order", "code")
    ]
    context = {
        "city": figures.get(None) if scope.level == Level.CITY else None,
        "rows": rows,
        "level_labels": [(label, header) for _name, label, header in POPULATION_LEVEL_FIELDS],
        "level_keys": [name for name, _label, _header in POPULATION_LEVEL_FIELDS],
        "can_import": selectors.can_edit(scope),
    }
    return render(request, "staffing/population_list.html", context)
