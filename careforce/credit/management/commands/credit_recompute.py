"""careforce credit-recompute: the full (nightly) recompute of every worker's credit score."""

from django.core.management.base import BaseCommand

from careforce.credit.services import credit_recompute_all


class Command(BaseCommand):
    help = "Recompute every worker's credit score (set-based; writes only scores that changed)."

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=50_000, help="workers per transaction")
        parser.add_argument("--jobs", type=int, default=2, help="id ranges computed at once (PostgreSQL)")
        parser.add_argument("--enqueue", action="store_true", help="run it as a background task instead")

    def handle(self, *args, chunk_size: int, jobs: int, enqueue: bool, verbosity: int, **options):
        if enqueue:
            from careforce.credit.tasks import credit_recompute_all_task

            result = credit_recompute_all_task.enqueue()
            self.stdout.write(f"Enqueued {result.id}")
            return
        log = self.stdout.write if verbosity > 1 else None
        summary = credit_recompute_all(chunk_size=chunk_size, jobs=jobs, log=log)
        if summary.rule_version is None:
            self.stderr.write("No credit rule is in force; nothing computed.")
            return
        if summary.missing_sources:
            self.stderr.write(f"Not yet available (measured as 0): {', '.join(summary.missing_sources)}")
        self.stdout.write(
            f"{summary.workers:,} workers, {summary.changed:,} changed, {summary.history:,} history rows, "
            f"rule v{summary.rule_version}, {summary.seconds:.1f} s"
        )
