"""careforce timebank_reconcile: prove the books — every movement two entries summing to zero, each unit's
entries summing to zero, every balance equal to its entries, no person below zero. Exit 1 if not."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Sum

from careforce.timebank.models import Entry, Movement
from careforce.timebank.services import reconcile


class Command(BaseCommand):
    help = "Check that the time-bank books balance (exit status 1 when they do not)."

    def handle(self, *args, **options):
        problems = reconcile()
        totals = Entry.objects.aggregate(n=Count("id"), debits=Sum("amount"))
        self.stdout.write(f"movements: {Movement.objects.count()}, entries: {totals['n']}")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"the books do not reconcile: {len(problems)} problem(s)")
        self.stdout.write("the books reconcile")
