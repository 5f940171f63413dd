import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careforce.registry.choices import parse_bool, parse_choice
from careforce.registry.dates import parse_date
from careforce.registry.models import Education, HukouType
from careforce.registry.pinyin import search_keys
from careforce.registry.tenure import service_days

D = datetime.date
TODAY = D(2026, 11, 29)


def test_overlaps_count_once_and_gaps_do_not_count():
    periods = [
        (D(2020, 1, 1), D(2020, 12, 31)),
        (D(2020, 6, 1), D(2021, 6, 30)),
        (D(2022, 1, 1), D(2022, 1, 31)),
    ]
    assert service_days(periods, today=TODAY) == (D(2021, 6, 30) - D(2020, 1, 1)).days + 1 + 31


def test_an_open_period_runs_to_today():
    assert service_days([(D(2026, 11, 1), None)], today=TODAY) == 29


period = st.tuples(st.dates(D(2000, 1, 1), D(2026, 11, 29)), st.one_of(st.none(), st.integers(0, 3000)))


@settings(deadline=None)
@given(st.lists(period, max_size=6))
def test_service_days_equal_the_union_of_days(raw):
    periods = [
        (start, None if length is None else start + datetime.timedelta(days=length)) for start, length in raw
    ]
    days = set()
    for start, end in periods:
        day = start
        while day <= min(end or TODAY, TODAY):
            days.add(day)
            day += datetime.timedelta(days=1)
    assert service_days(periods, today=TODAY) == len(days)


@pytest.mark.parametrize(
    "raw",
    [
        "2024-05-01",
        "2024/5/1",
        "2024.5.1",
        "2024年5月1日",
        " 2024 年 5 月 1 日 ",
        "20240501",
        45413,
        "45413",
        "2024-05-01 00:00:00",
        datetime.datetime(2024, 5, 1, 8, 0),
    ],
)
def test_dates_in_every_accepted_form(raw):
    assert parse_date(raw) == D(2024, 5, 1)


@pytest.mark.parametrize("raw", ["2024-02-30", "五月一日", "1", "2024-13-01"])
def test_not_dates(raw):
    assert parse_date(raw) is None


@pytest.mark.django_db  # the officials' words (中专, 农业户口) are synonyms: rows of core.Synonym
def test_booleans_and_choices():
    assert parse_bool("是") is True and parse_bool("N") is False and parse_bool("也许") is None
    assert parse_choice("中专", Education) == "senior_high"
    assert parse_choice("bachelor", Education) == "bachelor"
    assert parse_choice("农业户口", HukouType) == "rural"
    assert parse_choice("火星", HukouType) is None


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("张三", ("zhangsan", "zs")),
        ("曾小明", ("zengxiaoming", "zxm")),
        ("单田芳", ("shantianfang", "stf")),
        ("欧阳娜娜", ("ouyangnana", "oynn")),
        ("尉迟敬德", ("yuchijingde", "ycjd")),
    ],
)
def test_pinyin_keys_read_surnames_as_surnames(name, keys):
    assert search_keys(name) == keys
