"""Extension points where capability apps plug into shared pages without editing them.

An app registers, in its AppConfig.ready():
- navigation entries (the left menu),
- sections of the worker page and of the institution page (its own template and context),
- panels of the home page (工作台), e.g. what waits for the acting user: unread notifications, overdue work;
- panels of the data dashboard (数据看板), city and district views (the record is the district, or None for
  the city view);
- items of the home page's work queue: one count of what needs action today, linking to the list filtered
  to exactly those records.
Sections receive the viewing request and the record already fetched through the scoped selector (home
panels: the acting user's Scope instead of a record); their context function must read through the app's
own scoped selectors and return None to hide the section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from careforce.core.scope import Scope


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any  # a lazy translation
    url_name: str
    namespace: str  # highlights the entry on every page of this URL namespace
    visible: Callable[[Any, Scope], bool]
    order: int = 100


@dataclass(frozen=True)
class Section:
    key: str
    title: Any
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


@dataclass(frozen=True)
class QueueItem:
    """One line of the home page's work queue. `count(request, scope)` returns (how many, the URL of the list
    filtered to them), or None when the item is not for this role; it reads through the app's scoped
    selectors."""

    key: str
    label: Any
    count: Callable[[HttpRequest, Scope], tuple[int, str] | None]
    order: int = 100


NAV_ITEMS: list[NavItem] = []
WORKER_SECTIONS: list[Section] = []
INSTITUTION_SECTIONS: list[Section] = []
HOME_SECTIONS: list[Section] = []
HOME_QUEUE: list[QueueItem] = []
DASHBOARD_SECTIONS: list[Section] = []


def _add(registry: list, item) -> None:
    if any(existing.key == item.key for existing in registry):
        return  # ready() may run twice in some test set-ups
    registry.append(item)
    registry.sort(key=lambda entry: (entry.order, entry.key))


def register_nav(item: NavItem) -> None:
    _add(NAV_ITEMS, item)


def register_worker_section(section: Section) -> None:
    _add(WORKER_SECTIONS, section)


def register_institution_section(section: Section) -> None:
    _add(INSTITUTION_SECTIONS, section)


def register_home_section(section: Section) -> None:
    _add(HOME_SECTIONS, section)


def register_home_queue(item: QueueItem) -> None:
    _add(HOME_QUEUE, item)


def register_dashboard_section(section: Section) -> None:
    _add(DASHBOARD_SECTIONS, section)


def queue_for(request: HttpRequest, scope: Scope) -> list[dict[str, Any]]:
    """The work queue of this user: every item that applies to the role, with its count and link."""
    rows = []
    for item in HOME_QUEUE:
        found = item.count(request, scope)
        if found is not None:
            count, url = found
            rows.append({"key": item.key, "label": item.label, "count": count, "url": url})
    return rows


def nav_for(user, scope: Scope) -> list[NavItem]:
    return [item for item in NAV_ITEMS if item.visible(user, scope)]


def render_sections(
    registry: list[Section], request: HttpRequest, record
) -> list[tuple[Section, dict[str, Any]]]:
    rendered = []
    for section in registry:
        context = section.context(request, record)
        if context is not None:
            rendered.append((section, context))
    return rendered
