"""The payment batch as xlsx for finance, streamed with the project's constant-memory writer (a 100,000-row
batch never sits in memory: rows come from a server-side iterator and leave as they are written)."""

from __future__ import annotations

import tempfile
from typing import IO

from django.utils.translation import gettext as _

from careforce.core.masking import mask_id_number
from careforce.imports.workbooks import SheetWriter, new_book
from careforce.incentives import selectors
from careforce.incentives.models import PaymentBatch


def batch_book(batch: PaymentBatch) -> IO[bytes]:
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, closed by it
    book = new_book(out)
    sheet = SheetWriter(
        book,
        _("Payments"),
        [
            _("Payment no."),
            _("Worker no."),
            _("Name"),
            _("ID number"),
            _("District"),
            _("Scheme"),
            _("Tranche or period"),
            _("Amount (yuan)"),
            _("Reverses payment no."),
            _("Reason"),
        ],
        [12, 12, 12, 22, 14, 24, 14, 14, 16, 30],
    )
    for pk, worker_id, name, region, district, scheme, key, amount, reverses, reason in selectors.batch_rows(
        batch
    ):
        sheet.write(
            [
                pk,
                worker_id,
                name,
                mask_id_number(region),
                district,
                scheme,
                key,
                float(amount),
                reverses or "",
                reason,
            ]
        )
    book.close()
    out.seek(0)
    return out
