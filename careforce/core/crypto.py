"""Protection of personal data at rest: AES-256-GCM with a key ring, and an HMAC blind index.

Ciphertext layout: one byte key id, 12 bytes nonce, AES-GCM ciphertext+tag. The first key in
CAREFORCE_PII_KEYS ("id:base64key,id:base64key") encrypts; every listed key decrypts, so keys rotate by
putting a new one first and re-encrypting (`careforce rotate-pii-keys`).
"""

from __future__ import annotations

import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from careforce.core import keys

NONCE_BYTES = 12


@lru_cache(maxsize=4)
def _parse_keyring(raw: str) -> tuple[int, dict[int, AESGCM]]:
    ring = keys.parse_pii_ring(raw)  # ids, base64 and full AES-256 length checked there
    return ring[0][0], {key_id: AESGCM(key) for key_id, key in ring}


def _keyring() -> tuple[int, dict[int, AESGCM]]:
    return _parse_keyring(settings.PII_KEYS)


def current_key_id() -> int:
    return _keyring()[0]


def encrypt(plaintext: str, *, context: bytes = b"careforce") -> bytes:
    return encrypt_bytes(plaintext.encode(), context=context)


def decrypt(blob: bytes, *, context: bytes = b"careforce") -> str:
    return decrypt_bytes(blob, context=context).decode()


def encrypt_bytes(plaintext: bytes, *, context: bytes) -> bytes:
    """Bytes (an uploaded file, for one), laid out as encrypt()'s; `context` is the associated data."""
    key_id, ring = _keyring()
    nonce = os.urandom(NONCE_BYTES)
    return bytes([key_id]) + nonce + ring[key_id].encrypt(nonce, plaintext, context)


def decrypt_bytes(blob: bytes, *, context: bytes) -> bytes:
    view = memoryview(blob)
    _, ring = _keyring()
    key_id = view[0]
    if key_id not in ring:
        raise ImproperlyConfigured(f"PII key {key_id} is not in CAREFORCE_PII_KEYS; it is needed to decrypt")
    nonce, body = bytes(view[1 : 1 + NONCE_BYTES]), view[1 + NONCE_BYTES :]
    return ring[key_id].decrypt(nonce, body, context)


def key_id_of(blob: bytes) -> int:
    return bytes(blob)[0]


@lru_cache(maxsize=4)
def _blind_key(raw: str) -> bytes:
    return keys.parse_blind_index_key(raw)


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for equality lookups and uniqueness; the purpose keeps indexes of different fields apart."""
    key = _blind_key(settings.BLIND_INDEX_KEY)
    # hmac.digest is the one-shot C path: the same HMAC-SHA256 as hmac.new(...).hexdigest(), a third of the cost.
    return hmac.digest(key, f"{purpose}:{value}".encode(), "sha256").hex()
