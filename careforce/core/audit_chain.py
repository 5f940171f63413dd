"""The keyed digest chain over the audit trail and the frozen reports, and its checkpoints outside the
database.

How it avoids serialising writers: a service writes its audit rows in its own transaction as before, with
no digest and no shared head to lock. A periodic task (`seal`, every few minutes, and by hand with
`careforce verify-audit --seal`) takes the rows not yet sealed in id order, after they have committed, and
gives each the next sequence number and the digest

    digest(n) = HMAC-<suite hash>(audit key, digest(n-1) "\\n" n "\\n" canonical row)

Only the sealer holds the chain's head (ChainHead, locked for the sealing transaction), so writers never
wait on each other or on it; a row that commits late (a lower id than rows already sealed) is simply sealed
in the next run, with a later number. Bulk paths that insert audit rows themselves need nothing.

The frozen reports (period reports, published rankings and their rows) are written once; their digests
live in RecordSeal, one chain per table, sealed the same way.

The head of every chain is written after each sealing to a signed checkpoint file, one per day, in
CAREFORCE_AUDIT_CHECKPOINT_DIR: outside the database, so deleting the last rows (and rewinding ChainHead)
still disagrees with a checkpoint. `verify-audit` recomputes every chain and compares it with every
checkpoint found.

A window remains between a row's commit and its sealing (minutes): a row changed inside it is sealed as
changed. Sealing more often narrows it.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from careforce.core import crypto
from careforce.core.models import AuditEvent, ChainHead, RecordSeal

AUDIT = "audit"
# Frozen tables whose rows are sealed into a chain of their own (chain name = model label).
FROZEN = ("indicators.PeriodReport", "rankings.RankingSnapshot", "rankings.SnapshotRow")
AUDIT_FIELDS = (
    "id",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "worker_id",
    "institution_id",
    "note",
)
BATCH = 5000


def _json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _when(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat()


def canonical_event(event: AuditEvent) -> bytes:
    values = [getattr(event, name) for name in AUDIT_FIELDS]
    values[1] = _when(event.at)
    return _json(values).encode()


def canonical_record(instance) -> bytes:
    values = {}
    for f in instance._meta.concrete_fields:
        value = getattr(instance, f.attname)
        if isinstance(value, datetime.datetime):
            value = _when(value)
        elif isinstance(value, bytes | memoryview):
            value = bytes(value).hex()
        values[f.attname] = value
    return _json(values).encode()


def link(previous: str, seq: int, payload: bytes, *, hash_name: str | None = None) -> str:
    return crypto.keyed_digest(
        previous.encode() + b"\n" + str(seq).encode() + b"\n" + payload, hash_name=hash_name
    )


def _hash_of(digest: str) -> str:
    return digest.partition(":")[0]


# ---------------------------------------------------------------- sealing


def _head(chain: str) -> ChainHead:
    head, _created = ChainHead.objects.select_for_update().get_or_create(chain=chain)
    return head


def _seal_audit_batch() -> int:
    with transaction.atomic():
        head = _head(AUDIT)
        events = list(AuditEvent.objects.filter(seal_seq__isnull=True).order_by("id")[:BATCH])
        if not events:
            return 0
        params = []
        for event in events:
            head.seq += 1
            head.digest = link(head.digest, head.seq, canonical_event(event))
            params.append((head.seq, head.digest, event.pk))
        table, quote = AuditEvent._meta.db_table, connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(table)} SET {quote('seal_seq')} = %s, {quote('seal_digest')} = %s "
                f"WHERE {quote('id')} = %s",
                params,
            )
        head.sealed_at = timezone.now()
        head.save()
        return len(events)


def _seal_records_batch(label: str) -> int:
    model = apps.get_model(label)
    with transaction.atomic():
        head = _head(label)
        sealed = RecordSeal.objects.filter(chain=label).values("object_id")
        rows = list(model.objects.exclude(pk__in=sealed).order_by("pk")[:BATCH])
        if not rows:
            return 0
        seals = []
        for row in rows:
            head.seq += 1
            head.digest = link(head.digest, head.seq, canonical_record(row))
            seals.append(RecordSeal(chain=label, seq=head.seq, object_id=row.pk, digest=head.digest))
        RecordSeal.objects.bulk_create(seals)
        head.sealed_at = timezone.now()
        head.save()
        return len(rows)


def seal() -> dict[str, int]:
    """Seal every row not yet sealed, chain by chain; {chain: rows sealed}."""
    counts = {AUDIT: 0, **dict.fromkeys(FROZEN, 0)}
    while n := _seal_audit_batch():
        counts[AUDIT] += n
    for label in FROZEN:
        while n := _seal_records_batch(label):
            counts[label] += n
    return counts


# ---------------------------------------------------------------- checkpoints (outside the database)


def checkpoint_dir() -> Path:
    return Path(getattr(settings, "AUDIT_CHECKPOINT_DIR", settings.VAR_DIR / "audit-checkpoints"))


def _signature(body: dict) -> str:
    return crypto.keyed_digest(_json(body).encode())


def write_checkpoint(directory: Path | None = None) -> Path:
    """The head of every chain, signed with the audit key, in the day's file (replaced atomically)."""
    directory = directory or checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    body = {
        "at": _when(now),
        "chains": {h.chain: {"seq": h.seq, "digest": h.digest} for h in ChainHead.objects.order_by("chain")},
    }
    path = directory / f"audit-checkpoint-{timezone.localdate(now).isoformat()}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(_json({**body, "signature": _signature(body)}) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def seal_and_checkpoint() -> dict[str, int]:
    counts = seal()
    write_checkpoint()
    return counts


# ---------------------------------------------------------------- verification


@dataclass
class Report:
    checked: dict[str, int] = field(default_factory=dict)
    unsealed: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _verify_chain(chain: str, links, report: Report, wanted: set[int]) -> dict[int, str]:
    """links: (seq, stored digest, row id, canonical payload or None for a deleted row) in seq order.
    Returns the stored digests of the links named in `wanted` (the checkpoints' heads)."""
    expected_seq, previous, count = 1, "", 0
    found: dict[int, str] = {}
    for seq, digest, row_id, payload in links:
        count += 1
        if seq != expected_seq:
            report.problems.append(
                f"{chain}: links #{expected_seq}–#{seq - 1} are missing (rows deleted before row {row_id})"
            )
        elif payload is None:
            report.problems.append(f"{chain}: row {row_id} (link #{seq}) was deleted")
        elif link(previous, seq, payload(), hash_name=_hash_of(digest)) != digest:
            report.problems.append(f"{chain}: row {row_id} (link #{seq}) was changed after it was sealed")
        previous, expected_seq = digest, seq + 1
        if seq in wanted:
            found[seq] = digest
    report.checked[chain] = count
    head = ChainHead.objects.filter(chain=chain).first()
    if head is not None and head.seq != expected_seq - 1:
        report.problems.append(
            f"{chain}: the chain's head says #{head.seq} but the last row is #{expected_seq - 1} "
            "(rows deleted at the end)"
        )
    return found


def _audit_links():
    qs = AuditEvent.objects.filter(seal_seq__isnull=False).order_by("seal_seq")
    for event in qs.iterator(chunk_size=BATCH):
        yield event.seal_seq, event.seal_digest, event.pk, (lambda e=event: canonical_event(e))


def _record_links(label: str):
    model = apps.get_model(label)
    last = 0
    while True:
        chunk = list(RecordSeal.objects.filter(chain=label, seq__gt=last).order_by("seq")[:BATCH])
        if not chunk:
            return
        rows = model.objects.in_bulk([s.object_id for s in chunk])
        for s in chunk:
            row = rows.get(s.object_id)
            yield s.seq, s.digest, s.object_id, None if row is None else (lambda r=row: canonical_record(r))
        last = chunk[-1].seq


def _checkpoints(directory: Path, report: Report) -> list[tuple[str, dict]]:
    """The signed checkpoint files that verify, as (file name, {chain: {seq, digest}})."""
    valid = []
    for path in sorted(directory.glob("audit-checkpoint-*.json")):
        report.checkpoints += 1
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            signature = data.pop("signature")
            ok = signature == crypto.keyed_digest(_json(data).encode(), hash_name=_hash_of(signature))
        except (ValueError, KeyError, TypeError, AttributeError):
            ok = False
        if ok:
            valid.append((path.name, data["chains"]))
        else:
            report.problems.append(f"{path.name}: the checkpoint's signature does not verify")
    return valid


def verify(directory: Path | None = None) -> Report:
    """Recompute every chain and hold it against every checkpoint file."""
    report = Report()
    checkpoints = _checkpoints(directory or checkpoint_dir(), report)
    sources = {AUDIT: _audit_links, **{label: (lambda label=label: _record_links(label)) for label in FROZEN}}
    for chain, links in sources.items():
        wanted = {heads[chain]["seq"] for _name, heads in checkpoints if heads.get(chain, {}).get("seq")}
        found = _verify_chain(chain, links(), report, wanted)
        for name, heads in checkpoints:
            head = heads.get(chain)
            if head and head["seq"] and found.get(head["seq"]) != head["digest"]:
                report.problems.append(
                    f"{chain}: link #{head['seq']} named by {name} is missing or differs "
                    "(rows deleted or rewritten at the end)"
                )
    report.unsealed = AuditEvent.objects.filter(seal_seq__isnull=True).count()
    return report
