"""The time bank's periodic work for the tasks worker (careforce.core.periodic): every night at 00:20
(Asia/Shanghai) the hours past the rules' expiry expire (careforce.timebank.expiry); `careforce
timebank_expire` does the same by hand."""

from __future__ import annotations

import datetime

from django_tasks import task

from careforce.core import periodic


@task()
def hours_expire() -> int:
    from careforce.timebank import expiry

    try:
        return expiry.expire_hours()[0]
    finally:
        periodic.reschedule(hours_expire)


def _twenty_past_midnight(now: datetime.datetime) -> datetime.datetime:
    return periodic.next_day(now, hour=0, minute=20)


periodic.register(hours_expire, _twenty_past_midnight)
