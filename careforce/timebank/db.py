"""The database refuses UPDATE and DELETE on ledger entries and movements (append-only), on SQLite and
PostgreSQL alike. A correction is a reversal movement (services.movement_reverse).

PostgreSQL: row triggers raise; TRUNCATE is not a row operation, so production denies the application's
database role the TRUNCATE privilege on these tables (docs/timebank.md). SQLite: RAISE(ABORT) triggers.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

TABLES = ("timebank_entry", "timebank_movement")
MESSAGE = "time-bank ledger rows are append-only: post a reversal instead"


def install_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        statements = [
            "CREATE OR REPLACE FUNCTION timebank_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'; END; "
            "$$ LANGUAGE plpgsql"
        ]
        for table in TABLES:
            statements.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            statements.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION timebank_append_only()"
            )
        return statements
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            for table in TABLES
            for op in ("UPDATE", "DELETE")
        ]
    return []


def uninstall_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES] + [
            "DROP FUNCTION IF EXISTS timebank_append_only()"
        ]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_{op.lower()}"
            for table in TABLES
            for op in ("UPDATE", "DELETE")
        ]
    return []


def install(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in install_sql(connection.vendor):
            cursor.execute(statement)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in uninstall_sql(connection.vendor):
            cursor.execute(statement)


def wipe_ledger(connection: BaseDatabaseWrapper) -> None:
    """Empty the ledger (tests and benchmarks only): lift the guard, delete, put it back, in one go."""
    uninstall(connection)
    try:
        with connection.cursor() as cursor:
            for table in ("timebank_redemption", "timebank_entry", "timebank_movement"):
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("UPDATE timebank_account SET balance = 0")
    finally:
        install(connection)
