"""Services of the reference lists' synonyms (core.Synonym): added, changed and removed with an audit event in
the same transaction. The admin calls these; nothing else writes synonyms (the data migration loads them)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from careforce.core import audit, vocabulary
from careforce.core.models import AuditAction, Synonym, SynonymOrigin, User
from careforce.core.validators import clean_free_text

AUDITED_FIELDS = ("list_name", "entry", "phrase", "origin")


def clean_synonym(data: dict[str, Any], *, instance: Synonym | None = None) -> dict[str, Any]:
    """The synonym's values, or ValidationError naming the field: a known list and entry, a phrase that
    names no other entry of the list (as a label or as another synonym)."""
    errors: dict[str, list[str]] = {}
    list_name = str(data.get("list_name") or "")
    entry = str(data.get("entry") or "").strip()
    phrase = clean_free_text(data.get("phrase"))
    key = vocabulary.match_key(phrase)
    if list_name not in vocabulary.LISTS:
        errors["list_name"] = [_("Choose one of the lists.")]
    else:
        table = vocabulary.Vocabulary()
        entries = {e.code: e for e in table.entries(list_name)}
        if entry not in entries:
            errors["entry"] = [
                _("No entry %(entry)s in this list; give the code of one of: %(codes)s.")
                % {"entry": entry, "codes": "、".join(entries)}
            ]
        if not key:
            errors["phrase"] = [_("Enter the phrase officials write for this entry.")]
        elif len(phrase) > 60:
            errors["phrase"] = [_("The phrase is too long (at most 60 characters).")]
        elif entry in entries:
            clash = (
                Synonym.objects.filter(list_name=list_name, key=key)
                .exclude(pk=instance.pk if instance else None)
                .first()
            )
            if clash is not None:
                owner = clash.entry
            elif instance is not None and instance.key == key:
                owner = None  # the synonym itself, moved to another entry
            else:
                owner = table.table(list_name).get(key)
            if clash is not None and owner == entry:
                errors["phrase"] = [_("This phrase is already a synonym of this entry.")]
            elif owner not in (None, entry):
                errors["phrase"] = [
                    _("This phrase already names %(entry)s in this list; one phrase names one entry.")
                    % {"entry": owner}
                ]
    if errors:
        raise ValidationError(errors)
    return {"list_name": list_name, "entry": entry, "phrase": phrase, "key": key}


@transaction.atomic
def synonym_add(*, actor: User, data: dict[str, Any]) -> Synonym:
    values = clean_synonym(data)
    synonym = Synonym.objects.create(**values, origin=data.get("origin") or SynonymOrigin.ADDED)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=synonym,
        changes=audit.creation_changes(audit.snapshot(synonym, AUDITED_FIELDS)),
    )
    transaction.on_commit(vocabulary.clear)
    vocabulary.clear()
    return synonym


@transaction.atomic
def synonym_update(*, actor: User, synonym: Synonym, data: dict[str, Any]) -> Synonym:
    synonym = Synonym.objects.select_for_update().get(pk=synonym.pk)
    before = audit.snapshot(synonym, AUDITED_FIELDS)
    values = clean_synonym({**audit.snapshot(synonym, AUDITED_FIELDS), **data}, instance=synonym)
    for name, value in values.items():
        setattr(synonym, name, value)
    synonym.save()
    changes = audit.diff(before, audit.snapshot(synonym, AUDITED_FIELDS))
    if changes:
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=synonym, changes=changes)
    transaction.on_commit(vocabulary.clear)
    vocabulary.clear()
    return synonym


@transaction.atomic
def synonym_delete(*, actor: User, synonym: Synonym) -> None:
    before = audit.snapshot(synonym, AUDITED_FIELDS)
    audit.record(
        actor=actor,
        action=AuditAction.DELETE,
        instance=synonym,
        changes={key: [value, None] for key, value in before.items()},
    )
    synonym.delete()
    transaction.on_commit(vocabulary.clear)
    vocabulary.clear()
