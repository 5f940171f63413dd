"""`careforce create-token USERNAME --name NAME`: a bearer token for a system client, printed once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from careforce.core.models import User
from careforce.core.tokens import token_create


class Command(BaseCommand):
    help = "Create an API token for a user and print it. Only its hash is stored: copy it now."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The account the client acts as (its role sets the scope)")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. the client system")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            token, raw = token_create(user=user, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stderr.write(
            f"Token {token.name!r} for {user.username} ({user.role}), prefix {token.prefix}. "
            "It is shown once and cannot be recovered; revoke it with "
            f"`careforce revoke-token {token.prefix}`."
        )
        self.stdout.write(raw)
