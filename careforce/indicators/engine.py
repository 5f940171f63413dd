"""The dashboard's aggregates, kept per district in memory and recomputed only where records changed.

Why this shape: the city overview sums 41 district blocks; a change to a record dirties only its
district's block, so the first view after a change recomputes one district (a few indexed queries over
its rows), not the city.

How a change is noticed, without touching other apps' write paths:
- the audit trail. Every service writes an AuditEvent in the same transaction as the change (house rule),
  naming the worker and/or institution. Each read fetches the events after the newest one seen (an
  index range scan, usually empty) and dirties the districts of the workers and institutions they name,
  and both districts when a record moved. The tail of recent ids is re-read so that a transaction that
  commits late with a lower id is not missed. This works across processes: each process has its own
  blocks and its own position in the trail.
- post_save / post_delete signals on the training, skills and conduct models (apps.py), for records
  whose services do not write audit events: only to dirty the districts they name (after commit), in
  this process. Other processes catch up within CACHE_SECONDS.
- the date: every block is dropped when the day changes (ages, years of service, this year's training).
- a maximum age, CACHE_SECONDS (setting INDICATORS_CACHE_SECONDS, default 600), as a backstop for
  figures that change with time alone (a complaint becoming overdue).
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from careforce.core.models import AuditEvent, District
from careforce.indicators import sources
from careforce.indicators.sources import Figures

TAIL = 200  # recent audit ids re-read for late commits
MAX_EVENTS = 5000  # more new events than this since the last read: drop every block


def cache_seconds() -> float:
    return float(getattr(settings, "INDICATORS_CACHE_SECONDS", 600))


@dataclass
class _State:
    day: datetime.date | None = None
    high: int | None = None  # the newest audit id accounted for
    seen: dict[int, datetime.datetime] = field(default_factory=dict)  # ids in (high - TAIL, high] handled
    blocks: dict[int, tuple[float, Figures]] = field(default_factory=dict)
    institutions: dict[int, tuple[float, list[dict]]] = field(default_factory=dict)
    pending_workers: set[int] = field(default_factory=set)
    pending_institutions: set[int] = field(default_factory=set)
    pending_districts: set[int] = field(default_factory=set)
    everything: bool = False


_state = _State()
_lock = threading.RLock()


def reset() -> None:
    """Forget every block (tests; after a bulk load that bypassed the services)."""
    global _state
    with _lock:
        _state = _State()


def mark_dirty(
    *, worker_ids: Iterable[int] = (), institution_ids: Iterable[int] = (), district_ids: Iterable[int] = ()
) -> None:
    """Called (after commit) by the signal receivers: the blocks these records fall in are stale."""
    with _lock:
        _state.pending_workers.update(i for i in worker_ids if i)
        _state.pending_institutions.update(i for i in institution_ids if i)
        _state.pending_districts.update(i for i in district_ids if i)


def mark_all_dirty() -> None:
    with _lock:
        _state.everything = True


def _districts_of(worker_ids: set[int], institution_ids: set[int], names: set[str]) -> set[int]:
    from careforce.institutions.models import Institution
    from careforce.registry.models import Worker

    out: set[int] = set()
    if worker_ids:
        out.update(Worker.objects.filter(pk__in=worker_ids).values_list("district_id", flat=True))
    if institution_ids:
        out.update(Institution.objects.filter(pk__in=institution_ids).values_list("district_id", flat=True))
    if names:
        out.update(District.objects.filter(name__in=names).values_list("pk", flat=True))
    return out


def _restart_trail() -> None:
    _state.high = AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0
    _state.seen = dict(AuditEvent.objects.filter(pk__gt=_state.high - TAIL).values_list("pk", "at"))


def _read_trail() -> None:
    """Dirty the districts named by audit events this process has not seen yet.

    The recent tail is remembered with each event's time: if an event seen before has vanished or
    changed (a rolled-back transaction reused its id, a restored database), every block is dropped."""
    if _state.high is None:
        _restart_trail()
        return
    low = max(0, _state.high - TAIL)
    rows = list(
        AuditEvent.objects.filter(pk__gt=low)
        .order_by("pk")
        .values_list("pk", "at", "worker_id", "institution_id", "changes")[: MAX_EVENTS + 1]
    )
    present = {row[0]: row[1] for row in rows}
    if any(present.get(pk) != at for pk, at in _state.seen.items() if pk > low):
        _state.everything = True
        _restart_trail()
        return
    # Ids above the newest seen are new; unseen ids below it committed late.
    fresh = [row for row in rows if row[0] not in _state.seen]
    if len(rows) > MAX_EVENTS:
        _state.everything = True
    workers, institutions, names = set(), set(), set()
    for _pk, _at, worker_id, institution_id, changes in fresh:
        if worker_id:
            workers.add(worker_id)
        if institution_id:
            institutions.add(institution_id)
        moved = (changes or {}).get("district") if isinstance(changes, dict) else None
        if isinstance(moved, list):
            names.update(str(name) for name in moved if name)
    if rows:
        _state.high = max(_state.high, rows[-1][0])
    _state.seen = {pk: at for pk, at in present.items() if pk > _state.high - TAIL}
    _state.pending_workers |= workers
    _state.pending_institutions |= institutions
    if names:
        _state.pending_districts |= set(District.objects.filter(name__in=names).values_list("pk", flat=True))


def _sync(today: datetime.date) -> None:
    if _state.day != today:
        _state.day = today
        _state.blocks.clear()
        _state.institutions.clear()
    _read_trail()
    if _state.everything:
        _state.blocks.clear()
        _state.institutions.clear()
        _state.everything = False
        _state.pending_workers.clear()
        _state.pending_institutions.clear()
        _state.pending_districts.clear()
        return
    dirty = set(_state.pending_districts)
    if _state.pending_workers or _state.pending_institutions:
        dirty |= _districts_of(_state.pending_workers, _state.pending_institutions, set())
    # A worker who just moved is found in the new district; the old one is named by the employment's
    # institution (the ended post) or by the "district" change of the worker's audit event.
    for district_id in dirty:
        _state.blocks.pop(district_id, None)
        _state.institutions.pop(district_id, None)
    _state.pending_workers.clear()
    _state.pending_institutions.clear()
    _state.pending_districts.clear()


def district_ids() -> list[int]:
    return list(District.objects.order_by("sort_order", "code").values_list("pk", flat=True))


def blocks(ids: Iterable[int] | None = None) -> dict[int, Figures]:
    """The figures of each district (all when `ids` is None), fresh with respect to committed records."""
    today = timezone.localdate()
    wanted = list(ids) if ids is not None else district_ids()
    with _lock:
        _sync(today)
        now = time.monotonic()
        limit = cache_seconds()
        missing = [d for d in wanted if d not in _state.blocks or now - _state.blocks[d][0] > limit]
        if missing:
            computed = sources.district_figures(missing, today)
            for district_id, figures in computed.items():
                _state.blocks[district_id] = (now, figures)
        return {d: _state.blocks[d][1] for d in wanted}


def institution_rows(district_id: int) -> list[dict]:
    """The institutions of one district with their figures (for the drill-down), cached like blocks."""
    today = timezone.localdate()
    with _lock:
        _sync(today)
        now = time.monotonic()
        cached = _state.institutions.get(district_id)
        if cached is None or now - cached[0] > cache_seconds():
            cached = (now, sources.institution_rows(district_id, today))
            _state.institutions[district_id] = cached
        return cached[1]


def total(figures: Iterable[Figures]) -> Figures:
    out = Figures()
    for f in figures:
        out.update(f)
    return out
