"""Each process keeps an account's permissions and its session's second-factor device in memory, keyed by
the account's access version (careforce/core/account_cache.py). Every change of what they depend on must take
effect at the account's next request; and an authenticated list request must not pay for them again."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django_otp.plugins.otp_totp.models import TOTPDevice

from careforce.core.models import Role, User
from careforce.core.scope import can_unmask
from careforce.core.services import account_role_set
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/api/v1/workers?limit=5"


def unmask_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="core", codename="unmask_pii")


def shows_gender(client) -> bool:
    """The list shows a worker's gender only to an account that may unmask (the masking rule)."""
    response = client.get(LIST)
    assert response.status_code == 200, response.content
    return response.json()["items"][0]["gender"] is not None


def fresh(user: User) -> User:
    """The account as the next request loads it."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def viewer(city, home):
    factories.worker(at=home, actor=city)
    return factories.user(Role.DISTRICT_ADMIN, district=home.district)


def test_it_takes_a_revoked_group_permission_away_at_the_next_request(client, viewer):
    client.force_login(viewer)
    assert shows_gender(client) and shows_gender(client)  # the second answer comes from memory
    Group.objects.get(name=Role.DISTRICT_ADMIN).permissions.remove(unmask_permission())
    assert not shows_gender(client)
    assert not can_unmask(fresh(viewer))


def test_it_follows_the_permission_given_back_and_the_clear_from_the_permissions_side(client, viewer):
    group = Group.objects.get(name=Role.DISTRICT_ADMIN)
    client.force_login(viewer)
    assert shows_gender(client)
    unmask_permission().group_set.clear()
    assert not shows_gender(client)
    group.permissions.add(unmask_permission())
    assert shows_gender(client)


def test_it_follows_the_accounts_own_permissions_and_groups(client, city, home):
    factories.worker(at=home, actor=city)
    auditor = factories.user(Role.AUDITOR)
    client.force_login(auditor)
    assert not shows_gender(client)
    auditor.user_permissions.add(unmask_permission())
    assert can_unmask(auditor)  # the instance in hand too
    assert shows_gender(client)
    unmask_permission().user_set.remove(auditor)
    assert not shows_gender(client)
    auditor.groups.add(Group.objects.get(name=Role.CITY_ADMIN))
    assert shows_gender(client)
    Group.objects.get(name=Role.CITY_ADMIN).user_set.clear()
    assert not shows_gender(client)


def test_it_follows_a_role_change_a_deleted_group_and_a_disabled_account(client, city, viewer):
    client.force_login(viewer)
    assert shows_gender(client)
    account_role_set(user=viewer, role=Role.AUDITOR, actor=city)
    assert not can_unmask(fresh(viewer))
    account_role_set(user=viewer, role=Role.CITY_ADMIN, actor=city)
    assert can_unmask(fresh(viewer))
    Group.objects.get(name=Role.CITY_ADMIN).delete()
    assert not can_unmask(fresh(viewer))
    viewer.user_permissions.add(unmask_permission())
    assert can_unmask(fresh(viewer))
    User.objects.filter(pk=viewer.pk).update(is_active=False)
    assert not can_unmask(fresh(viewer))


def test_it_signs_out_a_session_whose_second_factor_was_removed(client, viewer):
    client.force_login(viewer)
    assert client.get(LIST).status_code == 200
    assert client.get(LIST).status_code == 200
    TOTPDevice.objects.filter(user=viewer).delete()
    assert client.get(LIST).status_code == 401


def test_it_refuses_a_device_unconfirmed_after_the_sign_in(client, viewer):
    client.force_login(viewer)
    assert client.get(LIST).status_code == 200
    device = TOTPDevice.objects.get(user=viewer)
    device.confirmed = False
    device.save()
    assert client.get(LIST).status_code == 401


def test_it_lists_workers_with_three_statements_a_request(client, viewer, django_assert_max_num_queries):
    """The session, the account, the page: no permission or device query once the account is known (the
    session comes from Redis where production configures it, so two statements there)."""
    client.force_login(viewer)
    assert shows_gender(client)
    with django_assert_max_num_queries(3):
        assert shows_gender(client)
    with django_assert_max_num_queries(3):
        assert client.get(LIST + "&q=zs").status_code == 200


def test_the_sessions_account_is_read_afresh_by_the_compiled_statement(client, viewer):
    from django.contrib.auth.hashers import make_password

    from careforce.core.account_cache import CachedPermissionsBackend, account_by_pk

    loaded = account_by_pk(viewer.pk)
    expected = User.objects.get(pk=viewer.pk)
    for field in User._meta.concrete_fields:  # every column, with the same converted values as the ORM's
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.attname
    assert loaded._state.db == "default" and not loaded._state.adding
    backend = CachedPermissionsBackend()
    assert backend.get_user(str(viewer.pk)).pk == viewer.pk
    assert backend.get_user("not a number") is None
    assert backend.get_user(10**12) is None
    # A signed-in session follows the row: deactivated or a new password (another session hash) signs it out.
    client.force_login(viewer)
    assert client.get(LIST).status_code == 200
    User.objects.filter(pk=viewer.pk).update(password=make_password("another long passphrase 42"))
    assert client.get(LIST).status_code == 401
    client.force_login(fresh(viewer))
    assert client.get(LIST).status_code == 200
    User.objects.filter(pk=viewer.pk).update(is_active=False)
    assert backend.get_user(viewer.pk) is None
    assert client.get(LIST).status_code == 401
