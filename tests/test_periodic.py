"""The worker's calendar: the monthly indicator snapshot is scheduled by the worker itself (no cron) and
reschedules itself; once a month means the calendar month in Asia/Shanghai."""

from __future__ import annotations

import datetime
import zoneinfo
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from careforce.core import periodic
from careforce.indicators import tasks
from careforce.indicators.models import MonthlyFigure

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def waiting():
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return list(
        DBTaskResult.objects.filter(
            task_path=tasks.monthly_snapshot.module_path, status=TaskResultStatus.READY
        ).values_list("run_after", flat=True)
    )


def test_the_next_run_is_the_first_of_next_month_in_shanghai_time():
    # 31 December 17:00 UTC is already 1 January in Chongqing: the next run is 1 February.
    now = datetime.datetime(2026, 12, 31, 17, 0, tzinfo=datetime.UTC)
    assert periodic.first_of_next_month(now) == datetime.datetime(2027, 2, 1, 0, 30, tzinfo=SHANGHAI)
    now = datetime.datetime(2026, 12, 31, 15, 0, tzinfo=datetime.UTC)  # 23:00 on 31 December there
    assert periodic.first_of_next_month(now) == datetime.datetime(2027, 1, 1, 0, 30, tzinfo=SHANGHAI)


def test_the_worker_schedules_the_snapshot_once_on_start(settings):
    settings.TASKS = DB_TASKS
    assert tasks.monthly_snapshot.module_path in {p.task.module_path for p in periodic.registered()}
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.Command.handle", return_value=None
    ) as worker:
        call_command("db_worker", "--batch")
        call_command("db_worker", "--batch")  # a restart: still one run waiting
    assert worker.call_count == 2
    runs = waiting()
    assert len(runs) == 1
    assert timezone.localtime(runs[0]).day == 1 and timezone.localtime(runs[0]).hour == 0


def test_a_snapshot_files_the_month_just_ended_and_enqueues_the_next(settings):
    settings.TASKS = DB_TASKS
    first = datetime.date(2026, 12, 1)
    with mock.patch("django.utils.timezone.localdate", return_value=first):
        tasks.monthly_snapshot.call()
    assert MonthlyFigure.objects.filter(month=datetime.date(2026, 11, 1)).exists()
    assert not MonthlyFigure.objects.filter(month=first).exists()
    assert len(waiting()) == 1
