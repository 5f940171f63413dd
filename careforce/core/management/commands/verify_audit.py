"""careforce verify-audit: recompute the audit trail's digest chain (and the frozen reports') and hold it
against the signed checkpoint files; a changed row, a row deleted in the middle or at the end is reported
and the command exits with status 1 (careforce/core/audit_chain.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careforce.core import audit_chain


class Command(BaseCommand):
    help = "Check the audit trail's digest chain and the frozen reports' against the checkpoint files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seal", action="store_true", help="seal the rows not yet sealed and write a checkpoint first"
        )
        parser.add_argument("--checkpoint-dir", type=Path, help="default: CAREFORCE_AUDIT_CHECKPOINT_DIR")

    def handle(self, *args, seal: bool, checkpoint_dir: Path | None, **options):
        if seal:
            counts = audit_chain.seal()
            path = audit_chain.write_checkpoint(checkpoint_dir)
            self.stdout.write(f"Sealed {sum(counts.values())} rows; checkpoint {path}")
        report = audit_chain.verify(checkpoint_dir)
        checked = ", ".join(f"{chain} {n}" for chain, n in report.checked.items())
        self.stdout.write(
            f"Checked {checked}; {report.unsealed} audit rows not sealed yet; {report.checkpoints} checkpoints."
        )
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(f"The audit trail fails verification: {len(report.problems)} problems.")
        self.stdout.write(self.style.SUCCESS("The audit trail verifies."))
