"""Django's SQLite backend with callbacks run inside a transaction before it commits (precommit.py), and a
flush that lifts the immutability guards around its DELETEs (immutable.py)."""

from django.db.backends.sqlite3 import base, operations

from careforce.core.db import immutable
from careforce.core.db.precommit import PrecommitMixin


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        return (
            immutable.sqlite_flush_wrapped(self.connection, tables, statements) if statements else statements
        )


class DatabaseWrapper(PrecommitMixin, base.DatabaseWrapper):
    ops_class = DatabaseOperations
