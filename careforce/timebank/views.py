"""Pages of the time bank: the district and site desk, volunteers, records, orders, and a volunteer's own
phone view (balance, statement, services received, relatives)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from careforce.core.forms import add_service_errors
from careforce.core.paging import paginate
from careforce.core.scope import Level, require_write, scope_of
from careforce.registry.forms import clean_person
from careforce.timebank import expiry, selectors, services, sheets
from careforce.timebank.forms import (
    HoursForm,
    ImportForm,
    OrderForm,
    RecordForm,
    RejectForm,
    RelativeForm,
    RewardForm,
    SiteForm,
    VolunteerForm,
)
from careforce.timebank.models import OrderStatus, RecordStatus, Unit

OFFICIAL_LEVELS = (Level.CITY, Level.DISTRICT, Level.INSTITUTION)


def _official(request: HttpRequest) -> None:
    if scope_of(request.user).level not in OFFICIAL_LEVELS:
        raise Http404


def _writer(request: HttpRequest, levels=OFFICIAL_LEVELS) -> None:
    if require_write(request.user).level not in levels:
        raise Http404


@login_required
def home(request: HttpRequest) -> HttpResponse:
    _official(request)
    sites = selectors.sites_run_by(request.user)
    context = {
        "figures": selectors.district_figures(request.user),
        "to_verify": selectors.records_visible_to(request.user)
        .filter(status=RecordStatus.SUBMITTED, site__in=sites)
        .count(),
        "to_check": selectors.records_visible_to(request.user)
        .filter(status=RecordStatus.DISTRICT_CHECK)
        .count()
        if scope_of(request.user).level in (Level.CITY, Level.DISTRICT)
        else 0,
        "open_orders": selectors.orders_visible_to(request.user)
        .filter(status__in=[OrderStatus.REQUESTED, OrderStatus.DELIVERED])
        .count(),
        "can_write": scope_of(request.user).can_write,
        "is_official": scope_of(request.user).level in (Level.CITY, Level.DISTRICT),
    }
    return render(request, "timebank/home.html", context)


def _volunteer_context(request: HttpRequest, volunteer, **extra) -> dict:
    before = request.GET.get("before")
    unit = Unit.POINTS if request.GET.get("unit") == Unit.POINTS else Unit.HOURS
    entries = selectors.statement(
        volunteer, unit, before_id=int(before) if (before or "").isdigit() else None
    )
    acts = services.may_order_for(request.user, volunteer)
    return {
        "volunteer": volunteer,
        "hours": selectors.balance(volunteer, Unit.HOURS),
        "points": selectors.balance(volunteer, Unit.POINTS),
        "unit": unit,
        "entries": entries,
        "next_before": entries[-1].id if len(entries) == selectors.STATEMENT_PAGE else None,
        "relatives": list(volunteer.relatives.all()),
        "received": selectors.services_received(volunteer)[:20],
        "orders": volunteer.orders.select_related("site", "kind", "relative")[:20],
        "records": volunteer.records.select_related("site", "kind")[:20],
        "order_form": OrderForm(volunteer=volunteer) if acts else None,
        "relative_form": RelativeForm() if acts else None,
        "hours_form": HoursForm(volunteer=volunteer) if acts else None,
        "reward_form": RewardForm() if acts else None,
        "redemptions": volunteer.redemptions.select_related("reward")[:10],
        "expiring": expiry.expiring_soon(selectors.account_of(volunteer)),
        **extra,
    }


@login_required
def me(request: HttpRequest) -> HttpResponse:
    volunteer = selectors.own_volunteer(request.user)
    if volunteer is None:
        raise Http404
    payers = [
        (payer, OrderForm(volunteer=payer, only_relative=payer.relatives.get(as_volunteer=volunteer)))
        for payer in selectors.payers_for(request.user)
    ]
    return render(request, "timebank/me.html", _volunteer_context(request, volunteer, payers=payers))


@login_required
def volunteer_list(request: HttpRequest) -> HttpResponse:
    _official(request)
    qs = selectors.volunteers_visible_to(request.user).order_by("-id")
    return render(request, "timebank/volunteer_list.html", {"page": paginate(request, qs)})


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_create(request: HttpRequest) -> HttpResponse:
    _writer(request, (Level.CITY, Level.DISTRICT))
    form = VolunteerForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and (not form.cleaned_data.get("worker") or clean_person(form, request.user, "worker") is not None)
    ):
        try:
            volunteer = services.volunteer_register(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The volunteer has been registered."))
            return redirect("timebank:volunteer_detail", pk=volunteer.pk)
    return render(request, "timebank/form.html", {"form": form, "title": _("Register a volunteer")})


@login_required
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_get(request.user, pk)
    return render(
        request,
        "timebank/volunteer_detail.html",
        _volunteer_context(request, volunteer, may_give_account=_may_give_account(request, volunteer)),
    )


def _may_give_account(request: HttpRequest, volunteer) -> bool:
    return services.may_manage_volunteer(request.user, volunteer) and scope_of(request.user).level in (
        Level.CITY,
        Level.DISTRICT,
    )


@login_required
@require_POST
def account_create(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = selectors.volunteer_get(request.user, pk)
    try:
        invitation = services.volunteer_account_create(actor=request.user, volunteer=volunteer)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("timebank:volunteer_detail", pk=volunteer.pk)
    volunteer.refresh_from_db()
    # Shown once, in this response only: the link is never stored or sent anywhere else.
    context = _volunteer_context(
        request,
        volunteer,
        invitation=invitation,
        invitation_url=request.build_absolute_uri(invitation.path),
    )
    response = render(request, "timebank/volunteer_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


class AccountActivateView(PasswordResetConfirmView):
    """The volunteer's one-time link: choose a password, then sign in."""

    template_name = "timebank/activate.html"
    success_url = reverse_lazy("core:login")
    post_reset_login = False

    def get_user(self, uidb64):
        # Only the sign-in of a volunteer made here, never an official's account, whatever token comes.
        user = super().get_user(uidb64)
        if user is None or user.role != "none" or not hasattr(user, "volunteer"):
            return None
        return user


def _statement(request: HttpRequest, volunteer, *, own: bool) -> HttpResponse:
    unit = Unit.POINTS if request.GET.get("unit") == Unit.POINTS else Unit.HOURS
    before = request.GET.get("before") or ""
    rows, next_before = selectors.statement_rows(
        volunteer, unit, before_id=int(before) if before.isdigit() and len(before) < 19 else None
    )
    context = {
        "volunteer": volunteer,
        "own": own,
        "unit": unit,
        "unit_label": Unit(unit).label,
        "balance": selectors.balance(volunteer, unit),
        "rows": rows,
        "next_before": next_before,
    }
    return render(request, "timebank/statement.html", context)


@login_required
def statement_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A volunteer's whole statement, page by page (officials in scope)."""
    return _statement(request, selectors.volunteer_get(request.user, pk), own=False)


@login_required
def my_statement(request: HttpRequest) -> HttpResponse:
    volunteer = selectors.own_volunteer(request.user)
    if volunteer is None:
        raise Http404
    return _statement(request, volunteer, own=True)


@login_required
def statement_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    volunteer = selectors.volunteer_get(request.user, pk)
    unit = Unit.POINTS if request.GET.get("unit") == Unit.POINTS else Unit.HOURS
    entries = selectors.statement(volunteer, unit, limit=100_000)
    title = f"{volunteer.name} · {Unit(unit).label} · {selectors.balance(volunteer, unit)}"
    return FileResponse(
        sheets.statement_book(title, entries),
        as_attachment=True,
        filename=f"statement-{volunteer.pk}-{unit}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _back(request: HttpRequest, volunteer) -> HttpResponse:
    mine = selectors.own_volunteer(request.user)
    if mine is not None and request.POST.get("from") == "me":
        return redirect("timebank:me")
    return redirect("timebank:volunteer_detail", pk=volunteer.pk)


def _volunteer_post(request: HttpRequest, pk: int, form_class, service, success: str, form_key: str):
    volunteer = (
        selectors.volunteer_for_order(request.user, pk)
        if form_key == "order_form"
        else selectors.volunteer_get(request.user, pk)
    )
    if not services.may_order_for(request.user, volunteer) or (
        form_key != "order_form" and not services._acts_for(request.user, volunteer)
    ):
        raise Http404
    kwargs = {"volunteer": volunteer} if form_class in (OrderForm, HoursForm) else {}
    mine = selectors.own_volunteer(request.user)
    if (
        form_class is OrderForm
        and mine is not None
        and mine.pk != volunteer.pk
        and not services._acts_for(request.user, volunteer)
    ):
        kwargs["only_relative"] = volunteer.relatives.get(as_volunteer=mine)
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            service(actor=request.user, volunteer=volunteer, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return _back(request, volunteer)
    mine = selectors.own_volunteer(request.user)
    if request.POST.get("from") == "me" and mine is not None and mine.pk != volunteer.pk:
        # A relative ordering from a payer's hours: back to their own page, the form with its errors.
        payers = [
            (
                payer,
                form
                if payer.pk == volunteer.pk
                else OrderForm(volunteer=payer, only_relative=payer.relatives.get(as_volunteer=mine)),
            )
            for payer in selectors.payers_for(request.user)
        ]
        return render(request, "timebank/me.html", _volunteer_context(request, mine, payers=payers))
    template = "timebank/me.html" if request.POST.get("from") == "me" else "timebank/volunteer_detail.html"
    return render(request, template, _volunteer_context(request, volunteer, **{form_key: form}))


@login_required
@require_POST
def relative_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _volunteer_post(
        request,
        pk,
        RelativeForm,
        services.relative_register,
        _("The relative has been registered."),
        "relative_form",
    )


@login_required
@require_POST
def order_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _volunteer_post(
        request,
        pk,
        OrderForm,
        services.order_request,
        _("The service order has been requested."),
        "order_form",
    )


@login_required
@require_POST
def transfer_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _volunteer_post(
        request, pk, HoursForm, services.transfer, _("The hours have been transferred."), "hours_form"
    )


@login_required
@require_POST
def redemption_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _volunteer_post(
        request, pk, RewardForm, services.redeem_reward, _("The reward has been redeemed."), "reward_form"
    )


@login_required
@require_POST
def donation_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _volunteer_post(
        request,
        pk,
        HoursForm,
        services.donate,
        _("The hours have been donated to the public pool."),
        "hours_form",
    )


@login_required
def record_list(request: HttpRequest) -> HttpResponse:
    _official(request)
    status = request.GET.get("status") if request.GET.get("status") in RecordStatus.values else None
    qs = selectors.records_visible_to(request.user).order_by("-id")
    if status:
        qs = qs.filter(status=status)
    return render(
        request,
        "timebank/record_list.html",
        {"page": paginate(request, qs), "status": status, "statuses": RecordStatus.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_create(request: HttpRequest) -> HttpResponse:
    _writer(request)
    form = RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        verify = data.pop("verify")
        try:
            record = services.record_submit(actor=request.user, data=data, verify=verify)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The service record has been saved."))
            return redirect("timebank:record_detail", pk=record.pk)
    return render(request, "timebank/form.html", {"form": form, "title": _("Record a service")})


@login_required
@require_http_methods(["GET", "POST"])
def record_import(request: HttpRequest) -> HttpResponse:
    _writer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            rows = sheets.read_records(form.cleaned_data["file"].read())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            result = services.records_import(actor=request.user, rows=rows, first_row=2)
    return render(
        request, "timebank/import.html", {"form": form, "result": result, "columns": sheets.HEADERS}
    )


@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    context = {
        "record": record,
        "can_verify": record.status == RecordStatus.SUBMITTED
        and services.may_verify_at(request.user, record.site),
        "can_check": record.status == RecordStatus.DISTRICT_CHECK
        and services.may_check(request.user, record),
        "reject_form": RejectForm(),
    }
    return render(request, "timebank/record_detail.html", context)


def _record_action(request: HttpRequest, pk: int, action) -> HttpResponse:
    record = selectors.record_get(request.user, pk)
    try:
        action(record)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Done."))
    return redirect("timebank:record_detail", pk=record.pk)


@login_required
@require_POST
def record_verify(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    return _record_action(request, pk, lambda r: services.record_verify(actor=request.user, record=r))


@login_required
@require_POST
def record_check(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    return _record_action(request, pk, lambda r: services.record_check(actor=request.user, record=r))


@login_required
@require_POST
def record_reject(request: HttpRequest, pk: int) -> HttpResponse:
    require_write(request.user)
    reason = request.POST.get("reason", "")
    return _record_action(
        request, pk, lambda r: services.record_reject(actor=request.user, record=r, reason=reason)
    )


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    _official(request)
    status = request.GET.get("status") if request.GET.get("status") in OrderStatus.values else None
    qs = selectors.orders_visible_to(request.user).order_by("-id")
    if status:
        qs = qs.filter(status=status)
    return render(
        request,
        "timebank/order_list.html",
        {"page": paginate(request, qs), "status": status, "statuses": OrderStatus.choices},
    )


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get(request.user, pk)
    requested = order.status == OrderStatus.REQUESTED
    context = {
        "order": order,
        "can_deliver": requested and services.may_deliver(request.user, order),
        "can_confirm": order.status == OrderStatus.DELIVERED and services.may_confirm(request.user, order),
        "can_cancel": requested
        and (services.may_confirm(request.user, order) or services.may_deliver(request.user, order)),
    }
    return render(request, "timebank/order_detail.html", context)


ORDER_ACTIONS = {
    "deliver": (services.order_deliver, gettext_lazy("Marked delivered.")),
    "confirm": (services.order_confirm, gettext_lazy("Confirmed: the hours are redeemed.")),
    "cancel": (services.order_cancel, gettext_lazy("Cancelled: the hours are back in the account.")),
}


def _order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    order = selectors.order_get(request.user, pk)
    service, done = ORDER_ACTIONS[action]
    try:
        service(actor=request.user, order=order)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, str(done))
    return redirect("timebank:order_detail", pk=order.pk)


@login_required
@require_POST
def order_deliver(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_action(request, pk, "deliver")


@login_required
@require_POST
def order_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_action(request, pk, "confirm")


@login_required
@require_POST
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_action(request, pk, "cancel")


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    _official(request)
    return render(
        request,
        "timebank/site_list.html",
        {
            "page": paginate(request, selectors.sites_visible_to(request.user).order_by("code")),
            "can_add": scope_of(request.user).can_write
            and scope_of(request.user).level in (Level.CITY, Level.DISTRICT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_create(request: HttpRequest) -> HttpResponse:
    _writer(request, (Level.CITY, Level.DISTRICT))
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The site has been added."))
            return redirect("timebank:site_list")
    return render(request, "timebank/form.html", {"form": form, "title": _("Add a service site")})
