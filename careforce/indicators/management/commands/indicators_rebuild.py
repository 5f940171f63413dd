"""careforce indicators_rebuild: recompute the dashboard's persisted facts and counters from the registry.

Needed once after `migrate` on a database that already holds workers (the first dashboard read would do
it otherwise, slowly), and after any bulk load that bypassed the services (no audit events to follow).
Changes made through the services are applied incrementally on the next read; this is not a cron job."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from careforce.indicators import engine, facts


class Command(BaseCommand):
    help = "Recompute the dashboard's per-worker facts and counters from the registry."

    def handle(self, *args, **options):
        started = time.monotonic()
        engine.rebuild(log=self.stdout.write)
        state = facts.state()
        self.stdout.write(
            f"Facts rebuilt in {time.monotonic() - started:.1f} s (as of {state.as_of}, audit {state.high})."
        )
