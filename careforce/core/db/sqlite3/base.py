"""Django's SQLite backend with callbacks run inside a transaction before it commits (precommit.py)."""

from django.db.backends.sqlite3 import base

from careforce.core.db.precommit import PrecommitMixin


class DatabaseWrapper(PrecommitMixin, base.DatabaseWrapper):
    pass
