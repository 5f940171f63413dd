"""Session security: the idle timeout, the absolute session age, and the second-factor gate.

Security bookkeeping on a read is allowed: the session's last-activity time is written at most once a minute
(IDLE_CLOCK_RESOLUTION_SECONDS), so a session ends between IDLE_TIMEOUT and IDLE_TIMEOUT + one minute after
its last request.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext as _

from careforce.core.scope import needs_second_factor

LAST_ACTIVITY_KEY = "careforce_last_activity"
SIGNED_IN_AT_KEY = "careforce_signed_in_at"


@receiver(user_logged_in, dispatch_uid="careforce_signed_in_at")
def _start_clocks(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT_KEY] = now
        request.session[LAST_ACTIVITY_KEY] = now


class SessionTimeoutMiddleware:
    """Signs a session out after IDLE_TIMEOUT_SECONDS without a request, or SESSION_COOKIE_AGE after sign-in
    however busy it was. The request then goes on as anonymous: pages send it to the sign-in page (with a
    message saying why), the API answers 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            last = session.get(LAST_ACTIVITY_KEY)
            started = session.get(SIGNED_IN_AT_KEY)
            if last is not None and now - last > settings.IDLE_TIMEOUT_SECONDS:
                self._sign_out(
                    request,
                    _("You were signed out after %(minutes)d minutes without activity. Please sign in again.")
                    % {"minutes": settings.IDLE_TIMEOUT_SECONDS // 60},
                )
            elif started is not None and now - started > settings.SESSION_COOKIE_AGE:
                self._sign_out(
                    request,
                    _("You were signed out: a session lasts at most %(hours)d hours. Please sign in again.")
                    % {"hours": settings.SESSION_COOKIE_AGE // 3600},
                )
            else:
                if last is None or now - last >= settings.IDLE_CLOCK_RESOLUTION_SECONDS:
                    session[LAST_ACTIVITY_KEY] = now
                if started is None:
                    session[SIGNED_IN_AT_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _sign_out(request, message: str) -> None:
        logout(request)
        messages.info(request, message)


class SecondFactorMiddleware:
    """A session signed in with a password but not yet with its second factor acts as nobody: every page that
    needs an account sends it to the sign-in page, which passes it on to the second-factor step; the API
    answers 401. The pending account stays on `request.pending_user` for the second-factor pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.pending_user = None
        user = request.user
        if user.is_authenticated and needs_second_factor(user) and not user.is_verified():
            request.pending_user = user
            request.user = AnonymousUser()
        return self.get_response(request)
