"""`careforce create-account USERNAME --role ROLE`: an account of a role, its password checked by the policy.

How the three administrators (system, security, audit) are made on a new installation; after that the system
administrator creates accounts in the admin and the security administrator gives them roles.
"""

import getpass
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from careforce.core.models import District, Role
from careforce.core.services import account_create


class Command(BaseCommand):
    help = (
        "Create an account with a role; the password is asked for (or read from standard input) and checked."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--display-name", default="", help="The name shown in the header and the trail")
        parser.add_argument(
            "--district", help="GB/T 2260 code of a district administrator's or auditor's district"
        )
        parser.add_argument(
            "--institution", type=int, help="id of an institution administrator's institution"
        )
        parser.add_argument("--training-base", type=int, help="id of a training base account's base")
        parser.add_argument("--evaluation-body", type=int, help="id of an evaluation body account's body")

    def _password(self) -> str:
        if not sys.stdin.isatty():
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("Password (at least 12 characters): ")
        if first != getpass.getpass("Password again: "):
            raise CommandError("The two passwords differ.")
        return first

    def handle(
        self,
        *args,
        username,
        role,
        display_name,
        district,
        institution,
        training_base,
        evaluation_body,
        **options,
    ):
        from careforce.institutions.models import Institution
        from careforce.skills.models import EvaluationBody
        from careforce.training.models import TrainingBase

        binding = {}
        if district:
            binding["district"] = District.objects.filter(code=district).first()
            if binding["district"] is None:
                raise CommandError(f"No district with code {district!r}.")
        if institution:
            binding["institution"] = Institution.objects.filter(pk=institution).first()
            if binding["institution"] is None:
                raise CommandError(f"No institution with id {institution}.")
        if training_base:
            binding["training_base"] = TrainingBase.objects.filter(pk=training_base).first()
            if binding["training_base"] is None:
                raise CommandError(f"No training base with id {training_base}.")
        if evaluation_body:
            binding["evaluation_body"] = EvaluationBody.objects.filter(pk=evaluation_body).first()
            if binding["evaluation_body"] is None:
                raise CommandError(f"No evaluation body with id {evaluation_body}.")
        password = self._password()
        if not password:
            raise CommandError("A password is needed.")
        try:
            user = account_create(
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                audited=True,  # the trail names no actor: it was the command line
                **binding,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"Created {user.username} ({user.get_role_display()}).")
