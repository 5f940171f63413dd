"""`careforce rotate-pii-keys`: every value and blind index moves to the current suite and key, in batches,
resumable after kill -9, and lookups by ID number never miss while it runs."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from careforce.core import crypto
from careforce.core.crypto_provider import AES, SM4
from careforce.core.models import RotationProgress
from careforce.registry.models import Worker
from careforce.registry.selectors import WorkerFilters, worker_list
from tests import factories
from tests.test_crypto_suites import b64

PROJECT = Path(__file__).resolve().parent.parent
SM4_ENV = {"CAREFORCE_CRYPTO_SUITE": SM4.name, "CAREFORCE_BLIND_INDEX_PREVIOUS": AES.name}


@pytest.mark.django_db
def test_it_moves_every_value_and_index_from_aes_to_sm4(settings, city, home):
    workers = [factories.worker(at=home, actor=city) for _ in range(3)]
    numbers = {w.pk: (w.reveal_id_number(), w.reveal_phone()) for w in workers}
    settings.CRYPTO_SUITE, settings.BLIND_INDEX_PREVIOUS = SM4.name, AES.name
    settings.PII_KEYS = f"9:{b64(16)},{settings.PII_KEYS}"
    # Before the rotation: the AES rows are read and found through the previous index.
    number = numbers[workers[0].pk][0]
    assert [w.pk for w in worker_list(city, WorkerFilters(q=number))] == [workers[0].pk]
    call_command("rotate_pii_keys", verbosity=0)
    settings.BLIND_INDEX_PREVIOUS = ""
    assert not RotationProgress.objects.exists()
    for worker in Worker.objects.filter(pk__in=numbers):
        assert (
            crypto.suite_of(worker.id_number_encrypted) is SM4
            and crypto.key_id_of(worker.phone_encrypted) == 9
        )
        number, phone = numbers[worker.pk]
        assert (worker.reveal_id_number(), worker.reveal_phone()) == (number, phone)
        assert worker.id_number_hash == crypto.blind_index(number, purpose="id_number")
        assert [w.pk for w in worker_list(city, WorkerFilters(q=number))] == [worker.pk]
        assert [w.pk for w in worker_list(city, WorkerFilters(q=phone))] == [worker.pk]


@pytest.mark.django_db
def test_it_moves_legacy_values_under_the_same_suite_and_key(settings, city, home):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    worker = factories.worker(at=home, actor=city)
    number = worker.reveal_id_number()
    key = __import__("base64").b64decode(settings.PII_KEYS.split(":", 1)[1])
    nonce = os.urandom(12)
    legacy = bytes([1]) + nonce + AESGCM(key).encrypt(nonce, number.encode(), b"worker.id_number")
    Worker.objects.filter(pk=worker.pk).update(id_number_encrypted=legacy)
    call_command("rotate_pii_keys", verbosity=0)
    stored = Worker.objects.get(pk=worker.pk)
    assert bytes(stored.id_number_encrypted)[:3] == bytes([0, 1, 1]) and stored.reveal_id_number() == number


# ---------------------------------------------------------------- 10,000 workers, kill -9 half way

LOOKUPS = """
import json, os, random, sys, time
import django
django.setup()
from careforce.registry.models import Worker
from careforce.registry.selectors import search_condition
sample = [w.reveal_id_number() for w in Worker.objects.order_by("?")[:300]]
done = misses = 0
while True:
    for number in sample:
        done += 1
        misses += not Worker.objects.filter(search_condition(number)).exists()
    if done == len(sample):
        open(sys.argv[1] + ".ready", "w").close()
    if os.path.exists(sys.argv[1] + ".stop"):
        break
print(json.dumps({"lookups": done, "misses": misses}))
"""

GENERATE = """
import django
django.setup()
from careforce.registry import demo
demo.load(workers=10000, institutions=20, batch_size=2500, log=lambda line: None)
"""

VERIFY = """
import json, random
import django
django.setup()
from careforce.core import crypto
from careforce.registry.models import Worker
from careforce.registry.selectors import search_condition
bad, numbers = [], []
for w in Worker.objects.only("pk", "id_number_encrypted", "id_number_hash", "phone_encrypted", "phone_hash"):
    number = w.reveal_id_number()
    numbers.append((w.pk, number))
    if crypto.suite_of(w.id_number_encrypted).name != "sm4gcm-hmacsm3" or (
        w.phone_encrypted and crypto.suite_of(w.phone_encrypted).name != "sm4gcm-hmacsm3"
    ):
        bad.append(("suite", w.pk))
    if w.id_number_hash != crypto.blind_index(number, purpose="id_number"):
        bad.append(("index", w.pk))
    if w.phone_encrypted and w.phone_hash != crypto.blind_index(w.reveal_phone(), purpose="phone"):
        bad.append(("phone index", w.pk))
for pk, number in random.sample(numbers, 500):
    if list(Worker.objects.filter(search_condition(number)).values_list("pk", flat=True)) != [pk]:
        bad.append(("lookup", pk))
print(json.dumps({"workers": len(numbers), "bad": bad[:20]}))
"""


def _env(db: Path, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CAREFORCE_") and k != "DATABASE_URL"}
    return {
        **clean,
        "CAREFORCE_ENV": "development",
        "DJANGO_SETTINGS_MODULE": "careforce.settings",
        "DATABASE_URL": f"sqlite:///{db}",
        "CAREFORCE_VAR_DIR": str(db.parent),
        **extra,
    }


def _run(code_or_args, env, **kwargs):
    args = [sys.executable, "-c", code_or_args] if isinstance(code_or_args, str) else code_or_args
    result = subprocess.run(args, env=env, cwd=PROJECT, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _suites(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id_number_encrypted FROM registry_worker").fetchall()
    sm4 = sum(1 for (blob,) in rows if blob[:2] == bytes([0, SM4.code]))
    return sm4, len(rows)


@pytest.mark.slow
@pytest.mark.xdist_group("rotation")
def test_it_rotates_10000_workers_from_aes_to_sm4_through_a_kill_with_no_lookup_missing(tmp_path):
    db = tmp_path / "rotation.sqlite3"
    careforce = str(Path(sys.executable).parent / "careforce")
    _run([careforce, "migrate", "-v0"], _env(db))
    _run(GENERATE, _env(db))
    assert _suites(db) == (0, 10000)

    # Every process now runs with SM4 first and the previous (AES) index beside the current one.
    env = _env(db, **SM4_ENV)
    flag = str(tmp_path / "lookups")
    lookups = subprocess.Popen(
        [sys.executable, "-c", LOOKUPS, flag], env=env, cwd=PROJECT, stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not os.path.exists(flag + ".ready"):
        assert lookups.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)

    rotate = [careforce, "rotate-pii-keys", "--batch-size", "1000"]
    first = subprocess.Popen(rotate, env=env, cwd=PROJECT, stdout=subprocess.PIPE, text=True)
    batches = 0
    for line in first.stdout:
        batches += "last row" in line
        if batches == 4:
            first.send_signal(signal.SIGKILL)
            break
    first.wait()
    assert first.returncode == -signal.SIGKILL
    sm4, total = _suites(db)
    assert 4000 <= sm4 < total == 10000  # killed half way: both suites in the table

    second = _run(rotate, env)
    assert "resuming after row" in second and "Moved" in second
    assert _suites(db) == (10000, 10000)

    open(flag + ".stop", "w").close()
    out, _err = lookups.communicate(timeout=120)
    counts = json.loads(out.strip().splitlines()[-1])
    assert counts["lookups"] > 600 and counts["misses"] == 0

    # The rotation is over: the previous index is dropped, and every value reads and is found under SM4.
    result = json.loads(_run(VERIFY, _env(db, CAREFORCE_CRYPTO_SUITE=SM4.name)).strip().splitlines()[-1])
    assert result == {"workers": 10000, "bad": []}


@pytest.mark.django_db
def test_a_person_still_under_the_old_index_cannot_be_registered_twice_during_a_rotation(
    settings, city, home
):
    from django.core.exceptions import ValidationError

    worker = factories.worker(at=home, actor=city)
    number = worker.reveal_id_number()
    settings.CRYPTO_SUITE, settings.BLIND_INDEX_PREVIOUS = SM4.name, AES.name
    settings.PII_KEYS = f"9:{b64(16)},{settings.PII_KEYS}"
    with pytest.raises(ValidationError) as refused:
        factories.worker(at=home, actor=city, id_number=number)
    assert list(refused.value.message_dict) == ["id_number"]
    assert Worker.objects.count() == 1


@pytest.mark.django_db
def test_an_import_during_a_rotation_matches_people_still_under_the_old_index(settings, city):
    from tests.factories_imports import commit, fixture_institutions, upload

    fixture_institutions(city)
    commit(city, upload(city, "roster_utf8_bom.csv"))
    settings.CRYPTO_SUITE, settings.BLIND_INDEX_PREVIOUS = SM4.name, AES.name
    settings.PII_KEYS = f"9:{b64(16)},{settings.PII_KEYS}"
    again = upload(city, "roster_utf8_bom.csv")
    assert (again.rows_new, again.rows_update, again.rows_unchanged, again.rows_error) == (0, 0, 4, 0)


@pytest.mark.django_db
def test_it_moves_the_time_banks_volunteers_and_relatives_too(settings, city):
    from careforce.timebank import services as timebank
    from careforce.timebank.models import Relative, Volunteer
    from tests.factories_timebank import volunteer

    person = volunteer(city)
    number = factories.new_id_number()
    timebank.relative_register(
        actor=city,
        volunteer=person,
        data={"name": "老周", "relationship": "parent", "id_number": number, "phone": "13912345670"},
    )
    settings.CRYPTO_SUITE, settings.BLIND_INDEX_PREVIOUS = SM4.name, AES.name
    settings.PII_KEYS = f"9:{b64(16)},{settings.PII_KEYS}"
    call_command("rotate_pii_keys", verbosity=0)
    settings.BLIND_INDEX_PREVIOUS = ""
    for model, context in ((Volunteer, b"volunteer"), (Relative, b"relative")):
        row = model.objects.get()
        assert crypto.suite_of(row.id_number_encrypted) is SM4 and crypto.key_id_of(row.phone_encrypted) == 9
        plain = crypto.decrypt(row.id_number_encrypted, context=context + b".id_number")
        assert row.id_number_hash == crypto.blind_index(plain, purpose="id_number")
    assert crypto.decrypt(Relative.objects.get().id_number_encrypted, context=b"relative.id_number") == number
