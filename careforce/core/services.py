"""Accounts: one way to create a user of a role, so that scope binding and role permissions agree."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from careforce.core.models import District, Role, User


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
) -> User:
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
        is_staff=role == Role.CITY_ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user
