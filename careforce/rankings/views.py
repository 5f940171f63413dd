"""Pages of the service-quality ranking: the public pages (published snapshots only, no login) and the
city administrators' pages to compute and publish."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from careforce.core.forms import add_service_errors
from careforce.core.paging import paginate
from careforce.rankings import selectors, services
from careforce.rankings.forms import ComputeForm

PUBLIC_PAGE_SIZE = 50


def public_list(request: HttpRequest) -> HttpResponse:
    snapshots = paginate(request, selectors.snapshots_published())
    return render(
        request, "rankings/public_list.html", {"page": snapshots, "method": selectors.method_in_use()}
    )


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = selectors.snapshot_get(pk)
    districts = selectors.snapshot_districts(snapshot)
    raw = request.GET.get("district", "")
    district = int(raw) if raw.isdigit() and len(raw) < 10 and int(raw) in dict(districts) else None
    rows = paginate(request, selectors.snapshot_rows(snapshot, district=district), per_page=PUBLIC_PAGE_SIZE)
    context = {"snapshot": snapshot, "districts": districts, "district": district, "page": rows}
    return render(request, "rankings/public_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ranking_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not selectors.may_manage(request.user):
        raise Http404
    if not selectors.may_manage(request.user) and not selectors.rankings_visible_to(request.user).exists():
        return redirect("rankings:public_list")
    today = timezone.localdate()
    form = ComputeForm(
        request.POST or None,
        initial={"period_kind": "quarter", "year": today.year, "number": (today.month - 1) // 3 + 1},
    )
    if request.method == "POST" and form.is_valid():
        try:
            ranking = services.ranking_compute(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The ranking has been computed; check it, then publish it."))
            return redirect("rankings:ranking_detail", pk=ranking.pk)
    page = paginate(request, selectors.rankings_visible_to(request.user))
    context = {
        "form": form,
        "page": page,
        "may_manage": selectors.may_manage(request.user),
        "method": selectors.method_in_use(),
    }
    return render(request, "rankings/ranking_list.html", context)


@login_required
def ranking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ranking = selectors.ranking_get(request.user, pk)
    rows = paginate(
        request, ranking.rows.order_by("rank_city", "institution_name", "id"), per_page=PUBLIC_PAGE_SIZE
    )
    published = getattr(ranking, "snapshot", None) if hasattr(ranking, "snapshot") else None
    context = {
        "ranking": ranking,
        "page": rows,
        "published": published,
        "may_manage": selectors.may_manage(request.user),
    }
    return render(request, "rankings/ranking_detail.html", context)


@login_required
@require_POST
def ranking_publish(request: HttpRequest, pk: int) -> HttpResponse:
    ranking = selectors.ranking_get(request.user, pk)
    try:
        snapshot = services.ranking_publish(actor=request.user, ranking=ranking)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("rankings:ranking_detail", pk=ranking.pk)
    messages.success(request, _("The ranking has been published; it will not change."))
    return redirect("rankings:public_detail", pk=snapshot.pk)


@login_required
@require_GET
def institution_scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    """An institution's scorecard: its places and factors in the latest published rankings, and its
    staffing now (compliant or the named shortfall, people counted, complete records). Scoped like the
    staffing pages: an institution outside the viewer's area answers 404."""
    from careforce.staffing.scorecard import institution_staffing

    staffing = institution_staffing(request.user, pk)
    context = {
        "institution": staffing.institution,
        "staffing": staffing,
        "rows": selectors.published_rows_of(staffing.institution.pk),
    }
    return render(request, "rankings/institution_scorecard.html", context)
