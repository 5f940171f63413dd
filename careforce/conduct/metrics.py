"""Aggregate reads for other capabilities (indicators, rankings). NOT user-scoped: callers apply scope.

Contract (module name and signatures fixed):
- overdue_complaints(*, district_ids=None) -> {district id: open complaints past their deadline}
- complaint_counts(*, by="institution"|"district", ids=None, since=None, until=None)
      -> {id: substantiated complaints}; `since`/`until` bound the date received (inclusive).
Ids with nothing to count may be absent from the answer.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count
from django.utils import timezone

from careforce.conduct.models import OPEN_STATUSES, Complaint, Finding


def overdue_complaints(*, district_ids: Iterable[int] | None = None) -> dict[int, int]:
    qs = Complaint.objects.filter(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    rows = qs.order_by().values("district_id").annotate(n=Count("id")).values_list("district_id", "n")
    return dict(rows)


def overdue_complaints_at(
    month_ends: list[datetime.date], *, district_ids: Iterable[int] | None = None
) -> dict[tuple[int, datetime.date], int]:
    """Complaints overdue at each of these days, by district: received by then, past their deadline, and
    neither concluded nor closed by then (the records' own dates, so past months can be read back)."""
    if not month_ends:
        return {}
    first, last = min(month_ends), max(month_ends)
    qs = (
        Complaint.objects.filter(received_on__lte=last, deadline__lt=last)
        .exclude(concluded_on__lte=first)
        .exclude(closed_on__lte=first)
    )
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    out: dict[tuple[int, datetime.date], int] = {}
    for district_id, deadline, concluded, closed in qs.values_list(
        "district_id", "deadline", "concluded_on", "closed_on"
    ):
        ended = min((d for d in (concluded, closed) if d is not None), default=None)
        for day in month_ends:
            if deadline < day and (ended is None or ended > day):
                out[(district_id, day)] = out.get((district_id, day), 0) + 1
    return out


def complaint_counts(
    *,
    by: str = "institution",
    ids: Iterable[int] | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> dict[int, int]:
    if by not in ("institution", "district"):
        raise ValueError("by must be 'institution' or 'district'")
    column = f"{by}_id"
    qs = Complaint.objects.filter(finding=Finding.SUBSTANTIATED)
    if by == "institution":
        qs = qs.filter(institution_id__isnull=False)
    if ids is not None:
        qs = qs.filter(**{f"{column}__in": list(ids)})
    if since is not None:
        qs = qs.filter(received_on__gte=since)
    if until is not None:
        qs = qs.filter(received_on__lte=until)
    return dict(qs.order_by().values(column).annotate(n=Count("id")).values_list(column, "n"))
