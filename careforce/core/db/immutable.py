"""Rows the database itself refuses to change: published rankings, frozen reports and their rows.

The models refuse `save()` and `delete()` on such rows, but a bulk `QuerySet.update()`, a raw SQL statement
or a database console goes under the ORM. A trigger per guarded table refuses UPDATE and DELETE inside the
database: on PostgreSQL a plpgsql function that raises (SQLSTATE 23000), on SQLite `RAISE(ABORT, …)`. Both
reach Django as `django.db.IntegrityError` whose message starts with `REFUSE_PREFIX`.

A guard either covers every row of its table or only the rows for which a condition on the OLD row holds
(a ranking's rows once it has been published; a draft can still be recomputed).

What a trigger does not stop — TRUNCATE, the table owner disabling triggers, a superuser — is closed by the
production roles (docs/security.md, docs/operations.md).

Migrations install the guards with `install(schema_editor, guards)` and take them out with `uninstall`; the
SQL of each guard is written in the migration so that a later change here does not rewrite history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

REFUSE_PREFIX = "careforce: refused"
TRIGGER_PREFIX = "careforce_immutable_"


@dataclass(frozen=True)
class Guard:
    table: str
    # An SQL condition on OLD (the row as it is) under which the row is frozen; None: every row.
    when: str | None = None


def trigger_name(table: str) -> str:
    return f"{TRIGGER_PREFIX}{table}"


def _message(table: str) -> str:
    return f"{REFUSE_PREFIX}: {table} rows are published and cannot be changed or deleted"


def _postgresql(guard: Guard) -> list[str]:
    name = trigger_name(guard.table)
    condition = guard.when or "TRUE"
    return [
        f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $guard$
        BEGIN
            IF {condition} THEN
                RAISE EXCEPTION USING ERRCODE = '23000', MESSAGE = '{_message(guard.table)}';
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END
        $guard$
        """,
        f'DROP TRIGGER IF EXISTS {name} ON "{guard.table}"',
        f'CREATE TRIGGER {name} BEFORE UPDATE OR DELETE ON "{guard.table}" '
        f"FOR EACH ROW EXECUTE FUNCTION {name}()",
    ]


def _sqlite(guard: Guard) -> list[str]:
    name = trigger_name(guard.table)
    when = f" WHEN {guard.when}" if guard.when else ""
    return [
        f'CREATE TRIGGER IF NOT EXISTS {name}_{op.lower()} BEFORE {op} ON "{guard.table}" FOR EACH ROW{when} '
        f"BEGIN SELECT RAISE(ABORT, '{_message(guard.table)}'); END"
        for op in ("UPDATE", "DELETE")
    ]


def install(schema_editor, guards: Iterable[Guard]) -> None:
    vendor = schema_editor.connection.vendor
    for guard in guards:
        if vendor == "postgresql":
            statements = _postgresql(guard)
        elif vendor == "sqlite":
            statements = _sqlite(guard)
        else:  # pragma: no cover - the project runs on these two
            raise NotImplementedError(f"no immutability trigger for {vendor}")
        for sql in statements:
            schema_editor.execute(sql)


def uninstall(schema_editor, guards: Iterable[Guard]) -> None:
    vendor = schema_editor.connection.vendor
    for guard in guards:
        name = trigger_name(guard.table)
        if vendor == "postgresql":
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {name} ON "{guard.table}"')
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            for op in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{op}")


def sqlite_flush_wrapped(connection, tables: Iterable[str], statements: list[str]) -> list[str]:
    """`flush` (the test runner's reset, `careforce flush`) empties tables with DELETE on SQLite, which the
    guards refuse; on PostgreSQL it is a TRUNCATE, which row triggers do not see. Like that TRUNCATE, a
    flush is the owner's operation: the guards of the flushed tables are dropped around the DELETEs and
    created again as they were."""
    wanted = set(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
            [f"{TRIGGER_PREFIX}%"],
        )
        triggers = [(name, sql) for name, table, sql in cursor.fetchall() if table in wanted]
    if not triggers:
        return statements
    return (
        [f"DROP TRIGGER {name};" for name, _sql in triggers]
        + statements
        + [f"{sql};" for _name, sql in triggers]
    )
