"""Working days with the national holiday calendar (public holidays and adjusted working weekends, 调休)."""

import datetime

import pytest

from careforce.conduct.models import ComplaintChannel
from careforce.core.models import CalendarDay, CalendarDayKind
from careforce.core.workdays import add_working_days, is_working_day, working_days_between
from tests import factories
from tests import factories_conduct as fc

pytestmark = pytest.mark.django_db

D = datetime.date


def test_the_2025_and_2026_notices_are_loaded_as_data():
    assert CalendarDay.objects.get(date=D(2025, 1, 28)).kind == CalendarDayKind.HOLIDAY  # 除夕
    assert CalendarDay.objects.get(date=D(2025, 9, 28)).kind == CalendarDayKind.ADJUSTED_WORKDAY
    assert CalendarDay.objects.filter(date__year=2025, kind=CalendarDayKind.HOLIDAY).count() == 28
    assert CalendarDay.objects.filter(date__year=2026, kind=CalendarDayKind.ADJUSTED_WORKDAY).count() == 6


def test_national_day_week_2025_is_not_worked_and_the_adjusted_sunday_is():
    assert not any(is_working_day(D(2025, 10, d)) for d in range(1, 9))  # 1–8 October off
    assert is_working_day(D(2025, 9, 28))  # Sunday worked in exchange
    assert is_working_day(D(2025, 10, 11))  # Saturday worked in exchange
    assert not is_working_day(D(2025, 10, 12))  # an ordinary Sunday
    # Friday 26 September + 3 working days: Sunday 28, Monday 29, Tuesday 30.
    assert add_working_days(D(2025, 9, 26), 3) == D(2025, 9, 30)
    # Tuesday 30 September + 1: the holiday week is skipped, Thursday 9 October.
    assert add_working_days(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 9, 30), 3) == D(2025, 10, 11)  # the adjusted Saturday counts
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 12)) == 3  # 9, 10, 11 October


def test_spring_festival_2025():
    # 除夕 28 January to 4 February off; Sunday 26 January and Saturday 8 February worked.
    assert is_working_day(D(2025, 1, 26)) and is_working_day(D(2025, 2, 8))
    assert add_working_days(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert add_working_days(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert working_days_between(D(2025, 1, 24), D(2025, 2, 9)) == 6  # 26, 27 Jan; 5, 6, 7, 8 Feb
    assert working_days_between(D(2025, 2, 9), D(2025, 1, 24)) == -6
    assert add_working_days(D(2025, 1, 27), 0) == D(2025, 1, 27)


def test_without_rows_monday_to_friday_count_and_the_admin_edits_the_calendar():
    assert add_working_days(D(2031, 1, 3), 1) == D(2031, 1, 6)  # Friday → Monday
    CalendarDay.objects.create(date=D(2031, 1, 6), kind=CalendarDayKind.HOLIDAY, name="test")
    assert add_working_days(D(2031, 1, 3), 1) == D(2031, 1, 7)
    with pytest.raises(ValueError):
        add_working_days(D(2031, 1, 3), -1)


def test_a_complaint_deadline_counts_working_days_over_national_day():
    city = factories.user("city_admin")
    worker = factories.worker()
    ComplaintChannel.objects.filter(code="hotline").update(deadline_days=15)
    c = fc.complaint(actor=city, worker=worker, channel="hotline", received_on=D(2025, 9, 26))
    # 15 working days from Friday 26 September 2025: 28, 29, 30 Sep; 9, 10, 11, 13–17, 20–23 Oct.
    assert c.deadline == D(2025, 10, 23)
    assert working_days_between(c.received_on, c.deadline) == 15
