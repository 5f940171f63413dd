"""careforce certificates_roll: certificates that have expired stop counting (the holders' standing and
their institutions' certification tallies); the tasks worker runs it every day at 00:10."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from careforce.skills import tally


class Command(BaseCommand):
    help = "Refresh the standing of holders whose certificates have expired (the daily roll)."

    def handle(self, *args, **options):
        self.stdout.write(f"{tally.roll_expired()} workers refreshed.")
