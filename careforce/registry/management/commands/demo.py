"""`careforce demo`: load realistic demo data through the services and print the demo accounts."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from careforce.registry import demo, demo_activity
from careforce.registry.models import Worker


class Command(BaseCommand):
    help = (
        "Load demo data (about 17,000 workers at 900 institutions across Chongqing's 41 districts) through "
        "the registry services, then two years of activity of every module (training, certificates, "
        "evaluations, complaints, penalties, a listing, a published ranking) through their services, then "
        "create and print one demo account per role."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=demo.DEFAULT_WORKERS, help="workers to register")
        parser.add_argument(
            "--institutions", type=int, default=demo.DEFAULT_INSTITUTIONS, help="institutions to create"
        )
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="random seed (repeatable data)"
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="workers per workers_register call")
        parser.add_argument(
            "--if-empty", action="store_true", help="load nothing when the registry already has workers"
        )
        parser.add_argument(
            "--registry-only",
            action="store_true",
            help="load institutions and workers only, without the activity of the other modules",
        )

    def handle(self, *args, **options):
        workers, institutions = options["workers"], options["institutions"]
        if workers < 0 or institutions < 0 or options["batch_size"] < 1:
            raise CommandError("--workers and --institutions must be 0 or more, --batch-size at least 1.")
        started = time.monotonic()
        if options["if_empty"] and Worker.objects.exists():
            self.stdout.write(
                f"The registry already has {Worker.objects.count():,} workers; no demo data loaded (--if-empty)."
            )
        else:
            try:
                result = demo.load(
                    workers=workers,
                    institutions=institutions,
                    seed=options["seed"],
                    batch_size=options["batch_size"],
                    log=self.stdout.write,
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {result.institutions:,} institutions and {result.workers:,} workers "
                    f"in {result.seconds:.1f} s."
                )
            )
            if not options["registry_only"] and workers:
                self.stdout.write("Recording two years of activity of every module …")
                activity = demo_activity.load_activity(
                    actor=demo.system_actor(),
                    seed=options["seed"],
                    today=timezone.localdate(),
                    log=self.stdout.write,
                )
                summary = ", ".join(f"{name} {n:,}" for name, n in activity.counts.items())
                self.stdout.write(self.style.SUCCESS(f"Activity: {summary} in {activity.seconds:.1f} s."))
        accounts, notes = demo.ensure_demo_accounts()
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(
                "DEMO CREDENTIALS — for a development machine only; anyone reading this can log in with them:"
            )
        )
        self.stdout.write(demo.format_accounts(accounts))
        for note in notes:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")
