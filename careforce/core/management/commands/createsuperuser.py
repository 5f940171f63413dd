"""`careforce createsuperuser`: Django's, refused in production.

A superuser holds every duty at once — records, accounts, roles and the audit trail — which separation of
duties (三员分立) forbids. Production runs with the system, security and audit administrators instead
(`careforce create-account USERNAME --role system_admin|security_admin|audit_admin`). On a development
machine it works as Django's.
"""

from django.conf import settings
from django.contrib.auth.management.commands import createsuperuser
from django.core.management.base import CommandError


class Command(createsuperuser.Command):
    def handle(self, *args, **options):
        if not settings.DEVELOPMENT:
            raise CommandError(
                "Production has no superuser: create the three administrators with "
                "`careforce create-account USERNAME --role system_admin|security_admin|audit_admin` "
                "(docs/operations.md)."
            )
        return super().handle(*args, **options)
