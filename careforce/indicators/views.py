"""Pages of the dashboard and supervision (数据看板/督导): thin callers of the selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from careforce.core.extensions import DASHBOARD_SECTIONS, render_sections
from careforce.core.forms import add_service_errors
from careforce.core.models import District
from careforce.core.paging import paginate
from careforce.core.scope import Level
from careforce.core.views import is_htmx, page_or_fragment
from careforce.indicators import definitions, selectors, services, tables
from careforce.indicators.exports import Sheet, xlsx_response
from careforce.indicators.forms import OlderPopulationForm, ReportForm, SharesForm, TargetForm
from careforce.indicators.models import OlderPopulation, Target

NAME_MAP = {"梁平县": "梁平区", "武隆县": "武隆区"}


def _map_rows(ranking: list[dict]) -> list[dict]:
    return [
        {
            "name": row["district"].name,
            "value": float(row["value"]) if row["value"] is not None else None,
            "rank": row["rank"],
            "url": f"/indicators/districts/{row['district'].pk}/" if row["can_drill"] else "",
        }
        for row in ranking
    ]


def _charts(data: dict) -> None:
    """Chart data beside the tables: a sparkline per indicator, the structure charts, the map."""
    for reading in data["readings"]:
        reading.spark = {"months": reading.months, "values": reading.sparkline}
    structure = data["structure"]
    charts = {
        key: {
            "labels": [label for _v, label, _n in structure[key]],
            "values": [n for _v, _l, n in structure[key]],
        }
        for key in selectors.STRUCTURE_TITLES
    }
    charts["pyramid"] = {
        "bands": [band for band, _m, _f in structure["pyramid"]],
        "males": [m for _b, m, _f in structure["pyramid"]],
        "females": [f for _b, _m, f in structure["pyramid"]],
        "male": _("Male"),
        "female": _("Female"),
    }
    charts["flows"] = {
        "months": [month for month, _j, _l in structure["flows"]],
        "joins": [j for _m, j, _l in structure["flows"]],
        "leaves": [leave for _m, _j, leave in structure["flows"]],
        "joins_label": _("Joins"),
        "leaves_label": _("Leaves"),
    }
    data["charts"] = charts
    data["structure_tables"] = [
        (key, sheet, charts.get(key), "pyramid" if key == "pyramid" else "flows" if key == "flows" else "bar")
        for key, sheet in tables.structure_sheets(structure)
    ]
    if "ranking" in data:
        data["map"] = {
            "rows": _map_rows(data["ranking"]),
            "name_map": NAME_MAP,
            "higher_is_better": data["chosen"].higher_is_better,
            "no_data": _("No data"),
        }


def _pick(request: HttpRequest, pairs: list[tuple[str, Sheet]], filename: str) -> HttpResponse:
    """The page's tables as one workbook, or only ?table=<key>."""
    wanted = request.GET.get("table")
    chosen = [sheet for key, sheet in pairs if not wanted or key == wanted]
    if not chosen:
        raise Http404
    suffix = f"-{wanted}" if wanted else ""
    return xlsx_response(chosen, f"{filename}{suffix}")


# ---------------------------------------------------------------- city overview


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = selectors.dashboard_scope(request.user)
    if scope.level == Level.INSTITUTION:
        return redirect("indicators:institution", pk=scope.institution_id)
    if scope.level == Level.DISTRICT and request.GET.get("view") != "city" and not is_htmx(request):
        # A district official's dashboard is the district's; the city aggregate is one click away.
        return redirect("indicators:district", pk=scope.district_id)
    data = selectors.overview(request.user, request.GET.get("indicator"))
    data["indicators"] = selectors.district_indicators()
    _charts(data)
    data["own_district"] = (
        District.objects.filter(pk=scope.district_id).first() if scope.district_id else None
    )
    data["sections"] = render_sections(DASHBOARD_SECTIONS, request, None)
    return page_or_fragment(
        request, "indicators/overview.html", {"by-district": "indicators/_by_district.html"}, data
    )


def _overview_sheets(data: dict) -> list[tuple[str, Sheet]]:
    return [
        ("indicators", tables.indicators_sheet(data["readings"], _("Indicators"))),
        ("trend", tables.trend_sheet(data["readings"])),
        ("by_district", tables.ranking_sheet(data["chosen"], data["ranking"])),
        *tables.structure_sheets(data["structure"]),
    ]


@login_required
def overview_export(request: HttpRequest) -> HttpResponse:
    data = selectors.overview(request.user, request.GET.get("indicator"))
    return _pick(request, _overview_sheets(data), f"dashboard-{selectors.current_period()}")


# ---------------------------------------------------------------- district and institution drill-down


@login_required
def district(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.district_view(
        request.user, pk, request.GET.get("indicator"), page=request.GET.get("page", 1)
    )
    _charts(data)
    page = data["institutions_page"]
    query = request.GET.copy()
    query.pop("page", None)
    base = query.urlencode()
    page["prev"] = f"?{base}&page={page['number'] - 1}" if page["number"] > 1 else ""
    page["next"] = f"?{base}&page={page['number'] + 1}" if page["number"] < page["pages"] else ""
    for row in page["rows"]:
        row["workers_url"] = selectors.records_url(
            None, data["scope"], district_id=data["district"].pk, institution_id=row["id"]
        )
    data["sections"] = render_sections(DASHBOARD_SECTIONS, request, data["district"])
    return render(request, "indicators/district.html", data)


@login_required
def district_export(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.district_view(request.user, pk, request.GET.get("indicator"))
    pairs = [
        ("indicators", tables.indicators_sheet(data["readings"], data["district"].name)),
        ("trend", tables.trend_sheet(data["readings"])),
        ("institutions", tables.institutions_sheet(data["institutions"])),
        *tables.structure_sheets(data["structure"]),
    ]
    return _pick(request, pairs, f"district-{data['district'].code}-{selectors.current_period()}")


@login_required
def institution(request: HttpRequest, pk: int) -> HttpResponse:
    data = selectors.institution_view(request.user, pk)
    return render(request, "indicators/institution.html", data)


# ---------------------------------------------------------------- supervision


@login_required
def scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    card = selectors.scorecard(request.user, pk)
    scope = selectors.dashboard_scope(request.user)
    context = {"card": card, "can_generate": scope.can_write, "district_id": card["district"]["id"]}
    return render(request, "indicators/scorecard.html", context)


@login_required
def scorecard_export(request: HttpRequest, pk: int) -> HttpResponse:
    card = selectors.scorecard(request.user, pk)
    return xlsx_response(
        tables.scorecard_sheets(card), f"scorecard-{card['district']['code']}-{card['period']}"
    )


@login_required
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    scope = selectors.dashboard_scope(request.user)
    if scope.level == Level.INSTITUTION:
        raise Http404
    form = ReportForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not scope.can_write:
            raise Http404
        if form.is_valid():
            try:
                report = services.report_generate(actor=request.user, district=form.cleaned_data["district"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The report has been generated and stored."))
                return redirect("indicators:report", pk=report.pk)
    page = paginate(request, selectors.reports_visible_to(request.user))
    return render(
        request, "indicators/reports.html", {"form": form, "page": page, "can_generate": scope.can_write}
    )


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(request.user, pk)
    return render(request, "indicators/report.html", {"report": report, "content": report.content})


@login_required
def report_export(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(request.user, pk)
    content = report.content
    sheets: list[Sheet] = []
    if content.get("city"):
        sheets.append(
            Sheet(
                _("City"),
                [_("Indicator"), _("Value"), _("Unit"), _("Target"), _("Due"), _("Status")],
                [
                    [r["label"], r["value"], r["unit"], r["target"], r["target_due"] or "", r["status_label"]]
                    for r in content["city"]
                ],
            )
        )
    for card in content.get("scorecards", []):
        sheets.extend(tables.scorecard_sheets(card))
    name = report.district.code if report.district_id else "city"
    return xlsx_response(sheets, f"report-{name}-{report.period}-{report.pk}")


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The frozen report as a PDF, drawn from its stored content (the same bytes every time)."""
    from careforce.indicators.pdf import report_pdf as render_pdf

    report = selectors.report_get(request.user, pk)
    response = HttpResponse(render_pdf(report), content_type="application/pdf")
    name = report.district.code if report.district_id else "city"
    response["Content-Disposition"] = f'attachment; filename="report-{name}-{report.period}-{report.pk}.pdf"'
    return response


# ---------------------------------------------------------------- targets (configuration as data)


@login_required
@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest) -> HttpResponse:
    scope = selectors.dashboard_scope(request.user)
    if scope.level == Level.INSTITUTION:
        raise Http404
    rows = list(selectors.targets_visible_to(request.user))
    for row in rows:
        indicator = definitions.REGISTRY.get(row.indicator)
        row.indicator_label = indicator.label if indicator else row.indicator
        row.available = bool(indicator and indicator.available())
    city_admin = scope.level == Level.CITY and scope.can_write
    form = OlderPopulationForm(request.POST or None) if city_admin else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.older_population_set(actor=request.user, **form.service_data())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The older population has been recorded."))
                return redirect("indicators:targets")
    populations = OlderPopulation.objects.select_related("district").order_by("district__sort_order", "-year")
    context = {"targets": rows, "can_edit": city_admin, "form": form, "populations": populations}
    return render(request, "indicators/targets.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def target_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scope = selectors.dashboard_scope(request.user)
    if not (scope.level == Level.CITY and scope.can_write):
        raise Http404
    try:
        target = Target.objects.select_related("district").get(pk=pk)
    except Target.DoesNotExist:
        raise Http404 from None
    form = TargetForm(request.POST or None, instance=target, prefix="t")
    shares = (
        SharesForm(request.POST or None, target=target, prefix="s") if target.district_id is None else None
    )
    if request.method == "POST" and form.is_valid() and (shares is None or shares.is_valid()):
        try:
            services.target_update(actor=request.user, target=target, data=form.service_data())
            if shares is not None:
                services.target_shares_set(actor=request.user, target=target, shares=shares.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The target has been saved."))
            return redirect("indicators:targets")
    indicator = definitions.REGISTRY.get(target.indicator)
    return render(
        request,
        "indicators/target_form.html",
        {"form": form, "shares": shares, "target": target, "indicator": indicator},
    )
