"""Inserting many rows fast: COPY on PostgreSQL, executemany elsewhere.

Only for rows already validated by a service (this module validates nothing). Rows are given as
{attname: value} dicts (no model instances: building a Django model costs more than validating a row), and
their new primary keys are returned in order, so callers can point other rows (employments, audit events)
at them.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from django.db import connection, models, transaction
from django.utils import timezone

BATCH = 2000


def _allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys from the table's sequence, in ascending order.

    Usually they are one unbroken run and only its ends cross the wire (fetching 100,000 numbers a row
    each cost more than taking them); when another session took numbers meanwhile, the list comes whole.
    """
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(v), max(v), CASE WHEN max(v) - min(v) + 1 = count(*) THEN NULL "
            "ELSE array_agg(v ORDER BY v) END "
            # The sequence is looked up once (a scalar subquery); named inside nextval() it was looked up
            # for every number, which cost six times the numbers themselves.
            "FROM (SELECT nextval((SELECT pg_get_serial_sequence(%s, %s)::regclass)) AS v "
            "FROM generate_series(1, %s)) AS taken",
            [table, column, count],
        )
        low, high, scattered = cursor.fetchone()
    return list(scattered) if scattered is not None else list(range(low, high + 1))


_STORED_AS_IS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.BinaryField,
)


class _Layout:
    """A model's columns in table order, with what each needs: a default, the time of the insert, JSON."""

    def __init__(self, model: type[models.Model], now):
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.model = model
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in [model._meta.pk, *fields])
        stamped = [
            f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        self.defaults = {
            f.attname: f.get_default() for f in fields if f.has_default() or f.null or f.blank
        } | dict.fromkeys(stamped, now)
        self.stamps = dict.fromkeys(stamped, now)  # set on every row, whatever the row says
        self.required = [f.attname for f in fields if f.attname not in self.defaults]
        # One C-level call picks the columns in table order out of {defaults, row, stamps} (~24 columns:
        # a Python loop over them cost more than validating the row).
        self.pick = operator.itemgetter(*(f.attname for f in fields))
        # Columns whose Python value the driver does not store as Django would (aware datetimes, JSON,
        # decimals …) go through the field's own conversion; text, numbers, flags and plain dates do not need it.
        self.converted = [
            (i, f)
            for i, f in enumerate(fields, start=1)
            if not (isinstance(f, _STORED_AS_IS) or type(f) is models.DateField)
        ]
        self.json = [i for i, f in enumerate(fields, start=1) if isinstance(f, models.JSONField)]
        self.binary = [i for i, f in enumerate(fields, start=1) if isinstance(f, models.BinaryField)]

    def _ordered(self, row: Mapping[str, Any]) -> tuple:
        for name in self.required:
            if name not in row:
                raise ValueError(f"{self.model.__name__} row without {name}")
        return self.pick({**self.defaults, **row, **self.stamps})

    def values(self, pk: int, row: Mapping[str, Any]) -> list[Any]:
        values = [pk, *self._ordered(row)]
        for i in self.json:
            if values[i] is not None:
                values[i] = orjson.dumps(values[i], option=orjson.OPT_NON_STR_KEYS).decode()
        for i in self.binary:
            if isinstance(values[i], memoryview):
                values[i] = bytes(values[i])
        return values

    def prepared(self, row: Mapping[str, Any]) -> list[Any]:
        """The row as the database backend stores it (Django's own conversion of each field), pk unset."""
        values = [None, *self._ordered(row)]
        for i, f in self.converted:
            values[i] = f.get_db_prep_save(values[i], connection)
        return values


def _insert_elsewhere(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """SQLite: the first row takes its id from the table, the others follow it (executemany).

    Safe because the first INSERT gives this transaction the database's only write lock and the id is
    above every id ever used (AUTOINCREMENT), so the next ones are free until the transaction ends.
    Building model instances for bulk_create cost three times the rest of an import's commit."""
    layout = _Layout(model, timezone.now())
    table = connection.ops.quote_name(model._meta.db_table)
    values = [layout.prepared(row) for row in rows]
    sql = f"INSERT INTO {table} ({layout.columns}) VALUES ({', '.join(['%s'] * len(values[0]))})"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, values[0])
        first = cursor.lastrowid
        for offset, row in enumerate(values[1:], start=1):
            row[0] = first + offset
        for start in range(1, len(values), BATCH):
            cursor.executemany(sql, values[start : start + BATCH])
    return list(range(first, first + len(values)))


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """INSERT `rows` ({attname: value}, no primary key) and return their new primary keys, in order."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        if not isinstance(model._meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
            objs = [model(**row) for row in rows]  # ids that are not the table's own: the plain way
            model.objects.bulk_create(objs, batch_size=BATCH)
            return [obj.pk for obj in objs]
        return _insert_elsewhere(model, rows)
    ids = _allocate_ids(model, len(rows))
    layout = _Layout(model, timezone.now())
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({layout.columns}) FROM STDIN") as copy,
    ):
        for pk, row in zip(ids, rows, strict=True):
            copy.write_row(layout.values(pk, row))
    return ids


def insert_many(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """INSERT unsaved model instances (primary key unset); their primary keys are set afterwards."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    ids = insert_rows(model, [{name: getattr(obj, name) for name in names} for obj in objs])
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
