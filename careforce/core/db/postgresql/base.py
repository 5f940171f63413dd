"""Django's PostgreSQL backend with callbacks run inside a transaction before it commits (precommit.py)."""

from django.db.backends.postgresql import base

from careforce.core.db.precommit import PrecommitMixin


class DatabaseWrapper(PrecommitMixin, base.DatabaseWrapper):
    pass
