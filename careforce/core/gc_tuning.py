"""Garbage collection during bulk work.

An import builds a few hundred thousand small containers per batch (rows, dicts of cell values, audit
changes) that all stay alive until the batch is written. CPython's cyclic collector, run every 700
allocations, keeps re-scanning them: at 100,000 rows a quarter of the import's time went to collections
that found nothing to free. Bulk work therefore runs with the long-lived objects of the process set aside
(`gc.freeze`) and collections made rare; both are undone when it ends, so nothing is leaked.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None
BULK_THRESHOLD = (100_000, 50, 1000)


@contextmanager
def rare_collections() -> Iterator[None]:
    """Collect rarely inside the block. Nests, and is safe to enter from several threads."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(*BULK_THRESHOLD)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                gc.unfreeze()
                _saved = None
