import base64
import os
import secrets
import subprocess
import sys

import pytest
from django.core.management import call_command

from careforce.core import crypto
from careforce.registry.models import Worker
from tests import factories

PROBE = "import careforce.settings as s; print('started', s.DEBUG)"
REAL_KEYS = {
    "CAREFORCE_SECRET_KEY": secrets.token_urlsafe(50),
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


def respell(key: str) -> str:
    """The same bytes in other base64 characters: the last character before the padding carries unused low
    bits, which decoders ignore (`...RVQ=` and `...RVR=` are one key)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    body = key.rstrip("=")
    unused_bits = {1: 2, 2: 4}.get(len(key) - len(body), 0)
    assert unused_bits, "a key whose length is a multiple of 3 bytes has no spare bits"
    last = alphabet.index(body[-1])
    spelled = body[:-1] + alphabet[last | ((1 << unused_bits) - 1)] + key[len(body) :]
    assert spelled != key and base64.b64decode(spelled) == base64.b64decode(key)
    return spelled


def refused(env: dict, message: str) -> None:
    result = start({**REAL_KEYS, **env})
    assert result.returncode != 0, f"started with {env}"
    assert message in result.stderr, result.stderr[-500:]


def test_production_refuses_the_development_keys_spelled_differently():
    from careforce import settings

    dev_pii = settings.DEV_PII_KEYS.split(":", 1)[1]
    real_pii = REAL_KEYS["CAREFORCE_PII_KEYS"]
    refused({"CAREFORCE_PII_KEYS": "1:" + respell(dev_pii)}, "development key")
    # Anywhere in the ring, not only the key that encrypts.
    refused({"CAREFORCE_PII_KEYS": f"{real_pii.replace('1:', '2:')},1:{respell(dev_pii)}"}, "development key")
    refused({"CAREFORCE_BLIND_INDEX_KEY": respell(settings.DEV_BLIND_INDEX_KEY)}, "development key")
    # A development key's bytes are refused in whichever variable they turn up.
    refused({"CAREFORCE_BLIND_INDEX_KEY": respell(dev_pii)}, "development key")
    refused({"CAREFORCE_SECRET_KEY": settings.DEV_SECRET_KEY}, "development key")


def test_production_refuses_keys_shorter_than_the_algorithm_needs():
    one_byte = base64.b64encode(b"k").decode()
    refused({"CAREFORCE_PII_KEYS": "1:" + one_byte}, "32 bytes")
    refused({"CAREFORCE_PII_KEYS": "1:" + base64.b64encode(os.urandom(31)).decode()}, "32 bytes")
    refused({"CAREFORCE_BLIND_INDEX_KEY": one_byte}, "32 bytes")
    refused({"CAREFORCE_SECRET_KEY": "short-secret"}, "50 characters")
    refused({"CAREFORCE_SECRET_KEY": "ab" * 40}, "different characters")
    refused({"CAREFORCE_PII_KEYS": "1:not base64!"}, "base64")


def test_production_refuses_one_key_used_for_two_purposes():
    same = base64.b64encode(os.urandom(32)).decode()
    refused({"CAREFORCE_PII_KEYS": "1:" + same, "CAREFORCE_BLIND_INDEX_KEY": same}, "must differ")
    refused({"CAREFORCE_PII_KEYS": f"2:{same},1:{same}"}, "must differ")
    refused({"CAREFORCE_PII_KEYS": f"{REAL_KEYS['CAREFORCE_PII_KEYS']},1:{same}"}, "twice")


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
