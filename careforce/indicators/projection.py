"""Projection of an indicator to its target's due date, and the verdict: on track, at risk, off track.

Method (docs/indicators.md):
- a stock (workers, a rate): a least-squares line through the last `trend_months` (default 24) monthly
  values (month ends read back from the records' own dates — posts, completions, certificates — the
  current month being today's value); projected = today's value + slope × months left. Fewer than six
  points: no projection ("not enough history"), only the rate needed.
- a yearly flow (training person-times): the year-to-date figure at the same pace for the rest of the
  year (run rate: year to date ÷ share of the year elapsed).
- verdict: reached already → achieved; projected ≥ target → on track; projected ≥ target × at-risk ratio
  → at risk; else off track. Past the due date and not reached → missed.
- rate needed: (target − now) ÷ months left, per month.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

AVERAGE_MONTH_DAYS = Decimal("30.4375")
MIN_POINTS = 6  # months of history a trend needs

STATUS_LABELS = {
    "achieved": _("Achieved"),
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "off_track": _("Off track"),
    "missed": _("Missed"),
    "no_trend": _("Not enough history"),
    "no_data": _("No data"),
}
STATUS_COLOURS = {
    "achieved": "success",
    "on_track": "success",
    "at_risk": "warning",
    "off_track": "danger",
    "missed": "danger",
    "no_trend": "secondary",
    "no_data": "secondary",
}


@dataclass(frozen=True)
class Projection:
    status: str
    projected: Decimal | None
    slope_per_month: Decimal | None
    needed_per_month: Decimal | None
    months_left: Decimal

    @property
    def label(self):
        return STATUS_LABELS[self.status]

    def rounded(self, decimals: int, *, whole: bool) -> Projection:
        """In the figure's own units: a projected count of people is a whole number (18,687, not
        18,687.31), and the number still needed per month is rounded up (a 0.4 person is one more)."""
        step = Decimal(1).scaleb(-decimals)
        projected = None if self.projected is None else self.projected.quantize(step, ROUND_HALF_UP)
        needed = self.needed_per_month
        if needed is not None:
            needed = (
                needed.quantize(Decimal(1), ROUND_CEILING)
                if whole
                else needed.quantize(Decimal(1).scaleb(-(decimals + 1)), ROUND_HALF_UP)
            )
        return Projection(self.status, projected, self.slope_per_month, needed, self.months_left)

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.status]


def months_between(start: datetime.date, end: datetime.date) -> Decimal:
    return Decimal((end - start).days) / AVERAGE_MONTH_DAYS


def slope(values: list[Decimal]) -> Decimal | None:
    """Least-squares slope per step of equally spaced values; None with fewer than MIN_POINTS."""
    n = len(values)
    if n < MIN_POINTS:
        return None
    xs = [Decimal(i) for i in range(n)]
    mean_x = sum(xs) / n
    mean_y = sum(values) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=True))
    return sxy / sxx


def verdict(
    now: Decimal, projected: Decimal | None, target: Decimal, at_risk_ratio: Decimal, past_due: bool
) -> str:
    if now >= target:
        return "achieved"
    if past_due:
        return "missed"
    if projected is None:
        return "no_trend"
    if projected >= target:
        return "on_track"
    if projected >= target * at_risk_ratio:
        return "at_risk"
    return "off_track"


def project_stock(
    *,
    history: list[Decimal],
    now: Decimal | None,
    target: Decimal,
    due: datetime.date,
    today: datetime.date,
    at_risk_ratio: Decimal,
    window: int,
) -> Projection:
    """`history` holds month-end values oldest first, ending with the current month (today's value)."""
    left = max(Decimal(0), months_between(today, due))
    if now is None:
        return Projection("no_data", None, None, None, left)
    points = [v for v in history if v is not None][-max(window, MIN_POINTS) :]
    step = slope(points)
    projected = now + step * left if step is not None else None
    needed = (target - now) / left if left > 0 else None
    return Projection(
        verdict(now, projected, target, at_risk_ratio, today > due), projected, step, needed, left
    )


def project_year(
    *, year_to_date: Decimal | None, target: Decimal, today: datetime.date, at_risk_ratio: Decimal
) -> Projection:
    """A target to reach every year, from the year's pace so far."""
    due = datetime.date(today.year, 12, 31)
    start = datetime.date(today.year, 1, 1)
    left = max(Decimal(0), months_between(today, due))
    if year_to_date is None:
        return Projection("no_data", None, None, None, left)
    elapsed = Decimal((today - start).days + 1) / Decimal((due - start).days + 1)
    projected = year_to_date / elapsed
    per_month = year_to_date / max(months_between(start, today), Decimal(1))
    needed = (target - year_to_date) / left if left > 0 else None
    return Projection(
        verdict(year_to_date, projected, target, at_risk_ratio, False), projected, per_month, needed, left
    )
