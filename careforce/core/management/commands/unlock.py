"""`careforce unlock USERNAME [--ip ADDRESS]`: end a wrong-password lockout from the command line.

The security administrator does this on the sign-in security page; the command is for when that page cannot
be reached (the security administrator is the one locked out). Audited like the page.
"""

from django.core.management.base import BaseCommand

from careforce.core.lockouts import account_unlock


class Command(BaseCommand):
    help = "Forget an account's counted wrong passwords (from one address, or all) so it can sign in again."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--ip", default=None, help="only the failures from this address")

    def handle(self, *args, username: str, ip: str | None, **options):
        cleared = account_unlock(username=username, ip_address=ip, actor=None)
        self.stdout.write(f"{username}: {cleared} counted failure(s) cleared.")
