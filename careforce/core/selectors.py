"""Reads of core records, scoped by the acting user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from careforce.core.models import PiiAccess, RecordAccess, Role, User


def can_see_access_log(user: User) -> bool:
    """City administrators (oversight of their officials) and the audit administrator (whose duty it is)."""
    return bool(user.is_authenticated and user.is_active and user.role in (Role.CITY_ADMIN, Role.AUDIT_ADMIN))


def access_log_visible_to(user: User) -> QuerySet[PiiAccess]:
    """The personal-data access log: city and audit administrators only; anyone else is told it does not
    exist."""
    if not can_see_access_log(user):
        raise Http404
    return PiiAccess.objects.select_related("actor", "worker").order_by("-at", "-id")


def read_log_visible_to(user: User) -> QuerySet[RecordAccess]:
    """The access log of reads (views, unmaskings, full-identifier lookups): the same readers as the
    personal-data access log."""
    if not can_see_access_log(user):
        raise Http404
    return RecordAccess.objects.select_related("actor", "worker").order_by("-at", "-id")
