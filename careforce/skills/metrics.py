"""Aggregate reads other capabilities use (credit scores, rankings, indicators). NOT scoped by a user:
callers apply the actor's scope to the ids they pass and to what they show.

The certification-rate rule (domain.md), in one place:
  denominator — care workers: workers currently employed (`is_active`) whose occupation is `care_worker`
                (养老护理员), counted at the institution of their current post;
  numerator   — those of them holding at least one VALID skill-level certificate in the occupation
                `care_worker` of level 初级工 (junior, rank 2) or above.
The figures come from CertificationTally, which the certificate services and the registry's placement
signal keep exact in the same transaction as the change (see skills.tally).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Sum

from careforce.skills.models import CertificationTally, WorkerSkill

LADDER_RANKS: dict[str, int] = {
    "apprentice": 1,
    "junior": 2,
    "intermediate": 3,
    "senior": 4,
    "technician": 5,
    "senior_technician": 6,
    "principal_technician": 7,
    "chief_technician": 8,
}
NO_LEVEL = 0
# The rule above, as named values (the skill-level rows are data; this rule is policy and stays code).
COUNTED_OCCUPATION = "care_worker"
COUNTED_MIN_RANK = LADDER_RANKS["junior"]

_CHUNK = 5000


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    unique = sorted({int(i) for i in ids})
    for start in range(0, len(unique), _CHUNK):
        yield unique[start : start + _CHUNK]


def current_levels_for_workers(worker_ids: Iterable[int]) -> dict[int, int]:
    """The highest rank among each worker's valid certificates (0 = none), for every id asked."""
    levels: dict[int, int] = {}
    for chunk in _chunks(worker_ids):
        levels.update(dict.fromkeys(chunk, NO_LEVEL))
        levels.update(
            WorkerSkill.objects.filter(worker_id__in=chunk, current_rank__gt=0).values_list(
                "worker_id", "current_rank"
            )
        )
    return levels


def certification_counts(*, by: str, ids: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
    """id → (certified care workers, care workers), by "institution" or "district" (the district of the
    institution). With `ids`, every id asked is present ((0, 0) when it has no care worker)."""
    if by == "institution":
        key = "institution_id"
    elif by == "district":
        key = "institution__district_id"
    else:
        raise ValueError(f"certification_counts: by must be 'institution' or 'district', not {by!r}")
    qs = CertificationTally.objects.all()
    wanted = None
    if ids is not None:
        wanted = {int(i) for i in ids}
        qs = qs.filter(**{f"{key}__in": wanted})
    rows = qs.values(key).annotate(c=Sum("certified"), n=Sum("care_workers")).order_by()
    counts = {row[key]: (int(row["c"] or 0), int(row["n"] or 0)) for row in rows}
    if wanted is not None:
        for missing in wanted - counts.keys():
            counts[missing] = (0, 0)
    return counts


def certification_rate(certified: int, care_workers: int) -> float | None:
    """Percent, or None when there is no care worker to count."""
    return None if not care_workers else round(100.0 * certified / care_workers, 1)
