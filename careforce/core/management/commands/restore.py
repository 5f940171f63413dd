"""`careforce restore IN`: into an empty database, after checking the keys fit (careforce/core/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careforce.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `careforce backup` into the (empty) database of DATABASE_URL, after checking "
        "that the keys in the environment decrypt its data."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="IN", help="the backup directory")

    def handle(self, *args, source: str, **options):
        try:
            report = restore(Path(source))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored {report.workers} worker records ({report.engine}); decrypted and checked "
            f"{report.verified} of them with the keys in the environment. Run `careforce migrate` next."
        )
