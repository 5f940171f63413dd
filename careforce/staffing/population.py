"""Reads of the older population by ability level (staffing.OlderPopulationLevels beside
indicators.OlderPopulation). A level without a figure is None — "no data", never zero — and a district
without any figure is absent."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from careforce.core.models import User
from careforce.core.scope import Level
from careforce.indicators.models import OlderPopulation
from careforce.indicators.selectors import dashboard_scope, sees_district
from careforce.staffing.models import POPULATION_LEVEL_FIELDS, OlderPopulationLevels

LEVEL_KEYS = tuple(name for name, _label, _header in POPULATION_LEVEL_FIELDS)


@dataclass(frozen=True)
class PopulationByLevel:
    population: OlderPopulation
    levels: dict[str, int | None]  # level → people aged 60+ at it; None: no data
    levels_source: str

    @property
    def known(self) -> bool:
        return any(value is not None for value in self.levels.values())

    @property
    def complete(self) -> bool:
        """Every level has a figure (a projection may then use the levels instead of the total)."""
        return all(value is not None for value in self.levels.values())


def _with_levels(row: OlderPopulation) -> PopulationByLevel:
    try:
        levels = row.levels
    except OlderPopulationLevels.DoesNotExist:
        return PopulationByLevel(row, dict.fromkeys(LEVEL_KEYS), "")
    return PopulationByLevel(row, levels.counts(), levels.source)


def older_population_by_level(district_ids: list[int] | None = None) -> dict[int | None, PopulationByLevel]:
    """district id (None: the city) → its newest figure — the same row the staffing pages and the projection
    read (`selectors.older_population_rows`) — with its ability levels where known. Not scoped: the figures
    are the city's published statistics; callers scope what they open. One query."""
    rows = OlderPopulation.objects.select_related("levels").order_by("district_id", "-year", "id")
    if district_ids is not None:
        rows = rows.filter(district_id__in=district_ids)
    out: dict[int | None, PopulationByLevel] = {}
    for row in rows:
        if row.district_id not in out:
            out[row.district_id] = _with_levels(row)
    return out


def population_get(user: User, pk: object) -> PopulationByLevel:
    """One figure with its levels, for the officials who see its district (the city's figure: city-wide
    roles); any other answers as a figure that does not exist."""
    scope = dashboard_scope(user)
    try:
        row = OlderPopulation.objects.select_related("district", "levels").get(pk=int(pk))
    except (OlderPopulation.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None
    visible = sees_district(scope, row.district_id) if row.district_id else scope.level == Level.CITY
    if not visible:
        raise Http404
    return _with_levels(row)
