"""Inserting many rows fast: COPY on PostgreSQL, executemany elsewhere.

Only for rows already validated by a service (this module validates nothing). Rows are given as
{attname: value} dicts (no model instances: building a Django model costs more than validating a row), and
their new primary keys are returned in order, so callers can point other rows (employments, audit events)
at them.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import queue
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import orjson
from django.db import connection, connections, models, transaction
from django.utils import timezone

BATCH = 2000
ID_STOCK = 10_000


def _allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys from the table's sequence, in ascending order.

    Usually they are one unbroken run and only its ends cross the wire (fetching 100,000 numbers a row
    each cost more than taking them); when another session took numbers meanwhile, the list comes whole.
    While copies run in the background the numbers come from its stock (see BackgroundCopies.take_ids).
    """
    background = _background()
    if background is not None:
        return background.take_ids(model, count)
    return _take_from_sequence(connection, model, count)


def _take_from_sequence(database: Any, model: type[models.Model], count: int) -> list[int]:
    table = model._meta.db_table
    column = model._meta.pk.column
    with database.cursor() as cursor:
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


class JsonText(str):
    """A JSON column's value already serialised (e.g. by a helper process that had time to spare): written
    as it is, not encoded again."""


def json_text(value: Any) -> JsonText:
    return JsonText(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode())


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
        self.fields = [model._meta.pk, *fields]  # every column, in the order of `columns`
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
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
            if values[i] is not None and type(values[i]) is not JsonText:
                values[i] = json_text(values[i])
        for i in self.binary:
            if isinstance(values[i], memoryview):
                values[i] = bytes(values[i])
        return values

    def prepared(self, row: Mapping[str, Any]) -> list[Any]:
        """The row as the database backend stores it (Django's own conversion of each field), pk unset."""
        values = [None, *self._ordered(row)]
        for i, f in self.converted:
            if type(values[i]) is not JsonText:
                values[i] = f.get_db_prep_save(values[i], connection)
        return values

    def type_oids(self) -> list[int] | None:
        """The PostgreSQL type of each column, for a binary COPY; None if one is not a type psycopg knows."""
        from psycopg import adapters

        oids = []
        for f in self.fields:
            info = adapters.types.get(_TYPMOD.sub("", f.db_type(connection) or "").strip())
            if info is None:
                return None
            oids.append(info.oid)
        return oids


_TYPMOD = re.compile(r"\(.*\)")  # varchar(50) → varchar, numeric(5, 2) → numeric


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


def insert_rows(
    model: type[models.Model], rows: Sequence[Mapping[str, Any]], *, typed: bool = False
) -> list[int]:
    """INSERT `rows` ({attname: value}, no primary key) and return their new primary keys, in order.

    `typed`: the caller vouches that every value is already of its column's Python type (str for text,
    int for integers and keys, date and aware datetime, bytes, bool; JSON anything). On PostgreSQL the rows
    then go in COPY's binary format, which psycopg builds in a quarter of the time of the text format (the
    text format lets PostgreSQL parse "2024-05-01" for a date; the binary one does not, and a value of
    the wrong type fails the COPY, so the whole transaction)."""
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
    types = layout.type_oids() if typed else None
    sql = f"COPY {table} ({layout.columns}) FROM STDIN" + (" (FORMAT BINARY)" if types else "")
    values = [layout.values(pk, row) for pk, row in zip(ids, rows, strict=True)]
    background = _background()
    if background is not None:
        background.submit(sql, values, types)
        return ids
    # psycopg's own cursor, so its errors are turned into Django's here (IntegrityError, DataError …).
    with connection.wrap_database_errors, connection.cursor() as cursor:
        _copy(cursor.cursor, sql, values, types)
    return ids


def _copy(cursor: Any, sql: str, values: Sequence[Sequence[Any]], types: Sequence[int] | None = None) -> None:
    with cursor.copy(sql) as copy:
        if types is not None:
            from psycopg.types.json import set_json_dumps

            # JSON values arrive serialised (JsonText, see _Layout.values); psycopg would encode them again.
            set_json_dumps(_serialised, context=cursor)
            copy.set_types(types)
        for row in values:
            copy.write_row(row)


def _serialised(value: JsonText) -> str:
    return value


def _statement(cursor: Any, sql: str) -> None:
    cursor.execute(sql)


# Django's own savepoint statements (SAVEPOINT "s…", RELEASE SAVEPOINT "s…"), not ROLLBACK TO SAVEPOINT.
_QUEUEABLE = re.compile(r'(?:RELEASE )?SAVEPOINT "[A-Za-z0-9_]+"\Z')


# ---------------------------------------------------------------- copies in the background


class BackgroundCopies:
    """COPYs sent by a thread of their own while the caller goes on preparing the next rows.

    In a big import PostgreSQL's work (parsing rows, a dozen indexes per worker, audit rows) took as long
    as Python's, and the importing process waited for each COPY to end before touching the next batch;
    now one runs while the other works. Same connection, same transaction: all or nothing still holds.

    The connection is never used by both threads at once: any query from the caller's thread first waits
    for the queued copies (an execute wrapper), and leaving the block waits for them too, before the
    transaction can end. A copy's error is raised in the caller's thread at that point; the copies still
    queued behind it are dropped (the transaction is lost anyway). Code that bypasses Django's cursor
    (psycopg's own COPY, as indicators/facts.py does) must not run inside the block: it would not wait.
    """

    def __init__(self):
        self.raw = connection.connection
        self.side = connections.create_connection(connection.alias)
        # Bounded, so that a caller that never queries cannot pile up batches in memory.
        self.queue: queue.Queue = queue.Queue(maxsize=8)
        self.error: BaseException | None = None  # a copy's error not yet raised in the caller's thread
        self.failed: BaseException | None = None  # the first copy's error, for good
        self.abandoned = False
        self.stock: dict[type[models.Model], list[int]] = {}
        self.thread = threading.Thread(target=self._run, name="careforce-copies", daemon=True)

    def _run(self) -> None:
        while (job := self.queue.get()) is not None:
            try:
                if self.failed is None and not self.abandoned:
                    with self.raw.cursor() as cursor:
                        job(cursor)
            except BaseException as exc:  # raised in the caller's thread by wait()
                self.error = self.failed = exc
            finally:
                self.queue.task_done()
        self.queue.task_done()

    def take_ids(self, model: type[models.Model], count: int) -> list[int]:
        """Ids from the sequence through the side connection (sequences are outside transactions, so they
        are as safe there, and the copies queued ahead need not finish first), a stock of them at a time:
        each round trip waits for a busy machine to schedule the side connection's server process. What
        is left of the stock at the end is a gap in the numbering, as a rollback leaves."""
        stock = self.stock.setdefault(model, [])
        if len(stock) < count:
            stock.extend(_take_from_sequence(self.side, model, max(count - len(stock), ID_STOCK)))
        taken, self.stock[model] = stock[:count], stock[count:]
        return taken

    def submit(self, sql: str, values: Sequence[Sequence[Any]], types: Sequence[int] | None = None) -> None:
        self.check()
        self.queue.put(functools.partial(_copy, sql=sql, values=values, types=types))

    def check(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            # As Django's own cursor would have raised it (IntegrityError, not the driver's error class).
            with connection.wrap_database_errors:
                raise error

    def wait(self) -> None:
        self.queue.join()
        self.check()

    def _before_query(self, execute, sql, params, many, context):
        if params is None and _QUEUEABLE.match(sql):
            # Setting or releasing a savepoint returns nothing the caller reads. Sent in turn after the
            # copies, it need not wait for them: each `workers_register` is a savepoint of the import's
            # transaction, and waiting at its release kept PostgreSQL's COPYs from overlapping the next
            # batch's Python work (a third of each batch's time). Rolling back to a savepoint still waits.
            self.check()
            self.queue.put(functools.partial(_statement, sql=sql))
            return None
        self.wait()
        return execute(sql, params, many, context)

    def __enter__(self) -> BackgroundCopies:
        with connection.cursor() as cursor:
            # Foreign keys checked as each COPY ends, in the background, instead of all at COMMIT, when
            # nothing else runs (17% of PostgreSQL's time in a big import).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.thread.start()
        connection.execute_wrappers.append(self._before_query)
        _active.copies = self
        return self

    def __exit__(self, kind, exc, tb) -> None:
        _active.copies = None
        connection.execute_wrappers.remove(self._before_query)
        # On the way out with an error the rest of the queue is of no use; a copy already running is let
        # finish (stopping it halfway would leave the connection mid-protocol) before the rollback.
        self.abandoned = kind is not None
        self.queue.put(None)
        self.thread.join()
        self.side.close()
        if kind is None:
            self.check()
            if self.failed is not None:
                # Raised earlier inside the block and caught there: a rollback to a savepoint may have let
                # the transaction go on without the rows that copy held. The block cannot end well.
                with connection.wrap_database_errors:
                    raise self.failed
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


_active = threading.local()


def _background() -> BackgroundCopies | None:
    return getattr(_active, "copies", None)


@contextlib.contextmanager
def copies_in_background() -> Iterator[BackgroundCopies | None]:
    """Within the block (inside the transaction), insert_rows sends its rows in the background on
    PostgreSQL; elsewhere, or when a block is already open, it is a plain block."""
    if connection.vendor != "postgresql" or _background() is not None or not connection.in_atomic_block:
        yield None
        return
    connection.ensure_connection()
    with BackgroundCopies() as copies:
        yield copies


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
