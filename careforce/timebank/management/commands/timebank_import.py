"""careforce timebank_import FILE --actor USERNAME: credit a sheet of verified service records (the columns
of docs/timebank.md). Each row commits on its own and is keyed by its record key, so a run that was cut
short (even killed) is simply run again: what was credited is skipped, the rest is credited once."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from careforce.core.models import User
from careforce.timebank import services, sheets


class Command(BaseCommand):
    help = "Import a sheet of verified time-bank service records (idempotent by record key)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--actor", required=True, help="the account the records are verified by")

    def handle(self, *args, **options):
        actor = User.objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"no active account {options['actor']!r}")
        try:
            rows = sheets.read_records(Path(options["file"]).read_bytes())
        except (OSError, ValidationError) as exc:
            raise CommandError(str(exc)) from None
        result = services.records_import(actor=actor, rows=rows, first_row=2)
        self.stdout.write(
            f"credited {result.created}, already recorded {result.skipped}, refused {len(result.errors)}"
        )
        for row, errors in list(result.errors.items())[:50]:
            self.stderr.write(f"row {row}: {errors}")
