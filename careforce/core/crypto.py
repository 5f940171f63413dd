"""Protection of personal data at rest: authenticated encryption with a key ring, and an HMAC blind index,
under the cipher suite CAREFORCE_CRYPTO_SUITE names (AES-256-GCM + HMAC-SHA256, or SM4-GCM + HMAC-SM3;
careforce/core/crypto_provider.py performs the operations).

Stored layout of a value:
- `00 | suite | key id | nonce (12) | ciphertext + tag (16)`: the suite byte (1 AES-256-GCM, 2 SM4-GCM)
  and the key id record how the value was sealed, so a database holds both suites during a change.
- legacy, before suites: `key id | nonce | AES-256-GCM ciphertext + tag`. Key ids are 1–255, so a legacy
  value never starts with 00; such a value is read as AES-256-GCM under that key id.

The first key in CAREFORCE_PII_KEYS ("id:base64key,id:base64key") encrypts and must suit the configured
suite (32 bytes for AES-256, 16 for SM4); every listed key decrypts, so keys and suites change by putting a
new key first and re-encrypting (`careforce rotate-pii-keys`).

The blind index is HMAC under the suite's hash. While the suite or the blind index key changes,
CAREFORCE_BLIND_INDEX_PREVIOUS names the one before, and `blind_indexes` answers both, so a lookup finds a
row whether the rotation has reached it yet or not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from careforce.core.crypto_provider import (
    AES,
    NONCE_BYTES,
    SUITES_BY_CIPHER,
    SUITES_BY_CODE,
    CryptoProvider,
    Suite,
    build_provider,
    parse_previous_index,
    suite_named,
)

VERSIONED = 0  # first byte of the suite-recording layout; no legacy value starts with it (key ids 1–255)
HEADER_BYTES = 3

DEFAULT_SUITE = AES.name
DEFAULT_PROVIDER = "careforce.core.crypto_provider.SoftwareProvider"


@dataclass(frozen=True)
class _State:
    """What the settings say, resolved once (and again when a test overrides a setting): the hot paths
    (an import encrypts and indexes every row) then pay for the cryptography, not for settings look-ups."""

    provider: CryptoProvider
    suite: Suite
    key_id: int
    header: bytes
    previous: Suite | None


_state: _State | None = None


def _load() -> _State:
    global _state
    p = build_provider(
        getattr(settings, "CRYPTO_PROVIDER", DEFAULT_PROVIDER),
        settings.PII_KEYS,
        settings.BLIND_INDEX_KEY,
        getattr(settings, "BLIND_INDEX_PREVIOUS", ""),
        getattr(settings, "AUDIT_KEY", ""),
    )
    suite = suite_named(getattr(settings, "CRYPTO_SUITE", DEFAULT_SUITE))
    previous_raw = getattr(settings, "BLIND_INDEX_PREVIOUS", "")
    key_id = p.encrypt_key_id()
    _state = _State(
        provider=p,
        suite=suite,
        key_id=key_id,
        header=bytes([VERSIONED, suite.code, key_id]),
        previous=parse_previous_index(previous_raw)[0] if previous_raw else None,
    )
    return _state


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    global _state
    if setting in _SETTINGS:
        _state = None


_SETTINGS = {
    "CRYPTO_PROVIDER",
    "PII_KEYS",
    "BLIND_INDEX_KEY",
    "BLIND_INDEX_PREVIOUS",
    "AUDIT_KEY",
    "CRYPTO_SUITE",
}


def provider() -> CryptoProvider:
    return (_state or _load()).provider


def current_suite() -> Suite:
    return (_state or _load()).suite


def check_configuration() -> None:
    """The key that encrypts must suit the configured suite (called at start-up and before encrypting)."""
    suite, p = current_suite(), provider()
    cipher = p.cipher_of(p.encrypt_key_id())
    if cipher != suite.cipher:
        raise ImproperlyConfigured(
            f"CAREFORCE_CRYPTO_SUITE is {suite.name} ({suite.cipher}) but the first key in CAREFORCE_PII_KEYS "
            f"(key {p.encrypt_key_id()}) is a {cipher} key: put a {suite.key_bytes}-byte key first "
            f"(`openssl rand -base64 {suite.key_bytes}`)."
        )


def current_key_id() -> int:
    return (_state or _load()).key_id


def _seal(data: bytes, context: bytes) -> bytes:
    state = _state or _load()
    if state.provider.cipher_of(state.key_id) != state.suite.cipher:
        check_configuration()
    nonce = os.urandom(NONCE_BYTES)
    return state.header + nonce + state.provider.aead_encrypt(state.key_id, nonce, data, context)


def _header(blob: bytes) -> tuple[Suite, int, int]:
    """(suite, key id, offset of the nonce) of a stored value, either layout."""
    if not blob:
        raise ValueError("an empty value is not an encrypted value")
    if blob[0] != VERSIONED:
        return AES, blob[0], 1
    try:
        return SUITES_BY_CODE[blob[1]], blob[2], HEADER_BYTES
    except (KeyError, IndexError):
        raise ValueError("an encrypted value names an unknown cipher suite") from None


def _open(blob: bytes, context: bytes) -> bytes:
    blob = bytes(blob)
    suite, key_id, start = _header(blob)
    p = (_state or _load()).provider
    cipher = p.cipher_of(key_id)
    if cipher is None:
        raise ImproperlyConfigured(f"PII key {key_id} is not in CAREFORCE_PII_KEYS; it is needed to decrypt")
    if cipher != suite.cipher:
        raise ImproperlyConfigured(
            f"PII key {key_id} in CAREFORCE_PII_KEYS is a {cipher} key, but values under it were sealed with "
            f"{suite.cipher}: the key id was reused for another key"
        )
    nonce, body = blob[start : start + NONCE_BYTES], blob[start + NONCE_BYTES :]
    return p.aead_decrypt(key_id, nonce, body, context)


def encrypt(plaintext: str, *, context: bytes = b"careforce") -> bytes:
    return _seal(plaintext.encode(), context)


def decrypt(blob: bytes, *, context: bytes = b"careforce") -> str:
    return _open(blob, context).decode()


def encrypt_bytes(data: bytes, *, context: bytes) -> bytes:
    return _seal(bytes(data), context)


def decrypt_bytes(blob: bytes, *, context: bytes) -> bytes:
    return _open(blob, context)


def key_id_of(blob: bytes) -> int:
    return _header(bytes(blob))[1]


def suite_of(blob: bytes) -> Suite:
    return _header(bytes(blob))[0]


def is_current(blob: bytes) -> bool:
    """Sealed under the current suite and key, in the suite-recording layout (nothing for rotation to do)."""
    return bytes(blob[:HEADER_BYTES]) == (_state or _load()).header


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for equality lookups and uniqueness; the purpose keeps indexes of different fields apart.
    HMAC under the current suite's hash (SHA-256 or SM3), hex."""
    state = _state or _load()
    return state.provider.mac("index", state.suite.hash_name, f"{purpose}:{value}".encode()).hex()


def previous_index_suite() -> Suite | None:
    return (_state or _load()).previous


def blind_indexes(value: str, *, purpose: str) -> tuple[str, ...]:
    """Every index a stored row may carry for this value: the current one first, then, while a rotation
    runs (CAREFORCE_BLIND_INDEX_PREVIOUS set), the one before. Lookups filter with `__in` on these."""
    current = blind_index(value, purpose=purpose)
    previous = previous_index_suite()
    if previous is None:
        return (current,)
    old = provider().mac("index-previous", previous.hash_name, f"{purpose}:{value}".encode()).hex()
    return (current,) if old == current else (current, old)


def keyed_digest(data: bytes, *, hash_name: str | None = None) -> str:
    """The audit chain's keyed digest, `<hash>:<hex>` (the hash named so a chain spans a suite change)."""
    name = hash_name or current_suite().hash_name
    return f"{name}:{provider().mac('audit', name, data).hex()}"


def cipher_suite(cipher: str) -> Suite:
    return SUITES_BY_CIPHER[cipher]
