"""Work the tasks worker does on a calendar (the monthly indicator snapshot, for one).

A periodic task is a django-tasks task that enqueues its own next run (`run_after`) when it has run, so the
schedule lives in the task table and survives restarts of the worker; `careforce db_worker` makes sure on
start that every periodic task has a run waiting (`ensure_all`), so a fresh installation needs no cron
entry. Backends that cannot defer (the test suite's immediate backend) have no schedule; each periodic job
also has a command to run it by hand.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class Periodic:
    task: object  # a django_tasks Task
    next_run: Callable[[datetime.datetime], datetime.datetime]  # now -> when the next run is due


_REGISTRY: dict[str, Periodic] = {}


def register(task, next_run: Callable[[datetime.datetime], datetime.datetime]) -> None:
    _REGISTRY[task.module_path] = Periodic(task, next_run)


def registered() -> list[Periodic]:
    return list(_REGISTRY.values())


def _waiting(task) -> bool:
    try:
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: enqueue; a spare run does no harm
        return False
    return DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY).exists()


def ensure(periodic: Periodic, *, now: datetime.datetime | None = None) -> bool:
    """Enqueue the task's next run unless one is already waiting; True if one was enqueued."""
    task = periodic.task
    if not task.get_backend().supports_defer or _waiting(task):
        return False
    task.using(run_after=periodic.next_run(now or timezone.now())).enqueue()
    return True


def ensure_all() -> int:
    return sum(ensure(p) for p in registered())


def reschedule(task) -> None:
    """Called by a periodic task as it ends: its next run."""
    periodic = _REGISTRY.get(task.module_path)
    if periodic is not None:
        ensure(periodic)


def first_of_next_month(now: datetime.datetime, *, hour: int = 0, minute: int = 30) -> datetime.datetime:
    """The first day of the month after `now`'s month, at hour:minute in Asia/Shanghai (TIME_ZONE)."""
    local = timezone.localtime(now)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return timezone.make_aware(datetime.datetime(year, month, 1, hour, minute))
