"""What every request needs to know about its account beyond the account's row — its permissions and the
second-factor device its session passed — kept in each process's memory between requests.

The key is the account's `access_version` (with its role, active and superuser flags), a column of the row
that every request loads anyway (the session's or the token's account). Whatever changes what these answers
depend on bumps the version in the same transaction as the change:
- the account's groups, its own permissions, a group's permissions, a group or a permission deleted
  (`m2m_changed` / `pre_delete` below; a role change goes through `core.services._sync_role`, which changes
  the groups);
- any second-factor device of the account saved or deleted (a reset, an enrolment, a verification).
The next request of that account, in any process, then reads the new version and asks the database afresh:
a revoked permission or a removed device takes effect at once, with no timeout and no shared cache to clear.
A request that read the row just before a change committed may still use what it knew then, as it would
without this cache.

Without it an authenticated request paid three statements on top of its page: the two permission queries
behind `can_unmask` (user and group permissions) and the device load of django-otp's middleware.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import F, Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware
from django_otp.models import Device

from careforce.core.models import User

# Entries are a few hundred bytes; a process serving more accounts than this between restarts starts over.
MAX_ENTRIES = 20_000
_permissions: dict[tuple, frozenset[str]] = {}
_devices: dict[tuple, Device | None] = {}


def _account_key(user: Any) -> tuple:
    # date_joined: an account made later under the number of a deleted one (SQLite reuses the highest) is
    # another account.
    return (user.pk, user.date_joined, user.access_version, user.role, user.is_active, user.is_superuser)


def _remember(store: dict, key: tuple, value: Any) -> None:
    if len(store) >= MAX_ENTRIES:
        store.clear()
    store[key] = value


def forget_all() -> None:
    """Empties this process's memory. The tests call it between tests: rolling a test's transaction back
    takes the versions back with it, which a real database's commits never do."""
    _permissions.clear()
    _devices.clear()


# The statement behind every authenticated request's account row, as the ORM builds it for
# `User._base_manager.get(pk=…)`, compiled once per database and reused with its converters: compiling it
# was two thirds of the lookup (about 0.33 of 0.49 ms of CPU per request on PostgreSQL). The row is read
# afresh on every request, so a deactivated account or a changed password acts at once, as before.
_account_statements: dict[str, tuple[str, list[str], dict]] = {}


def account_by_pk(pk: Any) -> User | None:
    """The account with this primary key, read from the database now (None if there is none)."""
    alias = router.db_for_read(User)
    connection = connections[alias]
    statement = _account_statements.get(alias)
    if statement is None:
        names = [field.attname for field in User._meta.concrete_fields]
        query = User._base_manager.using(alias).filter(pk=0).values_list(*names).query
        compiler = query.get_compiler(alias)
        sql, params = compiler.as_sql()
        if list(params) != [0]:  # the primary key must be the statement's one parameter
            raise RuntimeError(f"unexpected account statement parameters: {params!r}")
        converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
        statement = _account_statements[alias] = (sql, names, converters)
    sql, names, converters = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    if converters:
        row = list(row)
        for position, (functions, expression) in converters.items():
            for function in functions:
                row[position] = function(row[position], expression, connection)
    return User.from_db(alias, names, row)


class CachedPermissionsBackend(ModelBackend):
    """Django's ModelBackend, with each account's permission set computed once per access version and the
    session's account read by a statement compiled once (`account_by_pk`)."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = account_by_pk(pk)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = _account_key(user_obj)
            known = _permissions.get(key)
            if known is None:
                known = frozenset(super().get_all_permissions(user_obj))
                _remember(_permissions, key, known)
            user_obj._perm_cache = set(known)
        return user_obj._perm_cache


class CachedOTPMiddleware(OTPMiddleware):
    """django-otp's middleware, loading the session's verified device once per account version. Every
    request gets its own copy, so nothing one request does to the device object leaks into another."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated:
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = self._device_for(persistent_id, user) if persistent_id else None
            user.otp_device = self._finalize_device(request, user, device)
        return user

    def _device_for(self, persistent_id: str, user: Any) -> Device | None:
        key = (persistent_id, *_account_key(user))
        if key in _devices:
            device = _devices[key]
        else:
            device = self._device_from_persistent_id(persistent_id)
            _remember(_devices, key, device)
        return copy.copy(device) if device is not None else None


# ------------------------------------------------------------------------------------- bumping the version
def bump(user_ids: Iterable[int]) -> None:
    ids = {pk for pk in user_ids if pk is not None}
    if ids:
        User.objects.filter(pk__in=ids).update(access_version=F("access_version") + 1)


def _bump_instance(user: User) -> None:
    bump([user.pk])
    # The instance in hand answers afresh too (Django's own backend would keep its per-instance cache).
    for cached in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(cached, None)
    user.refresh_from_db(fields=["access_version"])


def _members(groups: Iterable[int]) -> list[int]:
    return list(User.objects.filter(groups__in=list(groups)).values_list("pk", flat=True).distinct())


def _holders(permissions: Iterable[int]) -> list[int]:
    permissions = list(permissions)
    return list(
        User.objects.filter(Q(user_permissions__in=permissions) | Q(groups__permissions__in=permissions))
        .values_list("pk", flat=True)
        .distinct()
    )


_CHANGES = ("post_add", "post_remove", "pre_clear")


def _user_groups_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in _CHANGES:
        return
    if not reverse:  # user.groups.…
        _bump_instance(instance)
    elif action == "pre_clear":  # group.user_set.clear()
        bump(_members([instance.pk]))
    else:
        bump(pk_set or ())


def _user_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in _CHANGES:
        return
    if not reverse:  # user.user_permissions.…
        _bump_instance(instance)
    elif action == "pre_clear":  # permission.user_set.clear()
        bump(User.objects.filter(user_permissions=instance).values_list("pk", flat=True))
    else:
        bump(pk_set or ())


def _group_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in _CHANGES:
        return
    if not reverse:  # group.permissions.…
        bump(_members([instance.pk]))
    elif action == "pre_clear":  # permission.group_set.clear()
        bump(_members(instance.group_set.values_list("pk", flat=True)))
    else:
        bump(_members(pk_set or ()))


def _group_deleted(sender, instance, **kwargs) -> None:
    bump(_members([instance.pk]))


def _permission_deleted(sender, instance, **kwargs) -> None:
    bump(_holders([instance.pk]))


def _device_changed(sender, instance, **kwargs) -> None:
    bump([instance.user_id])


def connect() -> None:
    m2m_changed.connect(_user_groups_changed, sender=User.groups.through, dispatch_uid="access:user_groups")
    m2m_changed.connect(
        _user_permissions_changed, sender=User.user_permissions.through, dispatch_uid="access:user_perms"
    )
    m2m_changed.connect(
        _group_permissions_changed, sender=Group.permissions.through, dispatch_uid="access:group_perms"
    )
    pre_delete.connect(_group_deleted, sender=Group, dispatch_uid="access:group_deleted")
    pre_delete.connect(_permission_deleted, sender=Permission, dispatch_uid="access:permission_deleted")
    # Every kind of device (TOTP, recovery codes, any other installed).
    for model in apps.get_models():
        if issubclass(model, Device):
            post_save.connect(_device_changed, sender=model, dispatch_uid=f"access:saved:{model._meta.label}")
            post_delete.connect(
                _device_changed, sender=model, dispatch_uid=f"access:deleted:{model._meta.label}"
            )
