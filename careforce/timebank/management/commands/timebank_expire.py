"""careforce timebank_expire [--date YYYY-MM-DD]: expire the hours past the rules' expiry (oldest first)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from careforce.timebank import expiry


class Command(BaseCommand):
    help = (
        "Expire deposited hours older than the time-bank rules allow (nothing when the rules set no expiry)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to expire for (default: today, Asia/Shanghai)")

    def handle(self, *args, date=None, **options):
        try:
            on = datetime.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        before = expiry.cutoff(on)
        if before is None:
            self.stdout.write("the rules set no expiry: nothing expires")
            return
        touched, hours = expiry.expire_hours(on)
        self.stdout.write(f"hours received before {before}: {hours:.2f} expired from {touched} account(s)")
