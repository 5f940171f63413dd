"""Password guessing: django-axes counts wrong passwords per account and address in the database (so every
process shares the count) and locks that pair after AXES_FAILURE_LIMIT of them. This module reads those
records for the people allowed to see them, unlocks (audited), and answers a locked-out sign-in."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from careforce.core import audit
from careforce.core.models import AuditAction, User

RECENT_FAILURES_SHOWN = 200


def can_see_lockouts(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm("core.view_sign_in_failures"))


def can_unlock(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm("core.manage_sign_in"))


def _cool_off_threshold() -> datetime.datetime | None:
    if settings.AXES_COOLOFF_TIME is None:
        return None
    return timezone.now() - settings.AXES_COOLOFF_TIME


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str | None
    failures: int
    last_attempt: datetime.datetime
    locked: bool
    unlocks_at: datetime.datetime | None


def lockouts_visible_to(user: User) -> list[Lockout]:
    """Accounts with wrong passwords still counted, per account and address, the locked ones first. City and
    security administrators only; anyone else is told the page does not exist."""
    if not can_see_lockouts(user):
        raise Http404
    attempts: QuerySet[AccessAttempt] = AccessAttempt.objects.all()
    threshold = _cool_off_threshold()
    if threshold is not None:
        attempts = attempts.filter(attempt_time__gte=threshold)
    # One row per account and address (axes keeps one per user agent too: an attacker may vary it).
    pairs: dict[tuple[str, str | None], list[AccessAttempt]] = {}
    for attempt in attempts.order_by("-attempt_time"):
        pairs.setdefault((attempt.username or "", attempt.ip_address), []).append(attempt)
    rows = []
    for (username, ip_address), group in pairs.items():
        failures = sum(a.failures_since_start for a in group)
        last = max(a.attempt_time for a in group)
        locked = failures >= settings.AXES_FAILURE_LIMIT
        unlocks_at = last + settings.AXES_COOLOFF_TIME if locked and settings.AXES_COOLOFF_TIME else None
        rows.append(Lockout(username, ip_address, failures, last, locked, unlocks_at))
    rows.sort(key=lambda row: (not row.locked, -row.last_attempt.timestamp()))
    return rows


def failures_visible_to(user: User) -> QuerySet[AccessFailureLog]:
    """Every wrong password recorded (kept after an unlock), newest first."""
    if not can_see_lockouts(user):
        raise Http404
    return AccessFailureLog.objects.order_by("-attempt_time")[:RECENT_FAILURES_SHOWN]


@transaction.atomic
def account_unlock(*, username: str, ip_address: str | None = None, actor: User | None) -> int:
    """Forget the counted wrong passwords of an account (from one address, or from all), so it can sign in
    again at once. Audited on the account when it exists; the failure log keeps every attempt."""
    attempts = AccessAttempt.objects.filter(username=username)
    if ip_address:
        attempts = attempts.filter(ip_address=ip_address)
    cleared = sum(attempts.values_list("failures_since_start", flat=True))
    attempts.delete()
    account = User.objects.filter(username=username).first()
    if account is not None and cleared:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=account,
            changes={"sign_in_failures": [cleared, 0]},
            note=f"unlocked sign-in from {ip_address}"
            if ip_address
            else "unlocked sign-in from every address",
        )
    return cleared


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The sign-in page again, saying why, with 429. It names no account and says the same whether the
    account exists or not."""
    from django.contrib.auth.forms import AuthenticationForm

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else None
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "lockout_minutes": minutes,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)
