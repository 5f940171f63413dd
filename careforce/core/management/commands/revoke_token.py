"""`careforce revoke-token PREFIX`: stop a token working at once (the row stays, for the record)."""

from django.core.management.base import BaseCommand, CommandError

from careforce.core.models import ApiToken
from careforce.core.tokens import token_revoke


class Command(BaseCommand):
    help = "Revoke API tokens by the prefix printed when they were created, or all of a user's with --user."

    def add_arguments(self, parser):
        parser.add_argument("prefix", nargs="?", help="The token's prefix (its first 10 characters)")
        parser.add_argument("--user", help="Revoke every active token of this user instead")

    def handle(self, *args, prefix: str | None, user: str | None, **options):
        if bool(prefix) == bool(user):
            raise CommandError("Give either a token prefix or --user USERNAME.")
        tokens = ApiToken.objects.filter(revoked_at__isnull=True).select_related("user")
        if prefix:
            tokens = tokens.filter(prefix=prefix[:10])
            if len(tokens) > 1:
                listing = ", ".join(f"{t.name} ({t.user.username})" for t in tokens)
                raise CommandError(f"Several active tokens start with {prefix}: {listing}. Revoke by --user.")
        else:
            tokens = tokens.filter(user__username=user)
        revoked = [token_revoke(token=token) for token in tokens]
        if not revoked:
            raise CommandError("No active token matches.")
        for token in revoked:
            self.stdout.write(f"Revoked {token.prefix} {token.name!r} of {token.user.username}.")
