"""Years of service (从业年限): the union of employment periods, overlaps counted once."""

from __future__ import annotations

import datetime
from collections.abc import Iterable


def service_days(
    periods: Iterable[tuple[datetime.date, datetime.date | None]], *, today: datetime.date
) -> int:
    """Days covered by at least one period; an open period runs to `today`; both ends count."""
    spans = sorted(
        (start, min(end or today, today))
        for start, end in periods
        if start <= today and (end or today) >= start
    )
    total = 0
    current_start: datetime.date | None = None
    current_end: datetime.date | None = None
    for start, end in spans:
        if current_end is None or start > current_end + datetime.timedelta(days=1):
            if current_end is not None:
                total += (current_end - current_start).days + 1
            current_start, current_end = start, end
        elif end > current_end:
            current_end = end
    if current_end is not None:
        total += (current_end - current_start).days + 1
    return total


def years_of_service(
    periods: Iterable[tuple[datetime.date, datetime.date | None]], *, today: datetime.date
) -> float:
    return round(service_days(periods, today=today) / 365.25, 1)
