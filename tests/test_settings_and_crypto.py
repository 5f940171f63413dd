import base64
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from careforce.core import crypto
from careforce.registry.models import Worker
from tests import factories

PROBE = "import careforce.settings as s; print('started', s.DEBUG)"
REAL_KEYS = {
    "CAREFORCE_SECRET_KEY": "x" * 60,
    "CAREFORCE_PII_KEYS": "1:" + base64.b64encode(os.urandom(32)).decode(),
    "CAREFORCE_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
}


def start(env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CAREFORCE_") and k != "DEBUG"}
    return subprocess.run([sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True)


def test_production_refuses_to_start_without_keys():
    result = start({"CAREFORCE_ENV": "production"})
    assert result.returncode != 0 and "CAREFORCE_SECRET_KEY is not set" in result.stderr


def test_production_refuses_debug_and_development_keys():
    from careforce import settings

    assert "DEBUG is on" in start({**REAL_KEYS, "DEBUG": "1"}).stderr
    dev = {**REAL_KEYS, "CAREFORCE_PII_KEYS": settings.DEV_PII_KEYS}
    assert "development key" in start(dev).stderr


def test_production_starts_with_real_keys():
    result = start(REAL_KEYS)
    assert result.returncode == 0, result.stderr
    assert "started False" in result.stdout


def test_ciphertext_is_authenticated_and_bound_to_its_field(settings):
    blob = crypto.encrypt("500103199001010011", context=b"worker.id_number")
    assert crypto.decrypt(blob, context=b"worker.id_number") == "500103199001010011"
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        crypto.decrypt(blob, context=b"worker.phone")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(Exception):  # noqa: B017
        crypto.decrypt(tampered, context=b"worker.id_number")


@pytest.mark.django_db
def test_keys_rotate_without_losing_a_record(settings, city, home):
    worker = factories.worker(at=home, actor=city)
    number, phone = worker.reveal_id_number(), worker.reveal_phone()
    new_key = base64.b64encode(os.urandom(32)).decode()
    settings.PII_KEYS = f"2:{new_key},{settings.PII_KEYS}"
    call_command("rotate_pii_keys", verbosity=0)
    worker = Worker.objects.get(pk=worker.pk)
    assert crypto.key_id_of(worker.id_number_encrypted) == 2
    settings.PII_KEYS = f"2:{new_key}"
    assert (worker.reveal_id_number(), worker.reveal_phone()) == (number, phone)
