"""Separation of duties (三员分立, MLPS level 3): a system administrator (accounts, configuration), a security
administrator (roles, keys, lockouts, second-factor resets) and an audit administrator (reads the audit trail
and the access logs), none of whom sees a personal record; no account both changes records and reads or
manages the audit trail."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from careforce.core.models import ADMINISTRATOR_ROLES, AuditEvent, Role, User
from careforce.core.scope import Level, scope_of
from careforce.institutions.selectors import institutions_visible_to
from careforce.registry.selectors import workers_visible_to
from tests import factories

pytestmark = pytest.mark.django_db

AUDIT_TRAIL = {"core.view_audit_trail", "core.view_auditevent", "core.view_piiaccess", "axes.view_accesslog"}


def group_permissions(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


@pytest.fixture
def admins(db):
    return {role: factories.user(role) for role in ADMINISTRATOR_ROLES}


def test_the_three_administrators_see_no_personal_record(admins, city, home):
    factories.worker(at=home, actor=city)
    for user in admins.values():
        assert scope_of(user).level == Level.NONE and not scope_of(user).can_write
        assert not workers_visible_to(user).exists()
        assert not institutions_visible_to(user).exists()
        assert user.is_staff and not user.is_superuser


def test_only_the_audit_administrator_reads_the_trail_and_only_reads():
    for role in Role.values:
        perms = group_permissions(role)
        if role == Role.AUDIT_ADMIN:
            assert perms >= AUDIT_TRAIL
            assert all(p.split(".")[1].startswith("view_") for p in perms), perms
        else:
            assert not perms & AUDIT_TRAIL, role


def test_no_account_both_changes_records_and_touches_the_trail(city, home):
    """Whatever the role, one that can write records holds no audit-trail permission, and the administrators
    of accounts and roles hold none either."""
    users = [
        city,
        factories.user(Role.DISTRICT_ADMIN, district=factories.district()),
        factories.user(Role.INSTITUTION_ADMIN, institution=home),
        *[factories.user(role) for role in ADMINISTRATOR_ROLES],
    ]
    for user in users:
        trail = {p for p in AUDIT_TRAIL if user.has_perm(p)}
        changes_something = scope_of(user).can_write or user.has_perm("core.change_user")
        assert not (trail and changes_something), (user.role, trail)


def test_duties_do_not_overlap():
    system, security, audit = (
        group_permissions(r) for r in ("system_admin", "security_admin", "audit_admin")
    )
    assert (
        "core.add_user" in system
        and "core.assign_roles" not in system
        and "core.manage_sign_in" not in system
    )
    assert {"core.assign_roles", "core.manage_sign_in", "core.change_apitoken"} <= security
    assert "core.add_user" not in security
    assert not {"core.add_user", "core.assign_roles", "core.manage_sign_in"} & audit
    assert (
        "training.change_contentmodule" in system and "training.change_contentmodule" not in security | audit
    )


def test_the_system_administrator_creates_accounts_but_gives_no_role(client, admins):
    client.force_login(admins[Role.SYSTEM_ADMIN])
    response = client.post(
        reverse("admin:core_user_add"),
        {"username": "newcomer", "password1": "long-enough-pass-9", "password2": "long-enough-pass-9"},
    )
    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.role == Role.NONE and scope_of(newcomer).level == Level.NONE
    created = AuditEvent.objects.get(object_type="core.user", object_id=newcomer.pk)
    assert created.action == "create" and created.actor == admins[Role.SYSTEM_ADMIN]
    page = client.get(reverse("admin:core_user_change", args=[newcomer.pk])).content.decode()
    assert 'name="display_name"' in page and 'name="role"' not in page  # the role is shown, not editable
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 403
    assert client.get(reverse("core:sign_in_security")).status_code == 404
    assert client.get(reverse("admin:core_user_delete", args=[newcomer.pk])).status_code == 403


def test_the_security_administrator_gives_roles_audited_but_sets_no_password(client, admins):
    newcomer = factories.user(Role.NONE)
    security = admins[Role.SECURITY_ADMIN]
    client.force_login(security)
    url = reverse("admin:core_user_change", args=[newcomer.pk])
    page = client.get(url).content.decode()
    assert 'name="role"' in page and 'name="display_name"' not in page
    response = client.post(url, {"role": Role.AUDITOR, "district": "", "institution": "", "worker": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    newcomer.refresh_from_db()
    assert newcomer.role == Role.AUDITOR and list(newcomer.groups.values_list("name", flat=True)) == [
        "auditor"
    ]
    event = AuditEvent.objects.get(object_type="core.user", object_id=newcomer.pk)
    assert event.actor == security and event.changes["role"] == ["none", "auditor"]
    password_url = reverse("admin:auth_user_password_change", args=[newcomer.pk])
    assert client.get(password_url).status_code == 403
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 403


def test_the_audit_administrator_reads_the_trails_and_nothing_else(client, admins, city, home):
    worker = factories.worker(at=home, actor=city)
    client.force_login(admins[Role.AUDIT_ADMIN])
    assert client.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:core_piiaccess_changelist")).status_code == 200
    assert client.get(reverse("admin:axes_accesslog_changelist")).status_code == 200
    assert client.get(reverse("core:access_log")).status_code == 200
    assert client.get(reverse("admin:core_user_changelist")).status_code == 403
    assert client.get(reverse("registry:worker_detail", args=[worker.pk])).status_code == 404
    assert client.get(f"/api/v1/workers/{worker.pk}").status_code == 404
    assert client.get("/api/v1/workers").json()["items"] == []


def test_nobody_edits_second_factor_secrets_in_the_admin(client, admins):
    from django.contrib import admin
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert not admin.site.is_registered(TOTPDevice)


def test_production_has_no_superuser(settings):
    settings.DEVELOPMENT = False
    with pytest.raises(PermissionDenied, match="create-account"):
        call_command("createsuperuser", username="root", email="", interactive=False, stdout=io.StringIO())
    assert not User.objects.filter(username="root").exists()
