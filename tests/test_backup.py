"""`careforce backup` and `careforce restore`: a restore into a fresh database gives back records whose ID
numbers decrypt with the keys in the environment, and refuses keys that do not fit or a database in use."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from careforce.core import crypto
from careforce.core.backup import BackupError, check_keys, manifest_keys, read_manifest
from tests import factories

# Committed rows: pg_dump and the restore run in other processes. The serialized rollback puts the data
# migrations' rows (districts …) back for the next test after the flush.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_restore(source, database_url: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CAREFORCE_") and k != "DJANGO_SETTINGS_MODULE"
    }
    return subprocess.run(
        [sys.executable, "-m", "careforce.cli", "restore", str(source)],
        env={**clean, "CAREFORCE_ENV": "development", "DATABASE_URL": database_url, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(autouse=True)
def _reference_rows(request):
    """A transactional test finds the data migrations' rows (districts …) even when an earlier test's flush
    on this worker emptied them (the same reload as the browser tests')."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        from tests.reference_data import reload_if_flushed

        reload_if_flushed()


@pytest.fixture
def records(city, home):
    return [factories.worker(at=home, actor=city, name=name) for name in ("张三丰", "李四", "王五")]


def other_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def decrypt_from(rows) -> dict[int, str]:
    return {pk: crypto.decrypt(bytes(blob), context=b"worker.id_number") for pk, blob in rows}


def test_a_sqlite_backup_restores_into_a_new_database_and_decrypts(records, tmp_path):
    out = tmp_path / "backup"
    call_command("backup", str(out), verbosity=0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite path runs on the SQLite suite")
    assert manifest["keys"]["pii_key_ids_in_use"] == [1]
    assert "id_number" not in json.dumps(manifest["keys"]["pii_key_checks"])
    for record in records:  # nothing of a person in clear in the manifest
        assert record.reveal_id_number() not in (out / "manifest.json").read_text()

    target = tmp_path / "restored.sqlite3"
    result = run_restore(out, f"sqlite:///{target}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Restored 3 worker records" in result.stdout
    with sqlite3.connect(target) as restored:
        rows = restored.execute("SELECT id, id_number_encrypted FROM registry_worker").fetchall()
    assert decrypt_from(rows) == {r.pk: r.reveal_id_number() for r in records}

    # Into a database that is in use: refused, and nothing changes there.
    again = run_restore(out, f"sqlite:///{target}")
    assert again.returncode != 0 and "not empty" in again.stderr

    # A damaged dump is refused before anything is written.
    dump = out / manifest["file"]
    data = dump.read_bytes()
    dump.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(BackupError, match="checksum"):
        read_manifest(out)


@pytest.mark.django_db  # in-process checks of the manifest's key part: no commit needed, no flush
def test_restore_refuses_keys_that_cannot_decrypt_the_backup(records, settings):
    manifest = {"keys": manifest_keys()}
    assert manifest["keys"]["pii_key_ids_in_use"] == [1]
    assert len(manifest["keys"]["samples"]) == 2  # one per encrypted column and key in use
    real = settings.PII_KEYS

    def refused(message: str, **keys: str) -> None:
        with override_settings(**keys), pytest.raises(BackupError, match=message):
            check_keys(manifest)

    refused("key 1 in CAREFORCE_PII_KEYS is not the key 1", PII_KEYS=f"1:{other_key()}")
    refused("not in CAREFORCE_PII_KEYS", PII_KEYS=f"2:{other_key()}")
    refused("CAREFORCE_BLIND_INDEX_KEY", BLIND_INDEX_KEY=other_key())
    # A sample that does not decrypt is refused even when the check values agree (a manifest edited by hand).
    forged = json.loads(json.dumps(manifest))
    blob = bytearray(base64.b64decode(forged["keys"]["samples"][0]["ciphertext"]))
    blob[-1] ^= 1
    forged["keys"]["samples"][0]["ciphertext"] = base64.b64encode(bytes(blob)).decode()
    with pytest.raises(BackupError, match="does not decrypt"):
        check_keys(forged)
    # A ring with a new key first and the backup's key after it fits: rotation is allowed.
    with override_settings(PII_KEYS=f"2:{other_key()},{real}"):
        check_keys(manifest)


@pytest.fixture
def fresh_postgres_database():
    import psycopg

    db = settings.DATABASES["default"]
    name = f"cf_restore_{uuid.uuid4().hex[:10]}"
    params = {
        k: v
        for k, v in {
            "host": db["HOST"],
            "port": db["PORT"],
            "user": db["USER"],
            "password": db["PASSWORD"],
        }.items()
        if v
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    yield f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}", name, params
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_postgresql_backup_restores_into_a_fresh_database_and_decrypts_an_id_number(
    records, tmp_path, request
):
    if connection.vendor != "postgresql":
        pytest.skip("runs on the PostgreSQL suite (DATABASE_URL=postgres://…)")
    import psycopg

    url, name, params = request.getfixturevalue("fresh_postgres_database")
    out = tmp_path / "backup"
    call_command("backup", str(out), verbosity=0)
    assert (out / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    wrong = run_restore(out, url, CAREFORCE_PII_KEYS=f"1:{other_key()}")
    assert wrong.returncode != 0 and "is not the key 1" in wrong.stderr

    result = run_restore(out, url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Restored 3 worker records" in result.stdout
    with psycopg.connect(dbname=name, **params) as restored:
        rows = restored.execute("SELECT id, id_number_encrypted FROM registry_worker").fetchall()
    assert decrypt_from(rows) == {r.pk: r.reveal_id_number() for r in records}

    again = run_restore(out, url)
    assert again.returncode != 0 and "not empty" in again.stderr
