"""Move every encrypted value and blind index to the current cipher suite and key (careforce/core/rotation.py).

A change of key: put the new key first in CAREFORCE_PII_KEYS, keep the old ones after it, restart, run this
command, then drop the old keys. A change of suite (AES → SM4 or back): also set CAREFORCE_CRYPTO_SUITE and
CAREFORCE_BLIND_INDEX_PREVIOUS (the suite, and key, of the index before) in every process, restart, run this
command, then unset CAREFORCE_BLIND_INDEX_PREVIOUS. Killed half way, it resumes where it stopped when run
again. docs/operations.md "Cipher suites and keys" has the whole procedure.
"""

from django.core.management.base import BaseCommand

from careforce.core import crypto, rotation


class Command(BaseCommand):
    help = "Re-encrypt and re-index every personal value still under another cipher suite or key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000, help="rows per transaction (2000)")

    def log(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()  # progress shows as it happens, and a supervisor reading the pipe sees each batch

    def handle(self, *args, batch_size: int, **options):
        outcomes = rotation.rotate_all(batch_size=batch_size, log=self.log if options["verbosity"] else str)
        # Stored uploads are sealed with their job in the associated data, one file at a time (they are big).
        from careforce.imports.files import reencrypt

        files = reencrypt()
        self.log(f"imports.ImportFile: {files} stored files moved")
        moved = sum(o.moved for o in outcomes.values()) + files
        unknown = sum(o.unknown_index for o in outcomes.values())
        suite = crypto.current_suite()
        if unknown:
            self.stderr.write(
                f"{unknown} stored blind indexes matched neither the current index nor "
                "CAREFORCE_BLIND_INDEX_PREVIOUS: lookups of those rows missed until now. Set "
                "CAREFORCE_BLIND_INDEX_PREVIOUS to the index in force before, in every process, before a rotation."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Moved {moved} records; every value is under {suite.name}, key {crypto.current_key_id()}. "
                "The older keys and CAREFORCE_BLIND_INDEX_PREVIOUS can now be removed."
            )
        )
