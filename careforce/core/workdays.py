"""Working days (工作日): Monday to Friday, except public holidays, plus the weekend days worked in exchange
(调休) — both kept as data in `CalendarDay` rows (admin → Calendar days; the State Council's notices for
2025 and 2026 are loaded by migration). Outside the years that have rows, Monday to Friday count.

- is_working_day(day)
- add_working_days(start, n): the n-th working day after `start` (a deadline of n working days)
- working_days_between(start, end): working days after `start` up to and including `end`
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from careforce.core.models import CalendarDay, CalendarDayKind

ONE_DAY = datetime.timedelta(days=1)


class Calendar:
    """The calendar rows of a span of dates, read once (one query) and asked many times."""

    def __init__(self, first: datetime.date, last: datetime.date):
        self.first, self.last = first, last
        rows = CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "kind")
        self.holidays = {day for day, kind in rows if kind == CalendarDayKind.HOLIDAY}
        self.workdays = {day for day, kind in rows if kind == CalendarDayKind.ADJUSTED_WORKDAY}

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: datetime.date, n: int) -> datetime.date:
        """The n-th working day after `start` (n = 0: `start` itself)."""
        day, left = start, n
        while left > 0:
            day += ONE_DAY
            if self.is_working_day(day):
                left -= 1
        return day

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days d with start < d <= end (negative when end is before start)."""
        if end < start:
            return -self.between(end, start)
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count


def calendar_for(days: Iterable[datetime.date], max_working_days: int = 0) -> Calendar:
    """A calendar covering `days` and the next `max_working_days` working days of each (a generous span:
    every 5 working days take at most 7 days, and a long holiday adds at most 9)."""
    days = list(days)
    first = min(days)
    last = max(days) + datetime.timedelta(days=max_working_days * 2 + 30)
    return Calendar(first, last)


def is_working_day(day: datetime.date) -> bool:
    return Calendar(day, day).is_working_day(day)


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    if n < 0:
        raise ValueError("n must be 0 or more")
    return calendar_for([start], n).add(start, n)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    return Calendar(min(start, end), max(start, end)).between(start, end)
