"""Cipher suites: AES-256-GCM + HMAC-SHA256 and SM4-GCM + HMAC-SM3, the stored layout, legacy values."""

import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

from careforce.core import crypto
from careforce.core.crypto_provider import AES, SM4, SM4GCM
from careforce.registry.models import Worker
from careforce.registry.selectors import WorkerFilters, worker_list
from tests import factories

SM4_SUITE = "sm4gcm-hmacsm3"


def b64(n: int) -> str:
    return base64.b64encode(os.urandom(n)).decode()


def use_sm4(settings) -> None:
    settings.CRYPTO_SUITE = SM4_SUITE
    settings.PII_KEYS = f"7:{b64(16)},{settings.PII_KEYS}"


def test_it_checks_the_installed_openssl_gives_sm4_gcm_and_sm3():
    # GB/T 32907 SM4 test vector (ECB of one block) through the same OpenSSL, then our GCM wrapper round trip.
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    assert (enc.update(key) + enc.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"
    aead = SM4GCM(key)
    blob = aead.encrypt(b"n" * 12, b"hello", b"ad")
    assert len(blob) == 5 + 16 and aead.decrypt(b"n" * 12, blob, b"ad") == b"hello"
    with pytest.raises(InvalidTag):
        aead.decrypt(b"n" * 12, blob, b"other")
    # GB/T 32905 SM3 of "abc"
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")
    assert digest.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    # The provider's one-shot HMAC-SM3 (hashlib's OpenSSL when it has SM3) equals cryptography's.
    from cryptography.hazmat.primitives import hmac

    from careforce.core.crypto_provider import _hmac_function

    mac = hmac.HMAC(b"k" * 32, hashes.SM3())
    mac.update(b"abc")
    assert _hmac_function("sm3")(b"k" * 32, b"abc") == mac.finalize()


@pytest.mark.parametrize("suite", [AES, SM4])
def test_it_records_suite_and_key_in_each_value(settings, suite):
    if suite is SM4:
        use_sm4(settings)
    blob = crypto.encrypt("500103199001010011", context=b"worker.id_number")
    assert (
        blob[0] == 0 and crypto.suite_of(blob) is suite and crypto.key_id_of(blob) == crypto.current_key_id()
    )
    assert crypto.is_current(blob)
    assert crypto.decrypt(blob, context=b"worker.id_number") == "500103199001010011"
    with pytest.raises(InvalidTag):
        crypto.decrypt(blob, context=b"worker.phone")
    data = os.urandom(1000)
    assert crypto.decrypt_bytes(crypto.encrypt_bytes(data, context=b"f"), context=b"f") == data


def test_it_reads_legacy_values_and_both_suites_side_by_side(settings):
    aes_key = base64.b64decode(settings.PII_KEYS.split(":", 1)[1])
    nonce = os.urandom(12)
    legacy = bytes([1]) + nonce + AESGCM(aes_key).encrypt(nonce, b"13800000000", b"worker.phone")
    aes_blob = crypto.encrypt("a", context=b"c")
    use_sm4(settings)
    sm4_blob = crypto.encrypt("b", context=b"c")
    assert crypto.decrypt(legacy, context=b"worker.phone") == "13800000000"
    assert crypto.suite_of(legacy) is AES and crypto.key_id_of(legacy) == 1 and not crypto.is_current(legacy)
    assert (crypto.decrypt(aes_blob, context=b"c"), crypto.decrypt(sm4_blob, context=b"c")) == ("a", "b")
    assert not crypto.is_current(aes_blob) and crypto.is_current(sm4_blob)


def test_it_refuses_a_key_id_reused_for_the_other_cipher(settings):
    blob = crypto.encrypt("x", context=b"c")  # AES under key 1
    settings.PII_KEYS = f"1:{b64(16)}"
    settings.CRYPTO_SUITE = SM4_SUITE
    with pytest.raises(ImproperlyConfigured, match="reused"):
        crypto.decrypt(blob, context=b"c")


def test_it_refuses_a_suite_whose_first_key_does_not_fit(settings):
    settings.CRYPTO_SUITE = SM4_SUITE  # the first key is the 32-byte AES development key
    with pytest.raises(ImproperlyConfigured, match="16-byte"):
        crypto.encrypt("x", context=b"c")


def test_it_indexes_with_the_suites_hash_and_answers_the_previous_during_a_change(settings):
    sha = crypto.blind_index("500103199001010011", purpose="id_number")
    settings.CRYPTO_SUITE = SM4_SUITE
    settings.PII_KEYS = f"7:{b64(16)},{settings.PII_KEYS}"
    sm3 = crypto.blind_index("500103199001010011", purpose="id_number")
    assert sha != sm3 and len(sm3) == 64
    assert crypto.blind_indexes("500103199001010011", purpose="id_number") == (sm3,)
    settings.BLIND_INDEX_PREVIOUS = "aes256gcm-hmacsha256"
    assert crypto.blind_indexes("500103199001010011", purpose="id_number") == (sm3, sha)


@pytest.mark.django_db
@pytest.mark.parametrize("suite", [AES, SM4])
def test_it_registers_a_worker_under_each_suite_reads_it_back_and_finds_it(settings, city, home, suite):
    if suite is SM4:
        use_sm4(settings)
    worker = factories.worker(at=home, actor=city)
    stored = Worker.objects.get(pk=worker.pk)
    assert crypto.suite_of(stored.id_number_encrypted) is suite
    assert crypto.suite_of(stored.phone_encrypted) is suite
    number, phone = stored.reveal_id_number(), stored.reveal_phone()
    assert len(number) == 18 and len(phone) == 11
    assert list(worker_list(city, WorkerFilters(q=number))) == [stored]
    assert list(worker_list(city, WorkerFilters(q=phone))) == [stored]


def test_production_refuses_an_sm4_suite_without_an_sm4_key_first(tmp_path):
    from tests.test_settings_and_crypto import REAL_KEYS, start

    result = start({**REAL_KEYS, "CAREFORCE_CRYPTO_SUITE": SM4_SUITE})
    assert result.returncode != 0 and "16-byte key first" in result.stderr
    ok = start({**REAL_KEYS, "CAREFORCE_CRYPTO_SUITE": SM4_SUITE, "CAREFORCE_PII_KEYS": f"3:{b64(16)}"})
    assert ok.returncode == 0, ok.stderr
    dev_sm4 = "2:Y2YtZGV2LXNtNC1OT1RLWQ=="
    refused = start({**REAL_KEYS, "CAREFORCE_CRYPTO_SUITE": SM4_SUITE, "CAREFORCE_PII_KEYS": dev_sm4})
    assert refused.returncode != 0 and "development key" in refused.stderr
