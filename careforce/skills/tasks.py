"""The skills' periodic work for the tasks worker (careforce.core.periodic): every day at 00:10
(Asia/Shanghai) the certificates that expired overnight stop counting (tally.roll_expired): the holders'
standing, their institutions' certification tallies and the dashboard follow. Each run enqueues the next;
`careforce certificates_roll` does the same by hand."""

from __future__ import annotations

import datetime

from django_tasks import task

from careforce.core import periodic


@task()
def certificates_roll() -> int:
    from careforce.skills import tally

    try:
        return tally.roll_expired()
    finally:
        periodic.reschedule(certificates_roll)


def _ten_past_midnight(now: datetime.datetime) -> datetime.datetime:
    return periodic.next_day(now, hour=0, minute=10)


periodic.register(certificates_roll, _ten_past_midnight)
