"""Callbacks run inside a transaction, just before it commits.

Django runs `on_commit` callbacks after the commit, outside the transaction: a crash in between loses their
work, and anything they write is a second transaction. What must commit with the change — the dashboard's
facts and counters — registers here instead: `before_commit(key, callback)` runs `callback()` once, inside
the current transaction, right before its COMMIT; an error there rolls the whole transaction back, change
included. Outside a transaction (autocommit) the callback runs at once. A rollback drops the callbacks.

The backends in careforce/core/db/{postgresql,sqlite3} call `run` from their `commit()`; settings.py points
Django at them.

Under a test case, whose own atomic block wraps every test and never commits, the application's outermost
block is the one directly inside the test case's (Django marks those `_from_testcase`): the callbacks run
as that block ends, just as they would before its COMMIT in production.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections

from careforce.core.db import survive


def before_commit(key: str, callback: Callable[[], None], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Run `callback` just before the current transaction commits (once per key and transaction)."""
    connection = connections[using]
    if not _application_blocks(connection) and (
        connection.get_autocommit() or connection.in_atomic_block  # autocommit, or a test case's block
    ):
        callback()
        return
    hooks = _hooks(connection)
    hooks.setdefault(key, callback)


def _application_blocks(connection) -> int:
    """Open atomic blocks of the application (a test case's own are not counted)."""
    return sum(1 for block in connection.atomic_blocks if not getattr(block, "_from_testcase", False))


def _hooks(connection) -> dict[str, Callable[[], None]]:
    hooks = getattr(connection, "careforce_before_commit", None)
    if hooks is None:
        hooks = connection.careforce_before_commit = {}
    return hooks


def run(connection) -> None:
    """Run the pending callbacks (a callback may register more: they run too), in registration order.

    While they run, the connection counts as inside an atomic block: Django has already left the outermost
    block when it calls commit(), so an `atomic()` opened by a callback would otherwise start a block of its
    own whose exit commits the transaction early and turns autocommit back on. Here it is a savepoint of the
    committing transaction, and releasing it does not run the callbacks again."""
    if getattr(connection, "careforce_hooks_running", False):
        return
    hooks = _hooks(connection)
    was_in_atomic_block = connection.in_atomic_block
    connection.careforce_hooks_running = True
    connection.in_atomic_block = True
    try:
        while hooks:
            key = next(iter(hooks))
            callback = hooks[key]
            try:
                callback()
            finally:
                hooks.pop(key, None)
    finally:
        connection.in_atomic_block = was_in_atomic_block
        connection.careforce_hooks_running = False


def discard(connection) -> None:
    _hooks(connection).clear()


class PrecommitMixin:
    """For a DatabaseWrapper: run the callbacks inside the transaction before committing it; drop them on a
    rollback. A failing callback rolls the transaction back and its error propagates. Also redoes the
    security records a rollback undid (survive.py)."""

    def commit(self):
        if getattr(self, "careforce_before_commit", None):
            try:
                run(self)
            except BaseException:
                discard(self)
                self.rollback()
                raise
        result = super().commit()
        survive.forget(self)
        return result

    def rollback(self):
        discard(self)
        result = super().rollback()
        survive.rolled_back(self)
        return result

    def set_autocommit(self, autocommit, *args, **kwargs):
        result = super().set_autocommit(autocommit, *args, **kwargs)
        if autocommit:
            survive.autocommit_restored(self)
        return result

    def savepoint_rollback(self, sid):
        result = super().savepoint_rollback(sid)
        survive.savepoint_rolled_back(self, sid)
        return result

    def savepoint_commit(self, sid):
        # The application's outermost block inside a test case's: what would commit in production.
        if getattr(self, "careforce_before_commit", None) and not _application_blocks(self):
            try:
                run(self)
            except BaseException:
                discard(self)
                self.savepoint_rollback(sid)
                raise
        result = super().savepoint_commit(sid)
        survive.savepoint_released(self)
        return result
