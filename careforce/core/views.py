"""The home page (工作台) and the personal-data access log (访问日志)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers

from careforce.core.extensions import HOME_SECTIONS, queue_for, render_sections
from careforce.core.forms import AccessLogFilterForm, ReadLogFilterForm
from careforce.core.paging import paginate
from careforce.core.scope import Level, scope_of
from careforce.core.selectors import access_log_visible_to, read_log_visible_to
from careforce.institutions.selectors import institutions_visible_to
from careforce.registry.selectors import workers_visible_to


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def page_or_fragment(
    request: HttpRequest, page_template: str, fragments: dict[str, str], context: dict
) -> HttpResponse:
    """The whole page, or for an htmx request aimed at one of `fragments` ({target id: template}) just that
    part. The same URL answers both ways, so caches are told the answer varies with the htmx headers."""
    template = page_template
    if is_htmx(request):
        template = fragments.get(request.headers.get("HX-Target", ""), page_template)
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The work queue (工作台): what needs action today in the user's scope, each item a count linking to
    the list filtered to those records; then the headline figures, by the dashboard's own definitions."""
    user = request.user
    scope = scope_of(user)
    if scope.level == Level.SELF:
        return redirect("registry:worker_detail", pk=user.worker_id)
    from careforce.indicators.selectors import home_context, home_figures  # indicators reads every app

    context = {
        "queue": queue_for(request, scope),
        "registry_workers": home_figures(user, home_context(request)),
        "records_total": workers_visible_to(user).count(),
        "institutions_total": institutions_visible_to(user).count(),
        # Panels other capabilities register (what waits for this user), each read through its own scope.
        "sections": render_sections(HOME_SECTIONS, request, scope),
    }
    return render(request, "core/home.html", context)


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    rows = access_log_visible_to(request.user)
    form = AccessLogFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["date_from"]:
            rows = rows.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            rows = rows.filter(at__date__lte=data["date_to"])
        if data["viewer"]:
            rows = rows.filter(actor=data["viewer"])
    context = {"form": form, "page": paginate(request, rows)}
    return page_or_fragment(
        request, "core/access_log.html", {"results": "core/_access_log_table.html"}, context
    )


@login_required
def read_log(request: HttpRequest) -> HttpResponse:
    """The access log of reads: who viewed or unmasked whose record, and every full-identifier lookup."""
    rows = read_log_visible_to(request.user)
    form = ReadLogFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["date_from"]:
            rows = rows.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            rows = rows.filter(at__date__lte=data["date_to"])
        if data["worker"]:
            rows = rows.filter(worker_id=data["worker"])
        if data["kind"]:
            rows = rows.filter(kind=data["kind"])
    context = {"form": form, "page": paginate(request, rows)}
    return page_or_fragment(request, "core/read_log.html", {"results": "core/_read_log_table.html"}, context)
