"""Page-number pagination that never counts a big table to the end.

Django's Paginator runs COUNT(*) over the whole filtered table on every page. Here the count stops at
settings.LIST_COUNT_CAP + 1 (COUNT over a subquery with a LIMIT), beyond which the page says "more than
N"; and a page fetches one row more than it shows, to know whether there is a next page without a count.
With `count=False` (the worker list, whose scopes reach a million rows) there is no count at all: the one
row more says whether a next page exists, and the total is shown only once it is known (a last page).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict


@dataclass
class PageLink:
    number: int | None  # None for a gap ("…")
    url: str = ""
    current: bool = False


@dataclass
class CappedPage:
    object_list: Sequence[Any]
    number: int
    per_page: int
    has_next: bool
    total: int | None  # the count, stopped at cap + 1; None when not counted and not yet known
    cap: int
    param: str = "page"
    query: QueryDict = field(default_factory=QueryDict)

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def capped(self) -> bool:
        """True when there are more rows than the cap, so the exact total is unknown."""
        return self.total is not None and self.total > self.cap

    @property
    def counted(self) -> bool:
        """False when the total is unknown (not counted, and not on the last page)."""
        return self.total is not None

    @property
    def cap_display(self) -> str:
        return f"{self.cap:,}"

    @property
    def total_display(self) -> str:
        return f"{self.total:,}" if self.total is not None else ""

    @property
    def num_pages(self) -> int | None:
        if self.total is None or self.capped:
            return None
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def start_index(self) -> int:
        return 0 if not self.object_list else (self.number - 1) * self.per_page + 1

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    def url(self, number: int) -> str:
        query = self.query.copy()
        if number <= 1:
            query.pop(self.param, None)
        else:
            query[self.param] = str(number)
        encoded = query.urlencode()
        return f"?{encoded}" if encoded else "?"

    @property
    def previous_url(self) -> str:
        return self.url(self.number - 1) if self.has_previous else ""

    @property
    def next_url(self) -> str:
        return self.url(self.number + 1) if self.has_next else ""

    @property
    def links(self) -> list[PageLink]:
        """Numbered links: the first, the last when known, and two either side of the current page."""
        last = self.num_pages if self.num_pages is not None else self.number + (1 if self.has_next else 0)
        wanted = {1, last, *range(self.number - 2, self.number + 3)}
        numbers = sorted(n for n in wanted if 1 <= n <= last)
        links: list[PageLink] = []
        previous = 0
        for n in numbers:
            if n - previous > 1:
                links.append(PageLink(None))
            links.append(PageLink(n, self.url(n), n == self.number))
            previous = n
        if self.num_pages is None and self.has_next:
            links.append(PageLink(None))
        return links


def page_number(raw: object) -> int:
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return max(1, min(number, 1_000_000))


def capped_count(queryset: QuerySet, cap: int) -> int:
    """COUNT(*) FROM (SELECT pk ... LIMIT cap + 1): at most cap + 1, cheap however big the table."""
    return queryset.order_by().values("pk")[: cap + 1].count()


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    per_page: int | None = None,
    param: str = "page",
    cap: int | None = None,
    count: bool = True,
) -> CappedPage:
    """The requested page of an ordered queryset: two queries, a capped count and the page's rows; with
    `count=False` one, the page's rows and one more."""
    per_page = per_page or settings.LIST_PAGE_SIZE
    cap = settings.LIST_COUNT_CAP if cap is None else cap
    number = page_number(request.GET.get(param, 1))
    if not count:
        # The deepest page offered is the one that reaches the cap, as when counting.
        number = min(number, max(1, math.ceil(cap / per_page)))
        offset = (number - 1) * per_page
        rows = list(queryset[offset : offset + per_page + 1])
        if not rows and number > 1:
            # Past the end (a stale link): the total is still unknown, the page says there is nothing here.
            return CappedPage([], number, per_page, False, None, cap, param, request.GET.copy())
        has_next = len(rows) > per_page and number * per_page < cap
        total = None if len(rows) > per_page else offset + len(rows)
        return CappedPage(rows[:per_page], number, per_page, has_next, total, cap, param, request.GET.copy())
    total = capped_count(queryset, cap)
    # Past the cap nobody reads page by page, and a deep OFFSET costs the database dearly: the last page
    # offered is the one that reaches the cap; beyond it the page asks to narrow the filters.
    last = max(1, math.ceil(min(total, cap) / per_page))
    number = min(number, last)
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1]) if total else []
    return CappedPage(
        object_list=rows[:per_page],
        number=number,
        per_page=per_page,
        has_next=len(rows) > per_page and number < last,
        total=total,
        cap=cap,
        param=param,
        query=request.GET.copy(),
    )
