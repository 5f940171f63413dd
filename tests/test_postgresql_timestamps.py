"""Timestamps read by psycopg's C loader on PostgreSQL (careforce/core/db/postgresql/base.py): the same values
as Django's own loader, on a connection whose zone is UTC, and Django's loader on any other zone."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the loaders are psycopg's"),
]

VALUES_SQL = (
    "SELECT '2026-01-02 03:04:05.678+08'::timestamptz, '2026-06-30 23:59:59+00'::timestamptz,"
    " '1900-03-01 00:00:00.000001-05'::timestamptz, NULL::timestamptz"
)
EXPECTED = (
    datetime.datetime(2026, 1, 1, 19, 4, 5, 678000, tzinfo=datetime.UTC),
    datetime.datetime(2026, 6, 30, 23, 59, 59, tzinfo=datetime.UTC),
    datetime.datetime(1900, 3, 1, 5, 0, 0, 1, tzinfo=datetime.UTC),
    None,
)


def test_timestamps_come_from_the_c_loader_with_djangos_values():
    from careforce.core.db.postgresql.base import C_TIMESTAMPTZ_LOADER

    assert C_TIMESTAMPTZ_LOADER is not None  # psycopg[binary] is a pinned dependency
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, 0)
        assert loader is C_TIMESTAMPTZ_LOADER and not issubclass(loader, BaseTzLoader)
        cursor.execute(VALUES_SQL)
        row = cursor.fetchone()
    assert row == EXPECTED
    assert all(value.tzinfo is datetime.UTC for value in row if value is not None)


def test_another_zone_on_the_connection_keeps_djangos_loader():
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Shanghai'")
    try:
        with connection.cursor() as cursor:
            assert issubclass(cursor.cursor.adapters.get_loader(1184, 0), BaseTzLoader)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
