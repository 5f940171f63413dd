"""Sign-in pages: password, second factor (verify, enrol, recovery codes), and the sign-in security page of the
city and security administrators (lockouts, unlock, second-factor reset)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from careforce.core import lockouts, twofactor
from careforce.core.forms import SecondFactorCodeForm, SecondFactorResetForm, UnlockForm
from careforce.core.models import User
from careforce.core.scope import needs_second_factor

SETUP_KEY_SESSION = "careforce_totp_setup_key"


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("core:home")


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class LoginView(auth_views.LoginView):
    """Django's sign-in page; an account that needs a second factor goes on to it (or to enrolment)."""

    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        if request.pending_user is not None:
            return redirect(_with_next("core:two_factor", request.GET.get("next", "")))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)
        if needs_second_factor(user):
            return redirect(_with_next("core:two_factor", self.get_redirect_url()))
        return redirect(self.get_success_url())


def _pending(request: HttpRequest) -> User | None:
    return request.pending_user


def _verified(request: HttpRequest, user: User, device) -> None:
    request.user = user
    otp_login(request, device)
    request.session.cycle_key()  # a new session id once the sign-in is complete


def two_factor(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the authenticator's code, or a recovery code."""
    user = _pending(request)
    if user is None:
        return redirect(_next_url(request) if request.user.is_authenticated else reverse("core:login"))
    if not twofactor.has_second_factor(user):
        return redirect(_with_next("core:two_factor_setup", request.GET.get("next", "")))
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, why = twofactor.second_factor_check(user=user, code=form.cleaned_data["code"])
        if device is not None:
            _verified(request, user, device)
            if isinstance(device, twofactor.RecoveryCodeDevice):
                left = twofactor.recovery_codes_left(user)
                messages.warning(
                    request,
                    _(
                        "You signed in with a recovery code; %(left)d are left. Generate new ones if few are left."
                    )
                    % {"left": left},
                )
            return redirect(_next_url(request))
        if why == "throttled":
            form.add_error("code", _("Too many wrong codes. Wait a few seconds, then try again."))
        else:
            form.add_error(
                "code",
                _("That code is not right or has expired. Enter the code your authenticator shows now."),
            )
    return render(
        request, "core/two_factor.html", {"form": form, "pending": user, "next": request.GET.get("next", "")}
    )


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: scan the QR code (or type the secret), then prove it with a code; recovery codes follow."""
    user = _pending(request)
    if user is None:
        return redirect(_next_url(request) if request.user.is_authenticated else reverse("core:login"))
    if twofactor.has_second_factor(user):
        return redirect(_with_next("core:two_factor", request.GET.get("next", "")))
    # The secret lives in the (server-side) session until it is confirmed, so showing the page writes no device.
    hex_key = request.session.get(SETUP_KEY_SESSION)
    if not hex_key:
        hex_key = request.session[SETUP_KEY_SESSION] = twofactor.new_secret()
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = twofactor.second_factor_enrol(
                user=user, hex_key=hex_key, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            for message in exc.message_dict.get("code", exc.messages):
                form.add_error("code", message)
        else:
            del request.session[SETUP_KEY_SESSION]
            _verified(request, user, device)
            return render(
                request,
                "core/recovery_codes.html",
                {"codes": codes, "continue_url": _next_url(request), "just_enrolled": True},
            )
    uri = twofactor.provisioning_uri(user, hex_key)
    context = {
        "form": form,
        "pending": user,
        "qr": twofactor.qr_svg(uri),
        "secret": twofactor.secret_as_text(hex_key),
        "next": request.GET.get("next", ""),
    }
    return render(request, "core/two_factor_setup.html", context)


@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """How many recovery codes are left; a new set replaces them (shown once)."""
    user = request.user
    if not twofactor.has_second_factor(user):
        raise Http404
    if request.method == "POST":
        codes = twofactor.recovery_codes_regenerate(user=user)
        return render(
            request, "core/recovery_codes.html", {"codes": codes, "continue_url": reverse("core:home")}
        )
    return render(request, "core/recovery_codes_status.html", {"left": twofactor.recovery_codes_left(user)})


@login_required
def sign_in_security(request: HttpRequest) -> HttpResponse:
    rows = lockouts.lockouts_visible_to(request.user)
    context = {
        "lockouts": rows,
        "failures": lockouts.failures_visible_to(request.user),
        "can_manage": lockouts.can_unlock(request.user),
        "reset_form": SecondFactorResetForm(),
    }
    return render(request, "core/sign_in_security.html", context)


def _require_manager(request: HttpRequest) -> None:
    if not lockouts.can_unlock(request.user):
        raise Http404


@login_required
@require_POST
def account_unlock(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = UnlockForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        cleared = lockouts.account_unlock(
            username=data["username"], ip_address=data["ip_address"] or None, actor=request.user
        )
        if cleared:
            messages.success(request, _("%(user)s can sign in again.") % {"user": data["username"]})
        else:
            messages.info(request, _("%(user)s had no counted failures.") % {"user": data["username"]})
    else:
        messages.error(request, _("Say which account to unlock."))
    return redirect("core:sign_in_security")


@login_required
@require_POST
def second_factor_reset(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = SecondFactorResetForm(request.POST)
    if form.is_valid():
        account = form.cleaned_data["username"]
        twofactor.second_factor_reset(user=account, actor=request.user)
        messages.success(
            request,
            _(
                "The second factor of %(user)s is reset: they set up an authenticator again at their next sign-in."
            )
            % {"user": account.username},
        )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("core:sign_in_security")


def admin_login(request: HttpRequest) -> HttpResponse:
    """The Django admin signs in through the same page (lockout and second factor included)."""
    return redirect(_with_next("core:login", request.GET.get("next", "")))
