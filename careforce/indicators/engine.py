"""The dashboard's figures per district: persisted counters (facts.py) kept current from the audit trail,
with each district's block cached in memory.

How a change reaches the figures, without touching other apps' write paths:
- the audit trail. Every service writes an AuditEvent in the same transaction as the change (house rule),
  naming the worker and/or institution. Each read fetches the events after the newest one seen (an
  index range scan, usually empty), refreshes the facts of the workers they name (and of the workers of
  an institution whose own record changed) — a few small queries that add the difference to the
  persisted counters — and drops the cached blocks of the districts involved, which are then re-read
  from the counters. The tail of recent ids is re-read so that a transaction that commits late with a
  lower id is not missed; refreshing is idempotent, so a worker refreshed twice (by two processes, or
  again after a restart) changes nothing the second time. A vanished or changed event (a restored
  database) rebuilds everything.
- post_save / post_delete signals on the training, skills and conduct models (apps.py): only to drop
  the districts they name (after commit), in this process.
- the date: the facts' age and service bands are rolled forward (facts.roll, a few workers a day) and
  every block is dropped when the day changes (this year's training, complaints overdue).
- a maximum age, CACHE_SECONDS (setting INDICATORS_CACHE_SECONDS, default 600), as a backstop for
  figures that change with time alone (a complaint becoming overdue).

A process restart reads the counters (milliseconds); only a database whose facts were never built (or a
bulk load that bypassed the services: `careforce indicators_rebuild`) computes them from the registry.
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
from careforce.indicators import facts, sources
from careforce.indicators.sources import Figures

TAIL = 200  # recent audit ids re-read for late commits
# More new events than this since the last read: rebuild the facts. Below it, the workers named are refreshed
# (a cost in proportion to their number, e.g. after an import); a build reads every worker (~5 min at 1M).
MAX_EVENTS = 300_000
INSTITUTION_TYPE = "institutions.institution"
REGISTRY_TYPES = ("registry.",)  # worker and employment events: only the workers' part of a block changes
# Events naming neither a worker nor an institution that cannot move a figure.
QUIET_TYPES = ("core.", "indicators.", "auth.", "sessions.")


def cache_seconds() -> float:
    return float(getattr(settings, "INDICATORS_CACHE_SECONDS", 600))


@dataclass
class Certification:
    """Skills' certification tally per institution, summed by district, kept in memory: after a change only
    the institutions named are read again (a few indexed rows) and the district sums adjusted by difference,
    instead of a join of the tally with every institution of the district."""

    loaded_at: float | None = None
    by_institution: dict[int, tuple[int, int]] = field(default_factory=dict)
    district_of: dict[int, int] = field(default_factory=dict)
    by_district: dict[int, list[int]] = field(default_factory=dict)
    pending: set[int] = field(default_factory=set)  # institutions to read again

    def load(self, now: float) -> None:
        from careforce.institutions.models import Institution

        self.district_of = dict(Institution.objects.values_list("pk", "district_id"))
        self.by_institution = sources.certification_by_institution(None)
        self.by_district = {}
        for institution_id, (certified, care) in self.by_institution.items():
            self._add(institution_id, certified, care, 1)
        self.pending.clear()
        self.loaded_at = now

    def _add(self, institution_id: int, certified: int, care: int, sign: int) -> None:
        district_id = self.district_of.get(institution_id)
        if district_id is not None:
            sums = self.by_district.setdefault(district_id, [0, 0])
            sums[0] += sign * certified
            sums[1] += sign * care

    def catch_up(self) -> set[int]:
        """Read the pending institutions again; the districts whose sums changed."""
        ids = sorted(self.pending)
        self.pending.clear()
        if not ids:
            return set()
        missing = [i for i in ids if i not in self.district_of]
        if missing:
            from careforce.institutions.models import Institution

            self.district_of.update(
                Institution.objects.filter(pk__in=missing).values_list("pk", "district_id")
            )
        changed = set()
        for institution_id, (certified, care) in sources.certification_by_institution(ids).items():
            old = self.by_institution.get(institution_id, (0, 0))
            if old != (certified, care):
                self._add(institution_id, *old, -1)
                self._add(institution_id, certified, care, 1)
                self.by_institution[institution_id] = (certified, care)
                if institution_id in self.district_of:
                    changed.add(self.district_of[institution_id])
        return changed

    def figures(self, district_id: int) -> Figures:
        certified, care = self.by_district.get(district_id, (0, 0))
        out = Figures()
        if sources.has("skills", "certification_counts"):
            out["certified_care_workers"] = certified
            out["care_workers"] = care
        return out


@dataclass
class _State:
    day: datetime.date | None = None
    high: int | None = None  # the newest audit id accounted for
    seen: dict[int, datetime.datetime] = field(default_factory=dict)  # ids in (high - TAIL, high] handled
    # (district, part) -> (monotonic time, figures); a block is the sum of its district's parts.
    parts: dict[tuple[int, str], tuple[float, Figures]] = field(default_factory=dict)
    blocks: dict[int, Figures] = field(default_factory=dict)
    pending: dict[str, set[int]] = field(default_factory=lambda: {part: set() for part in sources.PARTS})
    certification: Certification = field(default_factory=Certification)
    everything: bool = False


_state = _State()
_lock = threading.RLock()


def reset() -> None:
    """Forget the cached blocks and the position in the trail (tests). The persisted facts stay."""
    global _state
    with _lock:
        _state = _State()
        facts.forget()


def rebuild(*, log=None) -> None:
    """Recompute the facts from the registry (after a bulk load that bypassed the services)."""
    with _lock:
        facts.build(log=log)
        reset()


def mark_dirty(
    *, worker_ids: Iterable[int] = (), institution_ids: Iterable[int] = (), district_ids: Iterable[int] = ()
) -> None:
    """Called (after commit) by the signal receivers: the blocks these records fall in are stale."""
    from careforce.institutions.models import Institution
    from careforce.registry.models import Worker

    workers = [i for i in worker_ids if i]
    institutions = [i for i in institution_ids if i]
    districts = {i for i in district_ids if i}
    if workers:
        districts |= set(Worker.objects.filter(pk__in=workers).values_list("district_id", flat=True))
    if institutions:
        districts |= set(
            Institution.objects.filter(pk__in=institutions).values_list("district_id", flat=True)
        )
    with _lock:
        for part in sources.PARTS:
            _state.pending[part] |= districts
        _state.certification.loaded_at = None  # a certificate or training record: read the tally again


def mark_all_dirty() -> None:
    with _lock:
        _state.everything = True


def _restart_trail() -> None:
    """Start following the trail where the persisted facts stand (the newest event they include), so
    events written while no process was reading are applied now."""
    current = facts.state()
    newest = AuditEvent.objects.aggregate(m=Max("id"))["m"] or 0
    _state.high = current.high if current is not None else newest
    _state.seen = {}
    if current is None:
        _state.everything = True  # nothing built yet: the first refresh builds


def _read_trail() -> None:
    """Apply the audit events this process has not seen yet to the facts, and drop the blocks they touch.

    The recent tail is remembered with each event's time: if an event seen before has vanished or
    changed (a rolled-back transaction reused its id, a restored database), everything is rebuilt."""
    if _state.high is None:
        _restart_trail()
    low = max(0, _state.high - TAIL)
    # Ids and times only (the tail is read on every request); the details of unseen events only.
    tail = list(
        AuditEvent.objects.filter(pk__gt=low).order_by("pk").values_list("pk", "at")[: MAX_EVENTS + 1]
    )
    present = dict(tail)
    if any(present.get(pk) != at for pk, at in _state.seen.items() if pk > low) or len(tail) > MAX_EVENTS:
        rebuild_all(tail)
        return
    # Ids above the newest seen are new; unseen ids below it committed late.
    unseen = [pk for pk, _at in tail if pk not in _state.seen]
    fresh = []
    if unseen:
        fresh = list(
            AuditEvent.objects.filter(pk__gte=unseen[0], pk__lte=unseen[-1])
            .exclude(pk__any_of=[pk for pk in _state.seen if unseen[0] < pk < unseen[-1]])
            .order_by("pk")
            # Only the district change is wanted from `changes`: decoding 200,000 whole JSON documents
            # after an import took longer than everything else here.
            .values_list("object_type", "worker_id", "institution_id", "changes__district")
        )
    rows = tail
    workers, institutions, moved, names = set(), set(), set(), set()
    places = False  # an event of another app than the registry: training, certificates, complaints, places
    for object_type, worker_id, institution_id, change in fresh:
        registry = object_type.startswith(REGISTRY_TYPES)
        if worker_id:
            workers.add(worker_id)
            places |= not registry
        if institution_id and not registry:
            institutions.add(institution_id)
            if object_type == INSTITUTION_TYPE:
                moved.add(institution_id)
        if not worker_id and not institution_id and not object_type.startswith(QUIET_TYPES):
            _state.everything = True  # a training base, a course: cheap to re-read every block
        if isinstance(change, list):
            names.update(str(name) for name in change if name)
    newest = rows[-1][0] if rows else _state.high
    if fresh or _state.day != timezone.localdate():  # also records how far the trail was applied
        outcome = facts.refresh(workers | facts.workers_of_institutions(moved), high=newest)
        if outcome.everything:
            _state.everything = True
        _state.pending[sources.WORKERS] |= outcome.districts
        _state.certification.pending |= outcome.institutions
        if places:
            _state.pending[sources.PLACES] |= outcome.districts
    if institutions:
        _state.pending[sources.PLACES] |= _districts_of_institutions(institutions)
        _state.certification.pending |= institutions
    if moved:
        _state.certification.loaded_at = None  # an institution changed (its district, perhaps): read all
    if names:
        _state.pending[sources.WORKERS] |= set(
            District.objects.filter(name__in=names).values_list("pk", flat=True)
        )
    _state.high = max(_state.high, newest)
    _state.seen = {pk: at for pk, at in present.items() if pk > _state.high - TAIL}


def rebuild_all(rows: list) -> None:
    facts.build()
    _state.everything = True
    _state.high = rows[-1][0] if rows else _state.high
    _state.seen = {}


def _districts_of_institutions(ids: set[int]) -> set[int]:
    from careforce.institutions.models import Institution

    return set(Institution.objects.filter(pk__in=ids).values_list("district_id", flat=True))


def _sync(today: datetime.date) -> None:
    _read_trail()  # also rolls the facts' date bands when the day changed (facts.refresh)
    if _state.day != today:
        _state.day = today
        _state.everything = True
    if _state.everything:
        _state.parts.clear()
        _state.blocks.clear()
        _state.certification.loaded_at = None
        _state.everything = False
    else:
        for part, districts in _state.pending.items():
            for district_id in districts:
                _state.parts.pop((district_id, part), None)
                _state.blocks.pop(district_id, None)
    for districts in _state.pending.values():
        districts.clear()


def district_ids() -> list[int]:
    return list(District.objects.order_by("sort_order", "code").values_list("pk", flat=True))


def blocks(ids: Iterable[int] | None = None) -> dict[int, Figures]:
    """The figures of each district (all when `ids` is None), fresh with respect to committed records:
    only the parts dropped by a change (or older than CACHE_SECONDS) are read again."""
    today = timezone.localdate()
    wanted = list(ids) if ids is not None else district_ids()
    with _lock:
        _sync(today)
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
        certification = _state.certification
        if certification.loaded_at is None or now - certification.loaded_at > limit:
            certification.load(now)
            _state.blocks.clear()
        else:
            for district_id in certification.catch_up():
                _state.blocks.pop(district_id, None)
        out = {}
        for d in wanted:
            block = _state.blocks.get(d)
            if block is None:
                parts = [_state.parts[(d, part)][1] for part in sources.PARTS]
                block = _state.blocks[d] = total([*parts, certification.figures(d)])
            out[d] = block
        return out


def sync() -> None:
    """Apply pending changes to the facts (a page reading institution counters directly calls this)."""
    with _lock:
        _sync(timezone.localdate())


def total(figures: Iterable[Figures]) -> Figures:
    out = Figures()
    for f in figures:
        out.update(f)
    return out
