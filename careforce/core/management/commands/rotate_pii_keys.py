"""Re-encrypt personal data under the current key (the first in CAREFORCE_PII_KEYS).

Rotation: put a new key first in CAREFORCE_PII_KEYS, keep the old ones after it, restart, run this
command, then drop the old keys. The blind index key is separate and does not rotate this way.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from careforce.core import crypto
from careforce.registry.models import Worker

BATCH = 2000


class Command(BaseCommand):
    help = "Re-encrypt every ID number and phone still under an older key with the current key."

    def handle(self, *args, **options):
        current = crypto.current_key_id()
        done = 0
        last_id = 0
        while True:
            batch = list(
                Worker.objects.filter(pk__gt=last_id)
                .order_by("pk")
                .only("pk", "id_number_encrypted", "phone_encrypted")[:BATCH]
            )
            if not batch:
                break
            last_id = batch[-1].pk
            stale = []
            for worker in batch:
                changed = False
                if crypto.key_id_of(worker.id_number_encrypted) != current:
                    worker.id_number_encrypted = crypto.encrypt(
                        worker.reveal_id_number(), context=b"worker.id_number"
                    )
                    changed = True
                if worker.phone_encrypted and crypto.key_id_of(worker.phone_encrypted) != current:
                    worker.phone_encrypted = crypto.encrypt(worker.reveal_phone(), context=b"worker.phone")
                    changed = True
                if changed:
                    stale.append(worker)
            with transaction.atomic():
                Worker.objects.bulk_update(stale, ["id_number_encrypted", "phone_encrypted"])
            done += len(stale)
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {done} worker records under key {current}."))
        from careforce.imports.files import reencrypt

        files = reencrypt()
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {files} stored import files under key {current}.")
        )
