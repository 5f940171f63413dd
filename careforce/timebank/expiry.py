"""Expiry of deposited hours (时间储蓄的有效期), when the rules set one.

Rule: hours expire `expiry_months` after the day they reached the account, oldest first — spending
(orders, transfers, donations, reversals) always consumes the oldest hours held. So on a given day the hours
that expire are those received before the cut-off day that the account has not paid out since:

    expiring = max(0, received before the cut-off − everything ever paid out (expiries included))

capped at the balance. Each expiry is a movement from the volunteer's account to the system account
"expired", with the source key `expiry:<account>:<cut-off day>`, so a run repeated the same day (or cut short
and run again) expires nothing twice, and a later run finds only what became old since. Hours returned by a
cancelled order count as received on the day they return. Run every night by the tasks worker
(careforce.timebank.tasks) and by hand with `careforce timebank_expire`.
"""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from careforce.timebank import tally
from careforce.timebank.models import ZERO, Account, AccountKind, Entry, Movement, MovementKind, Unit
from careforce.timebank.services import _lock, post, rules, system_account


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cutoff(on: datetime.date | None = None) -> datetime.date | None:
    """Hours received before this day have expired on `on` (None: the rules set no expiry)."""
    months = rules().expiry_months
    if not months:
        return None
    return months_before(on or timezone.localdate(), months)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def expiring_amount(account: Account, before: datetime.date) -> Decimal:
    """Hours of `account` received before `before` and not paid out since (oldest first), at most its balance."""
    sums = Entry.objects.filter(account=account).aggregate(
        old_in=Sum("amount", filter=Q(amount__gt=0, at__lt=_start_of(before))),
        out=Sum("amount", filter=Q(amount__lt=0)),
    )
    remaining = (sums["old_in"] or ZERO) + (sums["out"] or ZERO)
    return max(ZERO, min(remaining, account.balance))


def expire_account(account: Account, before: datetime.date) -> Movement | None:
    """Expire what has expired in one account, in its own transaction (the account row locked first)."""
    key = f"expiry:{account.pk}:{before.isoformat()}"
    with transaction.atomic():
        expired = system_account(AccountKind.EXPIRED, Unit.HOURS)
        locked = _lock([account, expired])
        if Movement.objects.filter(source_key=key).exists():
            return None
        amount = expiring_amount(locked[account.pk], before)
        if amount <= 0:
            return None
        tally.add(account.volunteer.district_id, expired=amount)
        return post(
            kind=MovementKind.EXPIRY,
            from_account=account,
            to_account=expired,
            amount=amount,
            actor=None,
            source_key=key,
            memo=f"< {before.isoformat()}",
            locked=locked,
        )


def expire_hours(on: datetime.date | None = None) -> tuple[int, Decimal]:
    """Expire the hours of every volunteer on `on` (today by default): (accounts touched, hours expired)."""
    before = cutoff(on)
    if before is None:
        return 0, ZERO
    # Only accounts that received hours before the cut-off can hold expiring hours.
    candidates = (
        Account.objects.filter(kind=AccountKind.PERSON, unit=Unit.HOURS, balance__gt=0)
        .filter(entries__amount__gt=0, entries__at__lt=_start_of(before))
        .distinct()
        .order_by("pk")
    )
    touched, total = 0, ZERO
    for account in candidates.iterator():
        movement = expire_account(account, before)
        if movement is not None:
            touched += 1
            total += movement.amount
    return touched, total


def expiring_soon(account: Account | None, days: int = 30, on: datetime.date | None = None) -> Decimal:
    """Hours of `account` that expire within `days` (shown to the volunteer); zero without an expiry rule."""
    on = on or timezone.localdate()
    before = cutoff(on + datetime.timedelta(days=days))
    if account is None or before is None:
        return ZERO
    return expiring_amount(account, before)
