"""Cipher suites and the cryptographic provider that holds the keys.

Two suites, chosen by CAREFORCE_CRYPTO_SUITE:

| suite | encryption | keyed hash (blind index, audit digests) |
| --- | --- | --- |
| `aes256gcm-hmacsha256` | AES-256-GCM, 32-byte keys | HMAC-SHA256 |
| `sm4gcm-hmacsm3` (国密, GB/T 32907 + GB/T 32905) | SM4-GCM, 16-byte keys | HMAC-SM3 |

The provider is what performs the operations with a key. `SoftwareProvider` keeps the keys in the process
(read from the environment); a certified hardware module (密码机) speaking SDF (GM/T 0018) or PKCS#11 plugs
in through CAREFORCE_CRYPTO_PROVIDER, a dotted path to a class implementing `CryptoProvider`: the keys
stay inside the module and the platform names them only by id. The mapping of each method onto SDF and
PKCS#11 calls is written beside it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from careforce.core import keys

NONCE_BYTES = 12
TAG_BYTES = 16


@dataclass(frozen=True)
class Suite:
    name: str
    code: int  # the byte that records the suite in every stored value (never 0: 0 marks the versioned layout)
    cipher: str
    key_bytes: int
    hash_name: str  # hashlib / OpenSSL name of the hash under the HMAC


AES = Suite("aes256gcm-hmacsha256", 1, "AES-256-GCM", keys.AES_256_KEY_BYTES, "sha256")
SM4 = Suite("sm4gcm-hmacsm3", 2, "SM4-GCM", keys.SM4_KEY_BYTES, "sm3")
SUITES = {suite.name: suite for suite in (AES, SM4)}
SUITES_BY_CODE = {suite.code: suite for suite in (AES, SM4)}
SUITES_BY_CIPHER = {suite.cipher: suite for suite in (AES, SM4)}


def suite_named(name: str) -> Suite:
    try:
        return SUITES[name.strip().lower()]
    except KeyError:
        raise ImproperlyConfigured(
            f"CAREFORCE_CRYPTO_SUITE must be one of {', '.join(SUITES)}; it is {name!r}"
        ) from None


def suite_of_key(key: bytes) -> Suite:
    """The suite a key of the ring serves, by its length (32 bytes AES-256, 16 bytes SM4)."""
    for suite in (AES, SM4):
        if len(key) == suite.key_bytes:
            return suite
    raise ImproperlyConfigured(f"a personal-data key of {len(key)} bytes fits no cipher suite")


class SM4GCM:
    """SM4 in GCM mode as an AEAD with AESGCM's interface (12-byte nonce, 16-byte tag appended, associated
    data). `cryptography` has no ready AEAD class for SM4; Cipher(SM4, GCM) through OpenSSL does the work."""

    def __init__(self, key: bytes) -> None:
        if len(key) != keys.SM4_KEY_BYTES:
            raise ValueError("SM4 keys are 16 bytes")
        self._algorithm = algorithms.SM4(key)

    def encrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        encryptor = Cipher(self._algorithm, modes.GCM(nonce)).encryptor()
        if associated_data:
            encryptor.authenticate_additional_data(associated_data)
        return encryptor.update(data) + encryptor.finalize() + encryptor.tag

    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes | None) -> bytes:
        if len(data) < TAG_BYTES:
            raise InvalidTag()
        body, tag = data[:-TAG_BYTES], data[-TAG_BYTES:]
        decryptor = Cipher(self._algorithm, modes.GCM(nonce, tag)).decryptor()
        if associated_data:
            decryptor.authenticate_additional_data(associated_data)
        return decryptor.update(body) + decryptor.finalize()


def _hmac_function(hash_name: str):
    """One-shot HMAC: hmac.digest (the C path) when Python's OpenSSL has the hash, else `cryptography`'s."""
    if hash_name in hashlib.algorithms_available:
        try:
            hmac.digest(b"k", b"", hash_name)
            return lambda key, data: hmac.digest(key, data, hash_name)
        except ValueError:
            pass
    algorithm = {"sha256": hashes.SHA256, "sm3": hashes.SM3}[hash_name]

    def digest(key: bytes, data: bytes) -> bytes:
        mac = crypto_hmac.HMAC(key, algorithm())
        mac.update(data)
        return mac.finalize()

    return digest


class CryptoProvider(Protocol):
    """What the platform asks of a cryptographic provider. Keys are named, never handed out.

    - key ids: the personal-data keys (1–255) from CAREFORCE_PII_KEYS or the module's key table;
    - MAC key names: "index" (blind index, current), "index-previous" (blind index before a change, during
      a rotation), "audit" (audit digest chain and checkpoint).
    """

    def cipher_of(self, key_id: int) -> str | None:
        """'AES-256-GCM' or 'SM4-GCM' for a key the provider holds, None for an unknown id."""

    def encrypt_key_id(self) -> int:
        """The key that encrypts new values."""

    def aead_encrypt(self, key_id: int, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        """Ciphertext followed by the 16-byte tag. SDF: SDF_Encrypt with SGD_SM4_GCM (or
        SDF_AuthEnc on devices with GM/T 0018-2023) on the key handle of `key_id`; PKCS#11: C_EncryptInit
        with CKM_AES_GCM / CKM_SM4_GCM (vendor mechanism) and CK_GCM_PARAMS(nonce, aad, 128), C_Encrypt."""

    def aead_decrypt(self, key_id: int, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        """The plaintext, or cryptography.exceptions.InvalidTag. SDF_Decrypt / SDF_AuthDec; C_Decrypt."""

    def mac(self, key_name: str, hash_name: str, data: bytes) -> bytes:
        """HMAC with the named key. SDF: SDF_HMACInit/Update/Final (SGD_SM3); PKCS#11: C_SignInit with
        CKM_SHA256_HMAC / CKM_SM3_HMAC (vendor), C_Sign."""

    def has_mac_key(self, key_name: str) -> bool: ...


class SoftwareProvider:
    """Keys from the environment, operations by `cryptography` / OpenSSL in this process."""

    def __init__(
        self, *, pii_keys: str, blind_index_key: str, blind_index_previous: str = "", audit_key: str = ""
    ) -> None:
        ring = keys.parse_pii_ring(pii_keys)
        self._encrypt_id = ring[0][0]
        self._ciphers = {}
        self._aeads = {}
        for key_id, key in ring:
            suite = suite_of_key(key)
            self._ciphers[key_id] = suite.cipher
            self._aeads[key_id] = AESGCM(key) if suite is AES else SM4GCM(key)
        index_key = keys.parse_blind_index_key(blind_index_key)
        self._mac_keys = {"index": index_key}
        if blind_index_previous:
            _suite, previous_key = parse_previous_index(blind_index_previous)
            self._mac_keys["index-previous"] = previous_key or index_key
        # The audit chain's key: its own when given (so that its custody can differ), else one derived from
        # the blind index key for this one purpose.
        self._mac_keys["audit"] = (
            keys.parse_audit_key(audit_key)
            if audit_key
            else hmac.digest(index_key, b"careforce audit digest chain", "sha256")
        )
        self._macs = {name: _hmac_function(name) for name in ("sha256", "sm3")}

    def cipher_of(self, key_id: int) -> str | None:
        return self._ciphers.get(key_id)

    def encrypt_key_id(self) -> int:
        return self._encrypt_id

    def aead_encrypt(self, key_id: int, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        return self._aeads[key_id].encrypt(nonce, data, aad)

    def aead_decrypt(self, key_id: int, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        return self._aeads[key_id].decrypt(nonce, data, aad)

    def mac(self, key_name: str, hash_name: str, data: bytes) -> bytes:
        return self._macs[hash_name](self._mac_keys[key_name], data)

    def has_mac_key(self, key_name: str) -> bool:
        return key_name in self._mac_keys


def parse_previous_index(raw: str) -> tuple[Suite, bytes | None]:
    """CAREFORCE_BLIND_INDEX_PREVIOUS: `<suite>` (same key, other hash) or `<suite>:<base64 key>`."""
    name, _colon, key_text = raw.strip().partition(":")
    suite = suite_named(name)
    key = keys.parse_blind_index_key(key_text, name="CAREFORCE_BLIND_INDEX_PREVIOUS") if key_text else None
    return suite, key


@lru_cache(maxsize=8)
def build_provider(
    path: str, pii_keys: str, blind_index_key: str, blind_index_previous: str, audit_key: str
) -> CryptoProvider:
    cls = import_string(path)
    return cls(
        pii_keys=pii_keys,
        blind_index_key=blind_index_key,
        blind_index_previous=blind_index_previous,
        audit_key=audit_key,
    )


def check_suite(
    suite_name: str, ring: tuple[tuple[int, bytes], ...], blind_index_previous: str, audit_key: str
) -> Suite:
    """At start-up: the suite exists, the key that encrypts (the first) suits it, the optional keys parse."""
    suite = suite_named(suite_name)
    key_id, key = ring[0]
    if suite_of_key(key) is not suite:
        raise ImproperlyConfigured(
            f"CAREFORCE_CRYPTO_SUITE is {suite.name} ({suite.cipher}) but the first key in CAREFORCE_PII_KEYS "
            f"(key {key_id}) is {len(key)} bytes: put a {suite.key_bytes}-byte key first "
            f"(`openssl rand -base64 {suite.key_bytes}`)."
        )
    if blind_index_previous:
        parse_previous_index(blind_index_previous)
    if audit_key:
        keys.parse_audit_key(audit_key)
    return suite
