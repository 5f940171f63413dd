"""The dashboard's figures per district, read from the persisted counters; each process keeps the district
blocks it has read in memory and reads a district again only when its version changed.

A read only reads. Writes keep the facts and counters current inside their own transactions and increase
the versions of the districts they touch (marks.py); a page reads the versions (one small query), reads
again the districts whose version moved (two parts: the workers' counters, and the places' figures —
institutions, beds, residents, certification, training tallies, bases, complaints), and sums the rest from
memory. No read catches up, rebuilds, rolls dates or takes the facts' lock.

What changes with time alone is re-read, never written, by a read: every block when the day changes (this
year's training, date bands' labels), and any part older than INDICATORS_CACHE_SECONDS (default 600) — a
complaint becoming overdue. The age and service bands of the counters are moved forward by the worker's
daily task at 00:05 (tasks.py), or by the first write of the day, whichever comes first.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from careforce.core.models import District
from careforce.indicators import facts, marks, sources
from careforce.indicators.sources import Figures


def cache_seconds() -> float:
    return float(getattr(settings, "INDICATORS_CACHE_SECONDS", 600))


@dataclass
class _State:
    day: datetime.date | None = None
    versions: dict[int, int] = field(default_factory=dict)  # of the parts held, per district (0: all)
    # (district, part) -> (monotonic time, figures); a block is the sum of its district's parts.
    parts: dict[tuple[int, str], tuple[float, Figures]] = field(default_factory=dict)
    blocks: dict[int, Figures] = field(default_factory=dict)


_state = _State()
_lock = threading.RLock()


def reset() -> None:
    """Forget the blocks held in memory (tests; a new process starts this way). The counters stay."""
    global _state
    with _lock:
        _state = _State()
        facts.forget()


def rebuild(*, log=None) -> None:
    """Recompute the facts from the registry (after a bulk load that bypassed the services)."""
    facts.build(log=log)
    reset()


def district_ids() -> list[int]:
    return list(District.objects.order_by("sort_order", "code").values_list("pk", flat=True))


def _forget(district_id: int) -> None:
    for part in sources.PARTS:
        _state.parts.pop((district_id, part), None)
    _state.blocks.pop(district_id, None)


def _follow_versions(today: datetime.date, wanted: list[int]) -> None:
    """Drop what the writes since the last read have changed (their versions moved), or everything when
    the day changed."""
    current = marks.versions()
    everything = marks.EVERY_DISTRICT
    if _state.day != today or current.get(everything, 0) != _state.versions.get(everything, 0):
        _state.parts.clear()
        _state.blocks.clear()
        _state.versions = {everything: current.get(everything, 0)}
        _state.day = today
    for district_id in wanted:
        version = current.get(district_id, 0)
        if _state.versions.get(district_id) != version:
            _forget(district_id)
            _state.versions[district_id] = version


def blocks(ids: Iterable[int] | None = None) -> dict[int, Figures]:
    """The figures of each district (all when `ids` is None), as committed: only the districts whose
    version moved (or parts older than the cache's limit) are read again."""
    today = timezone.localdate()
    wanted = list(ids) if ids is not None else district_ids()
    with _lock:
        # Versions before counters: a write committing in between is seen by the next read.
        _follow_versions(today, wanted)
        now = time.monotonic()
        limit = cache_seconds()
        for part in sources.PARTS:
            stale = [
                d for d in wanted if (d, part) not in _state.parts or now - _state.parts[(d, part)][0] > limit
            ]
            if stale:
                for district_id, found in sources.district_figures(stale, today, (part,)).items():
                    _state.parts[(district_id, part)] = (now, found[part])
                    _state.blocks.pop(district_id, None)
        out = {}
        for d in wanted:
            block = _state.blocks.get(d)
            if block is None:
                block = _state.blocks[d] = total(_state.parts[(d, part)][1] for part in sources.PARTS)
            out[d] = block
        return out


def total(figures: Iterable[Figures]) -> Figures:
    out = Figures()
    for f in figures:
        out.update(f)
    return out
