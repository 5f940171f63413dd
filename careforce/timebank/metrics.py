"""Aggregate reads for other capabilities (the dashboard's indicators). NOT user-scoped: callers apply scope.

Contract (module name and signature fixed):
- timebank_figures(*, district_ids=None) -> {district id: {"volunteers": n, "deposited": hours,
  "withdrawn": hours, "open": hours, "donated": hours, "expired": hours}}
Read from the figures the services keep (careforce/timebank/tally.py): one row per district.
"""

from __future__ import annotations

from collections.abc import Iterable

from careforce.timebank import tally


def timebank_figures(*, district_ids: Iterable[int] | None = None) -> dict[int, dict[str, float]]:
    return {
        district_id: {name: float(row[name]) for name in tally.FIELDS}
        for district_id, row in tally.kept(district_ids).items()
    }
