"""The indicators' periodic work for the tasks worker (careforce.core.periodic): the monthly snapshot.

At 00:30 (Asia/Shanghai) on the first day of each month the figures of every indicator, per district and
city-wide, are filed under the month that has just ended — the month-end value, for the indicators whose
history cannot be read back from dated records. Then the next month's run is enqueued.
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


periodic.register(monthly_snapshot, periodic.first_of_next_month)
