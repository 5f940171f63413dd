"""The core's periodic work for the tasks worker (careforce.core.periodic): sealing the audit digest chain
and writing the day's signed checkpoint (careforce/core/audit_chain.py), every CAREFORCE_AUDIT_SEAL_MINUTES."""

from __future__ import annotations

import datetime

from django.conf import settings
from django_tasks import task

from careforce.core import periodic


@task()
def seal_audit_chain() -> dict[str, int]:
    from careforce.core import audit_chain

    try:
        return audit_chain.seal_and_checkpoint()
    finally:
        periodic.reschedule(seal_audit_chain)


def next_sealing(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(minutes=settings.AUDIT_SEAL_MINUTES)


periodic.register(seal_audit_chain, next_sealing)
