"""The household-registration (落户) list for the public-security bureau as xlsx: ID numbers masked, unless
the exporting user may unmask personal data and gives a reason — then full numbers through the registry's
logged reveal (one access-log row per worker and field)."""

from __future__ import annotations

import tempfile
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from careforce.core.masking import mask_id_number
from careforce.core.models import User
from careforce.core.scope import can_unmask
from careforce.imports.workbooks import SheetWriter, new_book
from careforce.recognition import selectors
from careforce.registry.services import pii_reveal_many


def settlement_book(actor: User, *, reason: str = "", ip_address: str | None = None) -> IO[bytes]:
    """The current flags the actor may see. A reason from someone without the permission is refused by
    pii_reveal_many (404), never silently ignored."""
    flags = list(
        selectors.settlement_flags_visible_to(actor).order_by("district__sort_order", "worker__name")
    )
    full: dict[int, tuple[str, str]] = {}
    if reason:
        full = pii_reveal_many(
            actor=actor,
            workers=[f.worker for f in flags],
            reason=reason,
            ip_address=ip_address,
            channel="export",
        )
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
    book = new_book(out)
    sheet = SheetWriter(
        book,
        _("Household registration"),
        [
            pgettext("person", "Name"),
            _("Resident ID number"),
            _("District"),
            _("Institution"),
            _("Skill level"),
            _("Flagged on"),
        ],
        [12, 22, 12, 30, 12, 12],
    )
    for flag in flags:
        worker = flag.worker
        number = full[worker.pk][0] if worker.pk in full else mask_id_number(worker.id_region)
        sheet.write(
            [
                worker.name,
                number,
                flag.district.name,
                worker.institution.name if worker.institution_id else "",
                flag.level.name,
                flag.flagged_on.isoformat(),
            ]
        )
    book.close()
    out.seek(0)
    return out


def may_export_full(actor: User) -> bool:
    return can_unmask(actor)
