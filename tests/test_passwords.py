"""The password policy (at least 12 characters, Django's validators) wherever a password is set."""

import io
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from careforce.core.models import AuditEvent, Role, User
from careforce.core.services import account_create
from careforce.registry import demo
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "password",
    ["short-pass1", "123456789012345", "password1234", "alice-sample-1"],
    ids=["11 characters", "numeric", "common", "like the user name"],
)
def test_account_create_refuses_a_weak_password(password):
    with pytest.raises(ValidationError) as caught:
        account_create(username="alice-sample", password=password, role=Role.AUDITOR)
    assert "password" in caught.value.message_dict
    assert not User.objects.filter(username="alice-sample").exists()


def test_twelve_characters_are_enough():
    account_create(username="alice", password="rain-on-lake7", role=Role.AUDITOR)
    with pytest.raises(ValidationError, match="12"):
        validate_password("rain-on-la7")


def test_the_demo_password_passes_the_policy():
    validate_password(demo.DEMO_PASSWORD, User(username="demo-city"))
    validate_password(factories.PASSWORD if hasattr(factories, "PASSWORD") else "pass-word-123")


def test_the_create_account_command_checks_the_password(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("too-short\n"))
    with pytest.raises(CommandError, match="12"):
        call_command("create_account", "sec1", role=Role.SECURITY_ADMIN, stdout=io.StringIO())
    monkeypatch.setattr(sys, "stdin", io.StringIO("guard-the-keys-2026\n"))
    call_command("create_account", "sec1", role=Role.SECURITY_ADMIN, stdout=io.StringIO())
    user = User.objects.get(username="sec1")
    assert user.role == Role.SECURITY_ADMIN and user.is_staff and user.check_password("guard-the-keys-2026")
    assert list(user.groups.values_list("name", flat=True)) == ["security_admin"]
    created = AuditEvent.objects.get(object_type="core.user", object_id=user.pk)
    assert created.action == "create" and created.actor is None  # the command line


def test_the_admin_checks_the_password_it_sets(client):
    system = factories.user(Role.SYSTEM_ADMIN)
    client.force_login(system)
    response = client.post(
        reverse("admin:core_user_add"),
        {
            "username": "newcomer",
            "password1": "short-pw1",
            "password2": "short-pw1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200 and not User.objects.filter(username="newcomer").exists()
    response = client.post(
        reverse("admin:core_user_add"),
        {
            "username": "newcomer",
            "password1": "long-enough-pass-9",
            "password2": "long-enough-pass-9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newcomer").role == Role.NONE
