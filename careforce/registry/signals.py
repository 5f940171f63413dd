"""Signals the registry services send, in the transaction of the change, for apps that keep summaries.

placement_changed(sender=Worker, institution_ids=set[int]): workers were registered, moved, started or
left a post, or changed occupation; the institutions named (before and after) may have different staff
counts now. Receivers recompute what they keep for those institutions (e.g. skills' certification tally).

Services call `placement_touched(ids)` rather than sending directly, so that a bulk operation (an import of
100,000 rows in batches) can gather the institutions with `placement_batch()` and have the receivers
recompute each institution once, at the end, instead of once per batch. The signal is still sent inside
the same transaction, before it commits.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator

from django.dispatch import Signal

placement_changed = Signal()

_pending = threading.local()


def placement_touched(institution_ids: Iterable[int | None]) -> None:
    ids = {int(i) for i in institution_ids if i}
    if not ids:
        return
    gathered = getattr(_pending, "ids", None)
    if gathered is not None:
        gathered.update(ids)
        return
    from careforce.registry.models import Worker

    placement_changed.send(Worker, institution_ids=ids)


@contextlib.contextmanager
def placement_batch() -> Iterator[None]:
    """Within the block, placement changes are gathered and announced once when it ends without error.

    Use it inside the transaction that makes the changes: on an error nothing is sent (the transaction
    rolls back, so there is nothing to announce)."""
    if getattr(_pending, "ids", None) is not None:  # nested: the outer block announces
        yield
        return
    _pending.ids = set()
    try:
        yield
        ids = _pending.ids
    finally:
        _pending.ids = None
    placement_touched(ids)
