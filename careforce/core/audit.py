"""The audit trail: call inside the service's transaction so a change and its record commit together."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db import models

from careforce.core.models import AuditAction, AuditEvent, User


def plain(value: Any) -> Any:
    """A value as the audit trail stores it (JSON): records by name, dates in ISO form, no bytes."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return "<encrypted>"
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(instance, name)) for name in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def creation_changes(after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """diff({}, after), for a new record: each field that has a value, from nothing to it."""
    return {key: [None, after[key]] for key in sorted(after) if after[key] is not None}


def build_event(
    *,
    actor: User | None,
    action: str,
    instance: models.Model,
    changes: Mapping[str, list[Any]],
    worker_id: int | None = None,
    institution_id: int | None = None,
    note: str = "",
) -> AuditEvent:
    return AuditEvent(
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        changes=dict(changes),
        worker_id=worker_id,
        institution_id=institution_id,
        note=note[:300],
    )


def record(**kwargs: Any) -> AuditEvent:
    event = build_event(**kwargs)
    event.save()
    announce([(event.object_type, event.worker_id, event.institution_id)])
    return event


# Who is told of each change, inside its transaction (the dashboard keeps its facts current this way).
# An observer receives (object type, worker id, institution id) of the events just written; it must not
# query or write, only register the work it will do before the transaction commits
# (careforce.core.db.precommit).
Announced = tuple[str, int | None, int | None]
_observers: list[Callable[[Sequence[Announced]], None]] = []


def observe(observer: Callable[[Sequence[Announced]], None]) -> None:
    if observer not in _observers:
        _observers.append(observer)


def announce(events: Sequence[Announced]) -> None:
    """Tell the observers of events written in the current transaction. record() does; a bulk path that
    inserts AuditEvent rows itself calls it with (object_type, worker_id, institution_id) of each."""
    for observer in _observers:
        observer(events)


def record_create(
    *,
    actor: User | None,
    instance: models.Model,
    fields: Iterable[str],
    worker_id: int | None = None,
    institution_id: int | None = None,
    note: str = "",
) -> AuditEvent:
    """The event of a new record: every audited field, from nothing to its value."""
    return record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=instance,
        changes=diff({}, snapshot(instance, fields)),
        worker_id=worker_id,
        institution_id=institution_id,
        note=note,
    )
