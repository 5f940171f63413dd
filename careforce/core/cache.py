"""The database cache with a counter that two processes cannot both miss.

Django's DatabaseCache inherits `incr` from BaseCache: read, add, then `set` with the default timeout. Two
processes reading the same count both write count + 1 (one request uncounted), and the `set` moves the
entry's expiry to five minutes from now, so a counter meant for an hour's window loses its window. Rate
limits count with `cache.add(key, 0, timeout=window)` then `cache.incr(key)`: here `incr` locks the row
(SELECT … FOR UPDATE on PostgreSQL; SQLite's write transactions are already exclusive) and writes the value
only, keeping the expiry. Redis's INCRBY (django's RedisCache) behaves the same way on its own.

A counter written inside a transaction that is then rolled back would be rolled back with it (a registration
refused as a duplicate counts as a lookup, then its transaction rolls back). Redis keeps it; here `add` and
`incr` are redone after such a rollback (careforce/core/db/survive.py), so the count stands on SQLite and
PostgreSQL alike, and no second connection is needed (SQLite has one writer at a time).
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now

from careforce.core.db.survive import redo_after_rollback


class DatabaseCache(DjangoDatabaseCache):
    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        added = super().add(key, value, timeout, version)
        if added:
            # redone through self.add: registered again if the enclosing transaction rolls back too
            redo_after_rollback(
                lambda: self.add(key, value, timeout, version),
                using=router.db_for_write(self.cache_model_class),
            )
        return added

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        value = self._incr(key, delta, version)
        redo_after_rollback(
            lambda: self._redo_incr(key, delta, version), using=router.db_for_write(self.cache_model_class)
        )
        return value

    def _redo_incr(self, key: Any, delta: int, version: int | None) -> None:
        try:
            self.incr(key, delta, version)
        except ValueError:  # expired meanwhile: the count starts again
            self.add(key, delta, version=version)

    def _incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table = quote(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} WHERE {quote('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is None or self._expired(connection, row[1]):
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",
                [base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1"), key],
            )
        return value

    @staticmethod
    def _expired(connection, expires: Any) -> bool:
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        ):
            expires = converter(expires, expression, connection)
        return expires < tz_now()


class _ClientPerPool(RedisCacheClient):
    """Django's Redis client maker builds a new redis-py client object for every cache call (a session read,
    a rate count); building it cost about as much as the call's own work. A redis-py client holds no state
    of its own between commands (the pool holds the connections, and resets them in a forked process), so
    one client per pool serves every call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    """Django's RedisCache with one redis-py client per connection pool (`_ClientPerPool`)."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ClientPerPool
