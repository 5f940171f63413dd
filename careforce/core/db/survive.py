"""Writes that a rollback must not undo: the security records a refused operation leaves behind.

A registration refused because the number is registered tells the registrant the number exists, so it counts
against their lookup limit (careforce/core/access.py) — but the refusal rolls its transaction back, and with
the database cache the count was written in that transaction. `redo_after_rollback(callback)` runs nothing by
itself: the caller has just made its write; if the transaction (or the savepoint) it was made in is rolled
back, `callback()` runs again afterwards — after a savepoint's rollback inside the transaction that remains,
after a whole transaction's rollback in autocommit, once the connection is back in it. A commit forgets it.

The backends in careforce/core/db/{postgresql,sqlite3} call this module from their rollback, savepoint and
commit methods (precommit.PrecommitMixin). Only the application's own atomic blocks count: a test case's
block never commits and is rolled back when the test ends, which must not redo anything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)


@dataclass
class _Redo:
    savepoints: tuple[str, ...]  # the savepoints open when the write was made
    callback: Callable[[], None]


def redo_after_rollback(callback: Callable[[], None], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Run `callback` again if the write it repeats, just made, is rolled back (see the module's text)."""
    from careforce.core.db.precommit import _application_blocks

    connection = connections[using]
    if not connection.in_atomic_block or not _application_blocks(connection):
        return  # autocommit (the write is committed) or only a test case's block (never rolled back early)
    _pending(connection).append(_Redo(tuple(connection.savepoint_ids), callback))


def _pending(connection) -> list[_Redo]:
    pending = getattr(connection, "careforce_redo", None)
    if pending is None:
        pending = connection.careforce_redo = []
    return pending


def _due(connection) -> list[_Redo]:
    due = getattr(connection, "careforce_redo_due", None)
    if due is None:
        due = connection.careforce_redo_due = []
    return due


def _run(items: list[_Redo]) -> None:
    for item in items:
        try:
            item.callback()
        except Exception:
            # The operation's own error is already on its way up; losing a count is logged, not raised over it.
            logger.exception("a security record could not be written again after a rollback")


def forget(connection) -> None:
    """The transaction committed: its writes stay."""
    _pending(connection).clear()


def rolled_back(connection) -> None:
    """The whole transaction was rolled back: its writes are redone once the connection is in autocommit
    again (Atomic switches it back right after the rollback)."""
    pending = _pending(connection)
    _due(connection).extend(pending)
    pending.clear()


def savepoint_rolled_back(connection, sid: str) -> None:
    """A savepoint was rolled back: the writes made under it are redone now, in the transaction that
    remains (which may itself be rolled back later: they are registered again)."""
    pending = _pending(connection)
    undone = [item for item in pending if sid in item.savepoints]
    if undone:
        pending[:] = [item for item in pending if sid not in item.savepoints]
        _run(undone)


def savepoint_released(connection) -> None:
    """The application's outermost block ended inside a test case's block: what would have committed."""
    from careforce.core.db.precommit import _application_blocks

    if not _application_blocks(connection):
        forget(connection)


def autocommit_restored(connection) -> None:
    due = _due(connection)
    if due:
        items = list(due)
        due.clear()
        _run(items)
