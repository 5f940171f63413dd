"""Backup and restore of the whole database, with a check that the keys in the environment fit it.

A backup is a directory: the database (`pg_dump` custom format on PostgreSQL, SQLite's online backup API on
SQLite) and `manifest.json`. The manifest holds no key and no personal data in clear: which personal-data
key ids the encrypted columns use, a check value of each key (an HMAC of a fixed text under the key: equal
only for the same key, and it does not give the key away), the same for the blind-index key, and per key id
in use one sample ciphertext with its blind index. `restore` refuses before touching the target database
when a key in use is missing from CAREFORCE_PII_KEYS or differs, when the blind-index key differs, or when a
sample does not decrypt to the value its blind index names; it restores only into an empty database, then
decrypts a sample of the restored records.

The keys are not in the backup: keep them apart (docs/operations.md, "Backup and restore").
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from careforce.core import crypto, keys

FORMAT = 1
MANIFEST = "manifest.json"
CHECK_TEXT = b"careforce backup key check v1"
SAMPLE_SIZE = 20

# The encrypted columns, their associated data, and the blind index that names the same value.
ENCRYPTED_COLUMNS = (
    {
        "column": "id_number_encrypted",
        "context": "worker.id_number",
        "hash": "id_number_hash",
        "purpose": "id_number",
    },
    {"column": "phone_encrypted", "context": "worker.phone", "hash": "phone_hash", "purpose": "phone"},
)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def _check_value(key: bytes) -> str:
    return hmac.new(key, CHECK_TEXT, hashlib.sha256).hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"backup supports PostgreSQL and SQLite, not {vendor}")
    return vendor


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _worker_table() -> str:
    from careforce.registry.models import Worker

    return connection.ops.quote_name(Worker._meta.db_table)


def _first_byte_sql(column: str) -> str:
    """The key id of a stored value, in SQL: its first byte in the legacy layout, its third when the first
    is 0 (the layout that records the suite: crypto.VERSIONED, suite, key id)."""
    column = connection.ops.quote_name(column)
    if connection.vendor == "postgresql":
        return (
            f"CASE WHEN get_byte({column}, 0) = 0 THEN get_byte({column}, 2) ELSE get_byte({column}, 0) END"
        )
    return (
        f"CASE WHEN hex(substr({column}, 1, 1)) = '00' THEN hex(substr({column}, 3, 1))"
        f" ELSE hex(substr({column}, 1, 1)) END"
    )


def _key_ids_and_samples() -> tuple[list[int], list[dict[str, Any]]]:
    """Which key ids the encrypted columns use, and one sample ciphertext per column and key id."""
    table = _worker_table()
    used: set[int] = set()
    samples: list[dict[str, Any]] = []
    with connection.cursor() as cursor:
        for spec in ENCRYPTED_COLUMNS:
            first = _first_byte_sql(spec["column"])
            column = connection.ops.quote_name(spec["column"])
            cursor.execute(f"SELECT DISTINCT {first} FROM {table} WHERE {column} IS NOT NULL")
            ids = sorted(
                int(value, 16) if isinstance(value, str) else int(value) for (value,) in cursor.fetchall()
            )
            used.update(ids)
            for key_id in ids:
                match = key_id if connection.vendor == "postgresql" else f"{key_id:02X}"
                cursor.execute(
                    f"SELECT {column}, {connection.ops.quote_name(spec['hash'])} FROM {table}"
                    f" WHERE {column} IS NOT NULL AND {first} = %s LIMIT 1",
                    [match],
                )
                blob, digest = cursor.fetchone()
                samples.append(
                    {
                        "column": spec["column"],
                        "key_id": key_id,
                        "ciphertext": base64.b64encode(bytes(blob)).decode(),
                        "blind_index": digest,
                    }
                )
    return sorted(used), samples


def _counts() -> dict[str, int]:
    from careforce.registry.models import Worker

    return {"workers": Worker.objects.count()}


def backup(out: Path) -> dict[str, Any]:
    """Write a backup of the configured database into the new directory `out`; returns the manifest."""
    engine = _engine()
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} exists and is not empty; name a new directory")
    out.mkdir(parents=True, exist_ok=True)
    key_checks = manifest_keys()
    counts = _counts()
    if engine == "postgresql":
        dump = out / "database.dump"
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"],
            env=_pg_env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            shutil.rmtree(out, ignore_errors=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    else:
        dump = out / "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(dump)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    manifest = {
        "format": FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "engine": engine,
        "file": dump.name,
        "sha256": _sha256(dump),
        "counts": counts,
        "migrations": {
            app: name
            for app, name in MigrationRecorder(connection)
            .migration_qs.order_by("app", "name")
            .values_list("app", "name")
        },
        "keys": key_checks,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


def manifest_keys() -> dict[str, Any]:
    """The manifest's key part: key ids in use, check values, samples (read before the dump is taken)."""
    used, samples = _key_ids_and_samples()
    return {
        "pii_key_ids_in_use": used,
        "pii_key_checks": {
            str(key_id): _check_value(key) for key_id, key in keys.parse_pii_ring(settings.PII_KEYS)
        },
        "blind_index_key_check": _check_value(keys.parse_blind_index_key(settings.BLIND_INDEX_KEY)),
        "samples": samples,
    }


@dataclass
class RestoreReport:
    engine: str
    workers: int
    verified: int


def read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} is missing: {source} is not a CareForce backup directory")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    dump = source / manifest["file"]
    if not dump.is_file() or _sha256(dump) != manifest["sha256"]:
        raise BackupError(f"{dump} is missing or does not match the manifest's checksum")
    return manifest


def check_keys(manifest: dict[str, Any]) -> None:
    """Refuse unless the environment's keys are the ones the backup's data was encrypted and indexed with."""
    ring = dict(keys.parse_pii_ring(settings.PII_KEYS))
    expected = manifest["keys"]["pii_key_checks"]
    for key_id in manifest["keys"]["pii_key_ids_in_use"]:
        if key_id not in ring:
            raise BackupError(
                f"the backup's data is encrypted with personal-data key {key_id}, which is not in "
                "CAREFORCE_PII_KEYS; add it (id:base64) and run restore again"
            )
        if _check_value(ring[key_id]) != expected.get(str(key_id)):
            raise BackupError(
                f"personal-data key {key_id} in CAREFORCE_PII_KEYS is not the key {key_id} the backup was "
                "made with; set the backup's keys and run restore again"
            )
    if (
        _check_value(keys.parse_blind_index_key(settings.BLIND_INDEX_KEY))
        != manifest["keys"]["blind_index_key_check"]
    ):
        raise BackupError(
            "CAREFORCE_BLIND_INDEX_KEY is not the blind-index key the backup was made with; lookups and "
            "uniqueness would break: set the backup's key and run restore again"
        )
    for sample in manifest["keys"]["samples"]:
        spec = next(s for s in ENCRYPTED_COLUMNS if s["column"] == sample["column"])
        _verify(base64.b64decode(sample["ciphertext"]), sample["blind_index"], spec)


def _verify(blob: bytes, digest: str, spec: dict[str, str]) -> None:
    try:
        value = crypto.decrypt(blob, context=spec["context"].encode())
    except Exception as error:
        raise BackupError(
            f"a sample of {spec['column']} (key {crypto.key_id_of(blob)}) does not decrypt with the keys in "
            f"the environment ({type(error).__name__})"
        ) from error
    if crypto.blind_index(value, purpose=spec["purpose"]) != digest:
        raise BackupError(f"a sample of {spec['column']} decrypts, but its blind index does not match")


def _target_is_empty() -> bool:
    return not connection.introspection.table_names()


def restore(source: Path) -> RestoreReport:
    """Restore the backup in `source` into the configured database, which must be empty."""
    manifest = read_manifest(source)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(f"the backup is of a {manifest['engine']} database; DATABASE_URL names {engine}")
    check_keys(manifest)
    if not _target_is_empty():
        raise BackupError(
            "the target database is not empty; restore only into a new, empty database "
            "(for example `createdb careforce_restored` and DATABASE_URL naming it)"
        )
    dump = source / manifest["file"]
    if engine == "postgresql":
        connection.close()
        result = subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={_pg_env()['PGDATABASE']}",
                str(dump),
            ],
            env=_pg_env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        connection.ensure_connection()
        backup_file = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
        try:
            backup_file.backup(connection.connection)
        finally:
            backup_file.close()
    return RestoreReport(engine=engine, workers=_counts()["workers"], verified=verify_restored())


def verify_restored(limit: int = SAMPLE_SIZE) -> int:
    """Decrypt the ID numbers and phones of a sample of the restored records and compare their blind indexes."""
    from careforce.registry.models import Worker

    checked = 0
    rows = Worker.objects.order_by("pk").values_list(
        "id_number_encrypted", "id_number_hash", "phone_encrypted", "phone_hash"
    )
    for id_blob, id_hash, phone_blob, phone_hash in rows[:limit]:
        _verify(bytes(id_blob), id_hash, ENCRYPTED_COLUMNS[0])
        if phone_blob:
            _verify(bytes(phone_blob), phone_hash, ENCRYPTED_COLUMNS[1])
        checked += 1
    return checked
