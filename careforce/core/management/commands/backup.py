"""`careforce backup OUT`: the database and a manifest for `restore` (careforce/core/backup.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careforce.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database into a new directory OUT (pg_dump custom format or SQLite backup, plus a manifest)."

    def add_arguments(self, parser):
        parser.add_argument("out", help="a new (or empty) directory")

    def handle(self, *args, out: str, **options):
        try:
            manifest = backup(Path(out))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backed up {manifest['counts']['workers']} worker records ({manifest['engine']}) to {out}; "
            f"personal-data key ids in use: {manifest['keys']['pii_key_ids_in_use']}. "
            "Keep the keys apart from the backup."
        )
