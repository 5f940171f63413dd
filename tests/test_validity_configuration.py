"""The validity tables (how long a certificate and a completed training stay valid) are configuration: the
system administrator edits them in the admin (permissions given by data migration core 0010); nobody else
does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from careforce.core.models import Role
from careforce.core.reference import CONFIGURATION_MODELS
from careforce.skills.models import CertificateValidity
from careforce.training.models import TrainingValidity
from tests import factories

pytestmark = pytest.mark.django_db

TABLES = [("skills", "certificatevalidity"), ("training", "trainingvalidity")]


def test_they_are_configuration_models():
    assert {"skills.certificatevalidity", "training.trainingvalidity"} <= set(CONFIGURATION_MODELS)


@pytest.mark.parametrize(("app", "model"), TABLES)
def test_the_system_administrator_may_edit_them(app, model):
    admin = factories.user(Role.SYSTEM_ADMIN)
    for action in ("add", "change", "view"):
        assert admin.has_perm(f"{app}.{action}_{model}")


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.CITY_ADMIN, Role.AUDITOR])
@pytest.mark.parametrize(("app", "model"), TABLES)
def test_no_other_role_may_change_them(role, app, model):
    user = factories.user(role)
    assert not user.has_perm(f"{app}.change_{model}") and not user.has_perm(f"{app}.add_{model}")


def test_the_system_administrator_changes_the_training_validity_in_the_admin(client):
    row = TrainingValidity.objects.order_by("kind").first()
    admin = factories.user(Role.SYSTEM_ADMIN)
    client.force_login(admin)
    url = reverse("admin:training_trainingvalidity_change", args=[row.pk])
    assert client.get(url).status_code == 200
    answer = client.post(url, {"kind": row.kind, "months": 30, "note": "市民政局调整"})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.months == 30 and row.note == "市民政局调整"
    client.force_login(factories.user(Role.SECURITY_ADMIN))
    assert client.get(url).status_code == 403


def test_the_system_administrator_opens_the_certificate_validity_table(client):
    client.force_login(factories.user(Role.SYSTEM_ADMIN))
    assert client.get(reverse("admin:skills_certificatevalidity_changelist")).status_code == 200
    assert client.get(reverse("admin:skills_certificatevalidity_add")).status_code == 200
    client.force_login(factories.user(Role.AUDIT_ADMIN))
    assert client.get(reverse("admin:skills_certificatevalidity_changelist")).status_code == 403
    assert CertificateValidity.objects.exists()
