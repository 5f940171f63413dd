"""Accounts: one way to create a user of a role and one way to change its role, so that scope binding, role
permissions, the administrator flag and the audit trail agree."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import ADMINISTRATOR_ROLES, AuditAction, District, Role, User

ROLE_FIELDS = ("role", "district", "institution", "worker", "training_base", "evaluation_body")


def _sync_role(user: User) -> None:
    """The role's group (its permissions) and the Django admin flag follow the role; nothing else grants them."""
    role_groups = Group.objects.filter(name__in=Role.values)
    user.groups.remove(*role_groups.exclude(name=user.role))
    user.groups.add(*role_groups.filter(name=user.role))


def _role_snapshot(user: User) -> dict:
    return {field: audit.plain(getattr(user, field)) for field in ROLE_FIELDS}


@transaction.atomic
def account_create(
    *,
    username: str,
    password: str | None,
    role: str,
    display_name: str = "",
    district: District | None = None,
    institution=None,
    worker=None,
    training_base=None,
    evaluation_body=None,
    actor: User | None = None,
    audited: bool = False,
) -> User:
    """A new account. Audited when made by someone (`actor`) or from the command line (`audited`); the demo
    and the tests make theirs unaudited."""
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": [_("This user name is taken.")]})
    user = User(
        username=username,
        role=role,
        display_name=display_name,
        district=district,
        institution=institution,
        worker=worker,
        training_base=training_base,
        evaluation_body=evaluation_body,
        is_staff=role in ADMINISTRATOR_ROLES,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    _sync_role(user)
    if actor is not None or audited:
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=user,
            changes=audit.creation_changes({"username": user.username, **_role_snapshot(user)}),
        )
    return user


def account_created_in_admin(*, user: User, actor: User) -> User:
    """The Django admin saved a new account itself (its form sets the password): give it its role's group
    and flag, and record its creation."""
    _sync_role(user)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=user,
        changes=audit.creation_changes({"username": user.username, **_role_snapshot(user)}),
    )
    return user


@transaction.atomic
def account_role_set(
    *,
    user: User,
    role: str,
    district: District | None = None,
    institution=None,
    worker=None,
    training_base=None,
    evaluation_body=None,
    actor: User | None,
) -> User:
    """Give an account its role and the district / institution / worker record it is bound to (the security
    administrator's duty). The administrator flag and the permission group follow; the change is audited."""
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role.")]})
    user = User.objects.select_for_update().get(pk=user.pk)
    before = _role_snapshot(user)
    user.role, user.district, user.institution, user.worker = role, district, institution, worker
    user.training_base, user.evaluation_body = training_base, evaluation_body
    user.is_staff = role in ADMINISTRATOR_ROLES
    user.full_clean(exclude=["password"])
    user.save(update_fields=[*ROLE_FIELDS, "is_staff"])
    _sync_role(user)
    changes = audit.diff(before, _role_snapshot(user))
    if changes:
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=user, changes=changes)
    return user
