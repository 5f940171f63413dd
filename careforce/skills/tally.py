"""Keeping WorkerSkill and CertificationTally exact. Called inside the transaction of the change.

A tally row is recomputed (not incremented) for each institution touched, after locking that row, so two
concurrent changes at one institution serialise and the later one counts what the earlier committed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Max, Q

from careforce.institutions.models import Institution
from careforce.registry.models import Worker
from careforce.skills.metrics import COUNTED_MIN_RANK, COUNTED_OCCUPATION
from careforce.skills.models import Certificate, CertificateStatus, CertificationTally, WorkerSkill


def _skill_figures() -> dict:
    """What WorkerSkill keeps, over a worker's valid certificates: the highest rank (`top`), and how many
    count for the certification rate (`counted`)."""
    return {
        "top": Max("level__rank"),
        "counted": Count(
            "id", filter=Q(occupation__code=COUNTED_OCCUPATION, level__rank__gte=COUNTED_MIN_RANK)
        ),
    }


def _figures_per_worker(**filters):
    return (
        Certificate.objects.filter(status=CertificateStatus.VALID, **filters)
        .values("worker_id")
        .annotate(**_skill_figures())
        .order_by()
    )


def refresh_worker_skill(worker_id: int) -> WorkerSkill:
    """Recompute one worker's highest valid rank and whether a certificate counts for the rate."""
    valid = Certificate.objects.filter(worker_id=worker_id, status=CertificateStatus.VALID)
    figures = valid.aggregate(**_skill_figures())
    skill, _created = WorkerSkill.objects.update_or_create(
        worker_id=worker_id,
        defaults={"current_rank": figures["top"] or 0, "care_certified": bool(figures["counted"])},
    )
    return skill


def refresh_worker_skills(worker_ids: Iterable[int]) -> None:
    """refresh_worker_skill for many workers: one grouped read and one upsert (a certificates import)."""
    ids = sorted({int(i) for i in worker_ids if i})
    if not ids:
        return
    figures = {row["worker_id"]: row for row in _figures_per_worker(worker_id__in=ids)}
    WorkerSkill.objects.bulk_create(
        [
            WorkerSkill(
                worker_id=i,
                current_rank=(figures.get(i) or {}).get("top") or 0,
                care_certified=bool((figures.get(i) or {}).get("counted")),
            )
            for i in ids
        ],
        update_conflicts=True,
        unique_fields=["worker"],
        update_fields=["current_rank", "care_certified"],
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
