"""`careforce reset-second-factor USERNAME`: remove an account's authenticator and recovery codes.

The security administrator does this on the sign-in security page; the command is for when no security
administrator can sign in (their own phone is lost). Audited like the page.
"""

from django.core.management.base import BaseCommand, CommandError

from careforce.core.models import User
from careforce.core.twofactor import second_factor_reset


class Command(BaseCommand):
    help = "Reset an account's second factor: it sets up a new authenticator at its next sign-in."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        second_factor_reset(user=user, actor=None)
        self.stdout.write(f"{username}: second factor reset; they set up a new one at their next sign-in.")
