"""The policy's targets, as one table (indicators.Target) that every page reads.

Training, skills and the dashboard used to keep their own copies; an edit on the targets page now reaches
every page that shows a target. Pages outside the dashboard ask here for the city-wide targets of an
indicator, each with its own due date (25,000 by 2027 and 30,000 by 2029 are two rows, both shown).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from careforce.indicators.models import Recurrence, Target


@dataclass(frozen=True)
class Due:
    """One target as a page shows it: its value, and its due date (the end of this year for a yearly one)."""

    target: Target
    value: Decimal
    due_date: datetime.date

    @property
    def yearly(self) -> bool:
        return self.target.recurrence == Recurrence.YEARLY


def plain(value: Decimal) -> Decimal:
    """A target value without trailing zeros of its column (20000, 60, 1.5), never in exponent form."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def due_date(target: Target, today: datetime.date) -> datetime.date:
    return datetime.date(today.year, 12, 31) if target.recurrence == Recurrence.YEARLY else target.due_date


def city_targets(indicator: str, today: datetime.date) -> list[Due]:
    """The city-wide targets in use for an indicator, soonest first; a yearly target once, for this year."""
    rows = Target.objects.filter(indicator=indicator, district__isnull=True, is_active=True)
    return sorted(
        (Due(t, plain(t.value), due_date(t, today)) for t in rows), key=lambda d: (d.due_date, d.value)
    )


def upcoming(indicator: str, today: datetime.date) -> list[Due]:
    """The targets not yet due (else the last one), for a page that shows what is still to reach."""
    targets = city_targets(indicator, today)
    ahead = [d for d in targets if d.due_date >= today]
    return ahead or targets[-1:]
