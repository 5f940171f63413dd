"""Inserting many rows fast: COPY on PostgreSQL, bulk_create elsewhere.

Only for rows already validated by a service (this module validates nothing). Primary keys are set on
the objects on both paths, so callers can point other rows (employments, audit events) at them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone

BATCH = 2000


def _allocate_ids(model: type[models.Model], count: int) -> list[int]:
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _row_maker(fields: list[models.Field], now):
    """A function turning an object into its COPY row: plain attribute reads, with the few fields that need
    conversion (timestamps set on save, JSON, memoryview) fixed up by position."""
    names = [f.attname for f in fields]
    stamped = [
        i for i, f in enumerate(fields) if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    binary = [i for i, f in enumerate(fields) if isinstance(f, models.BinaryField)]

    def make(obj: models.Model) -> list:
        values = [getattr(obj, name) for name in names]
        for i in stamped:
            setattr(obj, names[i], now)
            values[i] = now
        for i in json_columns:
            if values[i] is not None:
                values[i] = json.dumps(values[i], ensure_ascii=False)
        for i in binary:
            if isinstance(values[i], memoryview):
                values[i] = bytes(values[i])
        return values

    return make


def insert_many(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """INSERT `objs` (unsaved, primary key unset) in as few round trips as the database allows."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    ids = _allocate_ids(model, len(objs))
    fields = list(model._meta.concrete_fields)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
    now = timezone.now()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    make = _row_maker(fields, now)
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            copy.write_row(make(obj))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
