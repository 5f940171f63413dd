"""careforce indicators_snapshot [--month YYYY-MM]: store each indicator's value per district and city-wide
for a month (this month so far by default). Schedule it on the last day of each month (cron or a
django-tasks periodic job) so that indicators read from other apps' current state keep a history."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from careforce.indicators import services


class Command(BaseCommand):
    help = "Store this month's indicator figures (the trend of indicators without dated history)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM (figures are those of today, filed under that month)")

    def handle(self, *args, month=None, **options):
        day = None
        if month:
            try:
                day = datetime.date.fromisoformat(f"{month}-01")
            except ValueError:
                raise CommandError("--month takes YYYY-MM, e.g. 2026-11") from None
        written = services.monthly_figures_record(month=day)
        self.stdout.write(f"{written} figures stored.")
