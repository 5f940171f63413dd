"""The time bank's figures per district — one definition, kept on the write side.

- volunteers: volunteers registered in the district;
- deposited: hours of the district's volunteers' credited service records (over the cap included: they
  were served, and went to the public pool);
- withdrawn: hours of confirmed service orders paid from the district's volunteers' hours;
- open: hours of orders requested or delivered and not yet confirmed (the hours waiting to be redeemed);
- donated: hours the district's volunteers gave to the public pool themselves;
- expired: hours of the district's volunteers that expired under the rules.

Each service that changes one of these calls `add()` in its own transaction (an UPDATE … SET x = x + d, so
concurrent writers never lose a change and the row lock orders them); `computed()` derives the same figures
from the records and the ledger, `rebuild()` rewrites the tallies from it, and `differences()` — run by
`careforce timebank_reconcile` — proves the kept figures equal the records.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum

from careforce.timebank.models import (
    ZERO,
    AccountKind,
    DistrictTally,
    Entry,
    MovementKind,
    OrderStatus,
    RecordStatus,
    ServiceOrder,
    ServiceRecord,
    Volunteer,
)

FIELDS = ("volunteers", "deposited", "withdrawn", "open", "donated", "expired")


def add(district_id: int, **deltas: int | Decimal) -> None:
    """Add to one district's figures (inside the caller's transaction)."""
    changes = {name: F(name) + value for name, value in deltas.items() if value}
    if changes:
        # The dashboard reads these figures: its cached figures of this district are read again.
        from careforce.indicators import marks

        marks.touch(district_ids=[district_id])
    if not changes or DistrictTally.objects.filter(district_id=district_id).update(**changes):
        return
    # A district without its row yet (the migration and rebuild() write rows only for districts with records).
    try:
        with transaction.atomic():
            DistrictTally.objects.create(district_id=district_id, **{k: v for k, v in deltas.items() if v})
    except IntegrityError:  # made meanwhile by a concurrent writer: add to it
        DistrictTally.objects.filter(district_id=district_id).update(**changes)


def kept(district_ids: Iterable[int] | None = None) -> dict[int, dict[str, int | Decimal]]:
    qs = DistrictTally.objects.all()
    if district_ids is not None:
        qs = qs.filter(district_id__in=list(district_ids))
    return {row["district_id"]: row for row in qs.values("district_id", *FIELDS)}


def computed(
    district_ids: Iterable[int] | None = None, *, models: Any = None
) -> dict[int, dict[str, int | Decimal]]:
    """The figures derived from the records and the ledger (grouped reads; for rebuild and reconcile).
    `models`: a namespace of the four models read (a migration passes its historical ones)."""
    ids = None if district_ids is None else list(district_ids)
    m = models or SimpleNamespace(
        Volunteer=Volunteer, ServiceRecord=ServiceRecord, ServiceOrder=ServiceOrder, Entry=Entry
    )

    def grouped(qs, key, value) -> dict[int, int | Decimal]:
        if ids is not None:
            qs = qs.filter(**{f"{key}__in": ids})
        return dict(qs.order_by().values(key).annotate(v=value).values_list(key, "v"))

    by = "volunteer__district_id"
    person = "account__volunteer__district_id"
    figures = {
        "volunteers": grouped(m.Volunteer.objects.all(), "district_id", Count("id")),
        "deposited": grouped(m.ServiceRecord.objects.filter(status=RecordStatus.CREDITED), by, Sum("hours")),
        "withdrawn": grouped(m.ServiceOrder.objects.filter(status=OrderStatus.CONFIRMED), by, Sum("hours")),
        "open": grouped(
            m.ServiceOrder.objects.filter(status__in=[OrderStatus.REQUESTED, OrderStatus.DELIVERED]),
            by,
            Sum("hours"),
        ),
        "donated": grouped(
            m.Entry.objects.filter(
                movement__kind=MovementKind.DONATION, account__kind=AccountKind.PERSON, amount__lt=0
            ),
            person,
            Sum("amount"),
        ),
        "expired": grouped(
            m.Entry.objects.filter(
                movement__kind=MovementKind.EXPIRY, account__kind=AccountKind.PERSON, amount__lt=0
            ),
            person,
            Sum("amount"),
        ),
    }
    out: dict[int, dict[str, int | Decimal]] = {}
    for name, values in figures.items():
        for district_id, value in values.items():
            row = out.setdefault(district_id, {"district_id": district_id, **dict.fromkeys(FIELDS, 0)})
            row[name] = -value if name in ("donated", "expired") else value
    return out


def _same(a: dict, b: dict) -> bool:
    return all(Decimal(a.get(f) or 0) == Decimal(b.get(f) or 0) for f in FIELDS)


def differences() -> list[str]:
    """Districts whose kept figures differ from the records (empty: they agree)."""
    have, want = kept(), computed()
    zero = dict.fromkeys(FIELDS, ZERO)
    return [
        f"district {pk}: kept {have.get(pk, zero)}, records {want.get(pk, zero)}"
        for pk in sorted(set(have) | set(want))
        if not _same(have.get(pk, zero), want.get(pk, zero))
    ]


def rebuild() -> int:
    """Rewrite every tally from the records (after a restore, or to repair); returns the districts written."""
    rows = computed()
    DistrictTally.objects.all().delete()
    DistrictTally.objects.bulk_create(
        [DistrictTally(**{k: v for k, v in row.items()}) for row in rows.values()]
    )
    return len(rows)
