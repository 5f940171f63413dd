"""The access log of reads and the limit on full-identifier lookups.

A search by a whole ID number or phone answers "is this person registered (in my area)?": officials need
it, and it is also how a guesser tests candidates one by one. So each such lookup is a `RecordAccess` row and
counts against `settings.LOOKUP_RATE` per account. The count lives in Django's default cache (through
django-ratelimit), which production configures as a store all processes share; when the cache fails to keep
the count, lookups are refused rather than let through uncounted (django-ratelimit fails closed).

Views of a person's record (page, API, unmasking) by anyone but that person are rows too. These are the
writes a read may make (docs/security.md): one INSERT each, no transaction of their own.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_ratelimit.core import get_usage

from careforce.core.db.survive import redo_after_rollback
from careforce.core.models import AccessChannel, AccessKind, RecordAccess, User

LOOKUP_GROUP = "careforce.lookup"


class LookupRefused(PermissionDenied):
    """Too many full-identifier lookups by this account in the period; the message says so, in Chinese by
    default, and when to try again. The pages and the API catch it where a lookup is made (the page shows
    the message, the API answers 429); anywhere else it is Django's 403 page with the message
    (templates/403.html), never a 500."""

    def __init__(self, retry_after: int):
        self.retry_after = max(retry_after, 1)
        minutes = (self.retry_after + 59) // 60
        super().__init__(
            _(
                "Too many look-ups by a full ID number or phone number (at most %(rate)s per account). Try "
                "again in %(minutes)d minutes, or search by name."
            )
            % {"rate": _rate_in_words(settings.LOOKUP_RATE), "minutes": minutes}
        )
        self.message = str(self.args[0])


def _rate_in_words(rate: str) -> str:
    """ "30/h" as "30 per hour" (每小时 30 次), "100/2d" as "100 per 2 days"."""
    count, _slash, period = rate.partition("/")
    multiple = period[:-1] or "1"
    unit = {
        "s": pgettext("rate period", "second"),
        "m": pgettext("rate period", "minute"),
        "h": pgettext("rate period", "hour"),
        "d": pgettext("rate period", "day"),
    }[period[-1]]
    span = unit if multiple == "1" else f"{multiple} {unit}"
    return _("%(count)s per %(span)s") % {"count": count, "span": span}


def lookup_admit(actor: User) -> None:
    """Count one full-identifier lookup for `actor`; raise LookupRefused beyond the configured rate."""
    usage = get_usage(
        None,  # counted per account, whatever the request
        group=LOOKUP_GROUP,
        key=lambda _group, _request: str(actor.pk),
        rate=settings.LOOKUP_RATE,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        raise LookupRefused(usage["time_left"])


def lookup_record(
    *, actor: User, kind: str, channel: str, result_count: int, worker_id: int | None
) -> RecordAccess:
    """The access-log row of a full-identifier lookup that was answered. Like the count, it stands even when
    the transaction it was written in is rolled back (a refused import): it is written again afterwards."""
    return _lookup_row(
        {
            "actor": actor,
            "kind": kind,
            "channel": channel,
            "result_count": result_count,
            "worker_id": worker_id,
        }
    )


def _lookup_row(fields: dict) -> RecordAccess:
    row = RecordAccess.objects.create(**fields)
    redo_after_rollback(lambda: _lookup_row(fields))
    return row


def view_record(*, actor: User, worker_id: int, channel: str, kind: str = AccessKind.VIEW) -> None:
    """The access-log row of a view of a person's record; a person looking at their own record is not
    logged."""
    if actor.worker_id == worker_id:
        return
    RecordAccess.objects.create(actor=actor, kind=kind, channel=channel, worker_id=worker_id)


__all__ = [
    "AccessChannel",
    "AccessKind",
    "LookupRefused",
    "lookup_admit",
    "lookup_record",
    "view_record",
]
