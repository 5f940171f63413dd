"""Pages of the credit evaluation and the dishonesty list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from careforce.conduct.views import is_authority
from careforce.core import access
from careforce.core.forms import add_service_errors
from careforce.core.paging import paginate
from careforce.core.scope import Level, scope_of
from careforce.core.views import page_or_fragment
from careforce.credit import selectors, services, sources
from careforce.credit.forms import CheckForm, ListingForm, RemovalForm
from careforce.credit.models import DishonestySituation
from careforce.registry.selectors import worker_get

HISTORY_ROWS = 20
HOME_NOTIFICATIONS = 5  # the latest unread ones on the home page; the rest are a link away


def _staff(request: HttpRequest) -> None:
    if not scope_of(request.user).is_area:
        raise Http404


@login_required
def methodology(request: HttpRequest) -> HttpResponse:
    """How the score is made: the rule in force (factors, caps, windows, bands) and earlier versions."""
    context = {
        "rule": selectors.rule_in_force(),
        "versions": list(selectors.rule_versions()[:10]),
        "missing": sources.missing_sources(),
        "situations": DishonestySituation.objects.all(),
    }
    return render(request, "credit/methodology.html", context)


def _explained(worker) -> dict:
    score = selectors.credit_of(worker)
    history = list(selectors.credit_history(worker)[:HISTORY_ROWS])
    return {
        "worker": worker,
        "explanation": selectors.explain(score) if score else None,
        "history": history,
        "listings": list(selectors.listings_of(worker)),
    }


@login_required
def worker_credit(request: HttpRequest, pk: int) -> HttpResponse:
    worker = worker_get(request.user, pk)
    return render(
        request,
        "credit/worker_credit.html",
        {**_explained(worker), "is_authority": is_authority(request.user)},
    )


def worker_section(request: HttpRequest, worker) -> dict | None:
    context = _explained(worker)
    context["history"] = context["history"][:5]
    context["is_authority"] = is_authority(request.user)
    return context


# ---------------------------------------------------------------- dishonesty list


@login_required
def listing_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    active = {"yes": True, "no": False}.get(request.GET.get("active", ""))
    page = paginate(request, selectors.listing_list(request.user, active=active))
    context = {
        "page": page,
        "active": request.GET.get("active", ""),
        "today": timezone.localdate(),
        "is_authority": is_authority(request.user),
    }
    return page_or_fragment(
        request, "credit/listing_list.html", {"results": "credit/_listing_table.html"}, context
    )


@login_required
@require_http_methods(["GET", "POST"])
def listing_create(request: HttpRequest) -> HttpResponse:
    services._require_authority(request.user)
    raw = request.GET.get("worker") or request.POST.get("worker")
    worker = worker_get(request.user, raw) if raw else None
    if worker is None:
        raise Http404
    initial = {
        "worker": worker.pk,
        "complaint": request.GET.get("complaint", ""),
        "penalty": request.GET.get("penalty", ""),
        "start_date": timezone.localdate(),
    }
    form = ListingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            listing = services.listing_create(actor=request.user, data=form.service_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s has been put on the dishonesty list.") % {"name": worker.name}
            )
            return redirect("credit:listing_detail", pk=listing.pk)
    return render(request, "credit/listing_form.html", {"form": form, "worker": worker})


@login_required
def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    listing = selectors.listing_get(request.user, pk)
    context = {
        "listing": listing,
        "removal_from": services.removal_allowed_from(listing),
        "overrides": list(listing.overrides.select_related("institution", "actor")),
        "is_authority": is_authority(request.user),
    }
    return render(request, "credit/listing_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def listing_remove(request: HttpRequest, pk: int) -> HttpResponse:
    services._require_authority(request.user)
    listing = selectors.listing_get(request.user, pk)
    form = RemovalForm(request.POST or None, initial={"removed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.listing_remove(actor=request.user, listing=listing, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The listing has been removed; it stays in the history."))
            return redirect("credit:listing_detail", pk=listing.pk)
    context = {"form": form, "listing": listing, "removal_from": services.removal_allowed_from(listing)}
    return render(request, "credit/listing_remove.html", context)


# ---------------------------------------------------------------- pre-employment check and notifications


@login_required
@require_http_methods(["GET", "POST"])
def pre_employment_check(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if not scope.can_write:
        raise Http404
    form = CheckForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.pre_employment_check(
                actor=request.user, id_number=form.cleaned_data["id_number"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except access.LookupRefused as exc:
            form.add_error("id_number", exc.message)
    log = paginate(request, selectors.checks_for(request.user))
    return render(request, "credit/check.html", {"form": form, "result": result, "log": log})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    unread = request.GET.get("unread") == "1"
    rows = (
        selectors.unread_notifications_for(request.user)
        if unread
        else selectors.notifications_for(request.user)
    )
    page = paginate(request, rows)
    return render(request, "credit/notifications.html", {"page": page, "unread": unread})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit() and len(i) < 16]
    marked = services.notifications_mark_read(actor=request.user, ids=ids)
    if marked:
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked as read.", "%(count)d notifications marked as read.", marked
            )
            % {"count": marked},
        )
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("credit:notifications")


def home_notifications(request: HttpRequest, scope) -> dict | None:
    """The home page's panel (registered in CreditConfig.ready()): the latest unread notifications of the
    user's district (the city's: all), with mark-as-read; hidden when nothing is unread."""
    if scope.level not in (Level.CITY, Level.DISTRICT):
        return None
    unread = selectors.unread_notifications_for(request.user)
    latest = list(unread[:HOME_NOTIFICATIONS])
    if not latest:
        return None
    total = len(latest) if len(latest) < HOME_NOTIFICATIONS else unread.count()
    return {"notifications": latest, "total": total, "more": total > len(latest)}


def queue_unread(request: HttpRequest, scope) -> tuple[int, str] | None:
    """The home work queue's item (registered in CreditConfig.ready()): unread notifications."""
    if scope.level not in (Level.CITY, Level.DISTRICT):
        return None
    count = selectors.unread_notifications_for(request.user).count()
    return count, reverse("credit:notifications") + "?unread=1"
