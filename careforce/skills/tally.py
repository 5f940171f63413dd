"""Keeping WorkerSkill and CertificationTally exact. Called inside the transaction of the change.

A tally row is recomputed (not incremented) for each institution touched, after locking that row, so two
concurrent changes at one institution serialise and the later one counts what the earlier committed.

Only certificates valid today count: status valid (not suspended or revoked) and not past `valid_until`.
Expiry is a change of the date, not of a record, so the daily roll (`roll_expired`, run by the tasks
worker at 00:10 and by `careforce certificates_roll`) refreshes the workers whose standing changes that
day (WorkerSkill.changes_on); reads never catch up.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from careforce.core import audit
from careforce.institutions.models import Institution
from careforce.registry.models import Worker
from careforce.skills.metrics import COUNTED_MIN_RANK, COUNTED_OCCUPATION
from careforce.skills.models import Certificate, CertificateStatus, CertificationTally, WorkerSkill


def valid_on(day: datetime.date) -> Q:
    """Certificates valid on `day`: not suspended or revoked, and not expired."""
    return Q(status=CertificateStatus.VALID) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def _skill_figures() -> dict:
    """What WorkerSkill keeps, over a worker's valid certificates: the highest rank (`top`), how many
    count for the certification rate (`counted`), and the first of their last valid days (`ends`)."""
    return {
        "top": Max("level__rank"),
        "counted": Count(
            "id", filter=Q(occupation__code=COUNTED_OCCUPATION, level__rank__gte=COUNTED_MIN_RANK)
        ),
        "ends": Min("valid_until"),
    }


def _changes_on(ends: datetime.date | None) -> datetime.date | None:
    return None if ends is None else ends + datetime.timedelta(days=1)


def _figures_per_worker(today: datetime.date | None = None, **filters):
    return (
        Certificate.objects.filter(valid_on(today or timezone.localdate()), **filters)
        .values("worker_id")
        .annotate(**_skill_figures())
        .order_by()
    )


def refresh_worker_skill(worker_id: int) -> WorkerSkill:
    """Recompute one worker's highest valid rank and whether a certificate counts for the rate."""
    valid = Certificate.objects.filter(valid_on(timezone.localdate()), worker_id=worker_id)
    figures = valid.aggregate(**_skill_figures())
    skill, _created = WorkerSkill.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "current_rank": figures["top"] or 0,
            "care_certified": bool(figures["counted"]),
            "changes_on": _changes_on(figures["ends"]),
        },
    )
    return skill


def refresh_worker_skills(worker_ids: Iterable[int], *, today: datetime.date | None = None) -> None:
    """refresh_worker_skill for many workers: one grouped read and one upsert (a certificates import)."""
    ids = sorted({int(i) for i in worker_ids if i})
    if not ids:
        return
    figures = {row["worker_id"]: row for row in _figures_per_worker(today, worker_id__in=ids)}
    WorkerSkill.objects.bulk_create(
        [
            WorkerSkill(
                worker_id=i,
                current_rank=(figures.get(i) or {}).get("top") or 0,
                care_certified=bool((figures.get(i) or {}).get("counted")),
                changes_on=_changes_on((figures.get(i) or {}).get("ends")),
            )
            for i in ids
        ],
        update_conflicts=True,
        unique_fields=["worker"],
        update_fields=["current_rank", "care_certified", "changes_on"],
    )


def recount_institutions(institution_ids: Iterable[int | None]) -> None:
    ids = sorted({int(i) for i in institution_ids if i})
    if not ids:
        return
    with transaction.atomic():
        # Make sure each row exists, then lock them in id order (no deadlock between two recounts).
        CertificationTally.objects.bulk_create(
            [CertificationTally(institution_id=i) for i in ids], ignore_conflicts=True
        )
        list(CertificationTally.objects.select_for_update().filter(institution_id__in=ids).order_by("pk"))
        rows = (
            Worker.objects.filter(institution_id__in=ids, is_active=True, occupation__code=COUNTED_OCCUPATION)
            .values("institution_id")
            .annotate(n=Count("id"), c=Count("id", filter=Q(skill__care_certified=True)))
            .order_by()
        )
        figures = {row["institution_id"]: (row["n"], row["c"]) for row in rows}
        updated = [
            CertificationTally(
                institution_id=i, care_workers=figures.get(i, (0, 0))[0], certified=figures.get(i, (0, 0))[1]
            )
            for i in ids
        ]
        CertificationTally.objects.bulk_update(updated, ["care_workers", "certified"], batch_size=1000)


def on_placement_changed(sender, institution_ids: Iterable[int], **kwargs) -> None:
    recount_institutions(institution_ids)


def rebuild_all() -> None:
    """Recompute every WorkerSkill and tally from the records (after a bulk load, or to verify)."""
    with transaction.atomic():
        WorkerSkill.objects.all().delete()
        per_worker = _figures_per_worker()
        batch = []
        for row in per_worker.iterator(chunk_size=10000):
            batch.append(
                WorkerSkill(
                    worker_id=row["worker_id"],
                    current_rank=row["top"] or 0,
                    care_certified=bool(row["counted"]),
                    changes_on=_changes_on(row["ends"]),
                )
            )
            if len(batch) >= 10000:
                WorkerSkill.objects.bulk_create(batch)
                batch = []
        WorkerSkill.objects.bulk_create(batch)
        CertificationTally.objects.all().delete()
        ids = list(Institution.objects.order_by("pk").values_list("id", flat=True))
        for start in range(0, len(ids), 5000):
            recount_institutions(ids[start : start + 5000])


def roll_expired(today: datetime.date | None = None) -> int:
    """The daily roll: refresh every worker one of whose valid certificates has expired by `today` (their
    standing and their institution's tally), and tell the dashboard (the same announcement a bulk write
    makes). System work: no actor; the certificates themselves do not change. Returns the workers
    refreshed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        ids = list(
            WorkerSkill.objects.filter(changes_on__lte=today)
            .order_by("pk")
            .values_list("worker_id", flat=True)
        )
        if not ids:
            return 0
        placed = dict(Worker.objects.filter(pk__in=ids).values_list("pk", "institution_id"))
        refresh_worker_skills(ids, today=today)
        recount_institutions(placed.values())
        audit.announce([("skills.certificate", pk, placed.get(pk)) for pk in ids])
    return len(ids)
