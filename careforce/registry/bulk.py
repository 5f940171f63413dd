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


def _copy_value(field: models.Field, obj: models.Model, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        setattr(obj, field.attname, now)
        return now
    value = getattr(obj, field.attname)
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def insert_many(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """INSERT `objs` (unsaved, primary key unset) in as few round trips as the database allows."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    ids = _allocate_ids(model, len(objs))
    fields = [f for f in model._meta.concrete_fields]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
    now = timezone.now()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            copy.write_row([_copy_value(f, obj, now) for f in fields])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
