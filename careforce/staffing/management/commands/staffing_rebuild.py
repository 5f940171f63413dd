"""careforce staffing_rebuild [--if-needed]: rebuild the staffing counting facts from the registry, set-based.

Needed after a bulk load that bypassed the services (no audit events announced) and once on a database whose
facts were never built (`--if-needed` does it only then; `make run` calls it after `migrate`). Changes made
through the services keep the facts current in their own transactions; this is not a cron job."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from careforce.staffing import tally


class Command(BaseCommand):
    help = "Rebuild the staffing counting facts (counted staff, record completeness) from the registry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-needed", action="store_true", help="Only when the facts were never built on this database."
        )

    def handle(self, *args, if_needed=False, **options):
        if if_needed and tally.is_built():
            return
        started = time.monotonic()
        tally.build()
        self.stdout.write(f"Staffing facts rebuilt in {time.monotonic() - started:.1f} s.")
