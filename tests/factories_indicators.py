"""Test helpers of the indicators app: a clean dashboard cache per test, dates relative to today."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from careforce.core.models import District
from careforce.indicators import engine
from careforce.indicators.sources import add_months, month_key, month_start


@pytest.fixture(autouse=True)
def fresh_dashboard():
    """The dashboard keeps blocks in memory per process; every test starts without them."""
    engine.reset()
    yield
    engine.reset()


def today() -> datetime.date:
    return timezone.localdate()


def months_ago(n: int, day: int = 1) -> datetime.date:
    """A day of the month n months before this one (day 1 by default)."""
    return add_months(month_start(today()), -n).replace(day=day)


def key(n: int) -> str:
    return month_key(months_ago(n))


def district(code: str) -> District:
    return District.objects.get(code=code)
