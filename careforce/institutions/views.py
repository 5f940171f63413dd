"""Pages of the care institutions (养老机构). Reads through the scoped selectors, writes through the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from careforce.core.extensions import INSTITUTION_SECTIONS, render_sections
from careforce.core.forms import add_service_errors
from careforce.core.models import AuditEvent
from careforce.core.paging import paginate
from careforce.core.scope import Level, require_write
from careforce.core.views import page_or_fragment
from careforce.institutions import selectors, services
from careforce.institutions.forms import InstitutionFilterForm, InstitutionForm
from careforce.institutions.models import Institution
from careforce.registry.selectors import WorkerFilters, worker_list

HISTORY_PAGE_SIZE = 20


@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    form = InstitutionFilterForm(request.GET or None, user=request.user)
    page = paginate(request, selectors.institution_list(request.user, **form.filters()))
    context = {"form": form, "page": page}
    return page_or_fragment(
        request,
        "institutions/institution_list.html",
        {"results": "institutions/_institution_table.html"},
        context,
    )


def _history(institution: Institution):
    return (
        AuditEvent.objects.filter(institution_id=institution.pk, object_type="institutions.institution")
        .select_related("actor")
        .order_by("-at", "-id")
    )


@login_required
def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    institution = selectors.institution_get(request.user, pk)
    context = {
        "institution": institution,
        "staff": paginate(
            request, worker_list(request.user, WorkerFilters(institution=institution.pk, active=True))
        ),
        "history": paginate(request, _history(institution), param="history_page", per_page=HISTORY_PAGE_SIZE),
        "sections": render_sections(INSTITUTION_SECTIONS, request, institution),
    }
    fragments = {
        "staff": "institutions/_staff_table.html",
        "history": "institutions/_institution_history.html",
    }
    return page_or_fragment(request, "institutions/institution_detail.html", fragments, context)


@login_required
@require_http_methods(["GET", "POST"])
def institution_create(request: HttpRequest) -> HttpResponse:
    scope = require_write(request.user)
    if scope.level == Level.INSTITUTION:
        raise Http404
    form = InstitutionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.institution_create(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s has been registered.") % {"name": institution.name})
            return redirect("institutions:institution_detail", pk=institution.pk)
    return render(request, "institutions/institution_form.html", {"form": form, "institution": None})


@login_required
@require_http_methods(["GET", "POST"])
def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    institution = selectors.institution_get(request.user, pk)
    form = InstitutionForm(request.POST or None, user=request.user, instance=institution)
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_update(actor=request.user, institution=institution, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes have been saved."))
            return redirect("institutions:institution_detail", pk=institution.pk)
    return render(request, "institutions/institution_form.html", {"form": form, "institution": institution})
