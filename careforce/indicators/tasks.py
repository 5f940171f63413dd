"""The indicators' periodic work for the tasks worker (careforce.core.periodic).

- Every day at 00:05 (Asia/Shanghai) the facts' date bands (ages, years of service) move to the new day and,
  on 1 January, every head's "trained this year" starts again (facts.refresh rolls them; the first write of
  the day does the same if it comes first); a database whose facts were never built is built.
- At 00:30 (Asia/Shanghai) on the first day of each month the figures of every indicator, per district and
city-wide, are filed under the month that has just ended — the month-end value, for the indicators whose
history cannot be read back from dated records.

Each run enqueues the next.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import task

from careforce.core import periodic


@task()
def monthly_snapshot() -> int:
    from careforce.indicators import services

    try:
        today = timezone.localdate()
        ended = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        return services.monthly_figures_record(month=ended)
    finally:
        periodic.reschedule(monthly_snapshot)


@task()
def daily_roll() -> bool:
    """Move the facts to today (a write, done here so that no read ever has to); True if they moved."""
    from django.db import transaction

    from careforce.indicators import facts, marks

    try:
        with transaction.atomic():
            outcome = facts.refresh([])
            if outcome.everything:
                marks.bump((), everything=True)
        return outcome.everything
    finally:
        periodic.reschedule(daily_roll)


periodic.register(monthly_snapshot, periodic.first_of_next_month)
periodic.register(daily_roll, periodic.next_day)
