"""A lookup counted inside a transaction that is then rolled back stays counted with the default database
cache (careforce/core/db/survive.py): a registration refused as a duplicate is a counted lookup, on SQLite and
PostgreSQL, whether its own savepoint or a whole transaction is rolled back."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import transaction

from careforce.core import access
from careforce.core.cache import DatabaseCache
from careforce.core.models import AccessChannel, AccessKind, RecordAccess
from tests import factories


def _refusals(city, home, number: str, times: int) -> list[str]:
    messages = []
    for _ in range(times):
        with pytest.raises(ValidationError) as exc:
            factories.worker(at=home, actor=city, id_number=number)
        messages.append(exc.value.message_dict["id_number"][0])
    return messages


@pytest.mark.django_db
def test_refused_registrations_count_with_the_database_cache(city, home, settings):
    """The registration's own atomic block (a savepoint here) is rolled back; the count is not."""
    assert isinstance(caches["default"], DatabaseCache)
    settings.LOOKUP_RATE = "2/h"
    number = factories.worker(at=home, actor=city, name="陈秀英").reveal_id_number()
    messages = _refusals(city, home, number, 3)
    assert messages[0] == messages[1] and "查询的次数过多" in messages[2]


@pytest.mark.django_db
def test_a_count_inside_nested_blocks_survives_each_rollback(city, settings):
    settings.LOOKUP_RATE = "3/h"
    for _ in range(3):
        with pytest.raises(RuntimeError), transaction.atomic():
            with transaction.atomic():
                access.lookup_admit(city)
            raise RuntimeError("refused")
    with pytest.raises(access.LookupRefused):
        access.lookup_admit(city)


@pytest.mark.django_db
def test_a_lookup_row_written_in_a_rolled_back_block_stands(city):
    with pytest.raises(RuntimeError), transaction.atomic():
        access.lookup_record(
            actor=city, kind=AccessKind.LOOKUP_ID, channel=AccessChannel.WEB, result_count=0, worker_id=None
        )
        raise RuntimeError("refused")
    assert RecordAccess.objects.filter(actor=city, kind=AccessKind.LOOKUP_ID).count() == 1


@pytest.mark.django_db
def test_a_committed_count_is_not_counted_twice(city, settings):
    settings.LOOKUP_RATE = "2/h"
    with transaction.atomic():
        access.lookup_admit(city)
    with pytest.raises(RuntimeError), transaction.atomic():
        raise RuntimeError("an unrelated rollback later redoes nothing")
    access.lookup_admit(city)  # the second of two: still admitted
    with pytest.raises(access.LookupRefused):
        access.lookup_admit(city)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_whole_transaction_rolled_back_keeps_the_count(city, home, settings):
    """No test case's block around it: the registration's transaction is a real one, really rolled back."""
    settings.LOOKUP_RATE = "2/h"
    number = factories.worker(at=home, actor=city, name="陈秀英").reveal_id_number()
    messages = []
    for _ in range(3):
        with pytest.raises(ValidationError) as exc, transaction.atomic():
            factories.worker(at=home, actor=city, id_number=number)
        messages.append(exc.value.message_dict["id_number"][0])
    assert messages[0] == messages[1] and "查询的次数过多" in messages[2]
    with pytest.raises(RuntimeError), transaction.atomic():
        access.lookup_record(
            actor=city, kind=AccessKind.LOOKUP_ID, channel=AccessChannel.WEB, result_count=0, worker_id=None
        )
        raise RuntimeError("refused")
    assert RecordAccess.objects.filter(actor=city, kind=AccessKind.LOOKUP_ID).count() == 1
