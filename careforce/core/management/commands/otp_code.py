"""`careforce otp-code USERNAME` (development only): the code the account's authenticator shows now.

The demo accounts have authenticators enrolled by `careforce demo`; this saves opening an app on a
development machine. Production refuses it: there, only the person's own device knows the code.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from careforce.core import twofactor
from careforce.core.models import User


class Command(BaseCommand):
    help = "Print the current second-factor code of an account (development machines only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEVELOPMENT:
            raise CommandError("otp-code works only on a development machine (CAREFORCE_ENV=development).")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            self.stdout.write(twofactor.current_code(user))
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
