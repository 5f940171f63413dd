"""Keeping the dashboard's facts current from the write side, in each change's own transaction.

Every service writes its audit events in the transaction of its change (house rule) and announces them
(core/audit.py); so do the bulk paths that insert audit rows themselves (a registration batch, an import).
This module listens (`observe`), gathers what the change concerns — the workers named, the institutions
whose own record changed (their kind, ownership, district or head), the districts of other records
(training, certificates, complaints) — and, just before the transaction commits
(careforce/core/db/precommit.py), refreshes those workers' facts and the counters (facts.refresh, under its
PostgreSQL advisory lock) and increases the version of every district whose figures may differ
(DistrictVersion). The change, its facts and the versions commit together or not at all.

Why this stays exact with several writers and late commits: each transaction applies its own changes
before it commits, under the facts' lock, reading the registry as it stands inside that transaction (its
own rows and everything already committed); a refresh compares a worker's stored fact with the registry and
adds only the difference, so applying a worker twice (two transactions touching the same person, one after
the other under the lock) changes nothing the second time. No transaction depends on the order in which
audit ids were allocated, so a transaction that commits late with a lower id loses nothing.

Pages read the counters and the versions only (engine.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection, transaction

from careforce.core.audit import Announced
from careforce.core.db import precommit
from careforce.indicators import facts

EVERY_DISTRICT = 0  # the DistrictVersion row that stands for all districts
INSTITUTION_TYPE = "institutions.institution"
REGISTRY_TYPES = ("registry.",)
# Events naming neither a worker nor an institution that cannot move a figure (targets and older
# population are read on every request; tokens, accounts, sessions are not figures).
# The time bank's, incentives' and recognition's own figures are kept by their services, which name their
# districts (timebank/tally.py, incentives/metrics.py, recognition/metrics.py).
QUIET_TYPES = ("core.", "indicators.", "auth.", "sessions.", "timebank.", "incentives.", "recognition.")


@dataclass
class Pending:
    workers: set[int] = field(default_factory=set)
    institutions: set[int] = field(default_factory=set)  # named by other apps' records (places' part)
    moved: set[int] = field(default_factory=set)  # institutions whose own record changed
    districts: set[int] = field(default_factory=set)
    everything: bool = False

    def __bool__(self) -> bool:
        return bool(self.workers or self.institutions or self.moved or self.districts or self.everything)


def _pending() -> Pending:
    found = getattr(connection, "careforce_indicators_pending", None)
    if found is None:
        found = connection.careforce_indicators_pending = Pending()
    return found


def observe(events: Sequence[Announced]) -> None:
    """audit.announce's observer: note what the events concern; the work is done before the commit."""
    pending = _pending()
    for object_type, worker_id, institution_id in events:
        if worker_id:
            pending.workers.add(worker_id)
        if institution_id and not object_type.startswith(REGISTRY_TYPES):
            pending.institutions.add(institution_id)
            if object_type == INSTITUTION_TYPE:
                pending.moved.add(institution_id)
        if not worker_id and not institution_id and not object_type.startswith(QUIET_TYPES):
            pending.everything = True  # a training base, a course: every district reads it again
    _schedule()


def touch(
    *,
    worker_ids: Iterable[int | None] = (),
    institution_ids: Iterable[int | None] = (),
    district_ids: Iterable[int | None] = (),
) -> None:
    """For a record whose service writes no audit event (a tally, a derived row): these may have changed."""
    pending = _pending()
    pending.workers.update(i for i in worker_ids if i)
    pending.institutions.update(i for i in institution_ids if i)
    pending.districts.update(i for i in district_ids if i)
    _schedule()


def _schedule() -> None:
    if _pending():
        precommit.before_commit("indicators.facts", apply)


def apply() -> None:
    """Bring the facts, counters and versions up to date with what this transaction changed (inside it)."""
    pending = _pending()
    connection.careforce_indicators_pending = Pending()
    if not pending:
        return
    with transaction.atomic():
        outcome = facts.refresh(pending.workers | facts.workers_of_institutions(pending.moved))
        districts = set(outcome.districts) | pending.districts
        # The workers' districts, before and after, are in the outcome (their facts were compared).
        districts |= _districts_of_institutions(pending.institutions | pending.moved)
        bump(districts, everything=pending.everything or outcome.everything)


def _districts_of_institutions(ids: set[int]) -> set[int]:
    from careforce.institutions.models import Institution

    return (
        set(Institution.objects.filter(pk__in=list(ids)).values_list("district_id", flat=True))
        if ids
        else set()
    )


def bump(districts: Iterable[int], *, everything: bool = False) -> None:
    """Increase the versions of these districts (and of "every district"), in the current transaction."""
    from careforce.indicators.models import DistrictVersion

    ids = sorted({int(d) for d in districts if d} | ({EVERY_DISTRICT} if everything else set()))
    if not ids:
        return
    table = DistrictVersion._meta.db_table
    sql = (
        f"INSERT INTO {table} (district_id, version) VALUES (%s, 1)"
        f" ON CONFLICT (district_id) DO UPDATE SET version = {table}.version + 1"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(i,) for i in ids])


def versions() -> dict[int, int]:
    """Every district's version (one query; what a page compares its figures in memory with)."""
    from careforce.indicators.models import DistrictVersion

    return dict(DistrictVersion.objects.values_list("district_id", "version"))
