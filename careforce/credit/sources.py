"""Inputs owned by other capabilities, read through their contract modules (careforce.training.metrics,
careforce.skills.metrics). While a module has not landed yet, its factor measures 0 for everyone and
`missing_sources()` names it (shown on the methodology page)."""

from __future__ import annotations

import datetime
import importlib
import importlib.util
from collections.abc import Iterable
from decimal import Decimal


def _module(name: str):
    # Missing means not written yet; a module that exists but fails to import is an error to see.
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def training_hours(worker_ids: Iterable[int], *, since: datetime.date | None) -> dict[int, Decimal]:
    metrics = _module("careforce.training.metrics")
    if metrics is None:
        return {}
    return metrics.training_hours_for_workers(worker_ids, since=since)


def skill_levels(worker_ids: Iterable[int]) -> dict[int, int]:
    metrics = _module("careforce.skills.metrics")
    if metrics is None:
        return {}
    return metrics.current_levels_for_workers(worker_ids)


def certification_counts(institution_ids: Iterable[int] | None) -> dict[int, tuple[int, int]]:
    """institution id → (certified care workers, care workers); None: every institution."""
    metrics = _module("careforce.skills.metrics")
    if metrics is None:
        return {}
    return metrics.certification_counts(by="institution", ids=institution_ids)


def trained_worker_counts(*, year: int, institution_ids: Iterable[int] | None) -> dict[int, int]:
    """institution id → current staff trained in `year` (None: every institution, those with none absent)."""
    metrics = _module("careforce.training.metrics")
    if metrics is None:
        return {}
    return metrics.trained_worker_counts(year=year, institution_ids=institution_ids)


def missing_sources() -> list[str]:
    return [
        name for name in ("careforce.training.metrics", "careforce.skills.metrics") if _module(name) is None
    ]
