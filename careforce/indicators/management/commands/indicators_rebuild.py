"""careforce indicators_rebuild [--if-needed]: recompute the dashboard's persisted facts and counters from
the registry, and the figures that incentives and recognition keep (KEPT_BY_APPS).

Needed after any bulk load that bypassed the services (no audit events were announced), and once on a
database whose facts were never built (`--if-needed` does it only then: `make run` calls it after
`migrate`; the worker's daily task does the same). Changes made through the services keep the facts current
in their own transactions; this is not a cron job."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import transaction

from careforce.indicators import engine, facts, marks, sources

# Apps whose own figures (kept by their services) are rewritten from their records too.
KEPT_BY_APPS = ("incentives", "recognition")


class Command(BaseCommand):
    help = "Recompute the dashboard's per-worker facts and counters from the registry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-needed", action="store_true", help="Only when the facts were never built on this database."
        )

    def handle(self, *args, if_needed=False, **options):
        if if_needed and facts.state() is not None:
            # The apps' own figures, once, on a database whose records predate them.
            for name in KEPT_BY_APPS:
                if sources.has(name, "figures_missing") and sources.contract(name).figures_missing():
                    sources.contract(name).rebuild_figures()
                    self.stdout.write(f"{name}: figures built from the records.")
            return
        started = time.monotonic()
        with transaction.atomic():
            engine.rebuild(log=self.stdout.write)
            for name in KEPT_BY_APPS:
                if sources.has(name, "rebuild_figures"):
                    sources.contract(name).rebuild_figures()
                    self.stdout.write(f"{name}: figures rebuilt from the records.")
            marks.bump((), everything=True)  # every process reads its districts again
        state = facts.state()
        self.stdout.write(f"Facts rebuilt in {time.monotonic() - started:.1f} s (as of {state.as_of}).")
