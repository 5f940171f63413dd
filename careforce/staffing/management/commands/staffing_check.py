"""careforce staffing_check: compare the staffing counting facts with a recount from the registry (people
counted per institution and post, complete records per institution). Exit status 1 when they differ; the
fix is `careforce staffing_rebuild`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from careforce.staffing import tally


class Command(BaseCommand):
    help = "Check the staffing counting facts against a recount from the registry."

    def handle(self, *args, **options):
        found = tally.differences()
        for line in found[:50]:
            self.stdout.write(line)
        if found:
            raise CommandError(f"{len(found)} institutions differ; run `careforce staffing_rebuild`.")
        self.stdout.write("Staffing facts agree with the registry.")
