"""Protection of personal data at rest: AES-256-GCM with a key ring, and an HMAC blind index.

Ciphertext layout: one byte key id, 12 bytes nonce, AES-GCM ciphertext+tag. The first key in
CAREFORCE_PII_KEYS ("id:base64key,id:base64key") encrypts; every listed key decrypts, so keys rotate by
putting a new one first and re-encrypting (`careforce rotate-pii-keys`).
"""

from __future__ import annotations

import base64
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12


@lru_cache(maxsize=4)
def _parse_keyring(raw: str) -> tuple[int, dict[int, AESGCM]]:
    ring: dict[int, AESGCM] = {}
    current = None
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        key_id_text, _, key_text = item.partition(":")
        try:
            key_id = int(key_id_text)
            key = base64.b64decode(key_text, validate=True)
        except ValueError as exc:
            raise ImproperlyConfigured(
                "CAREFORCE_PII_KEYS must look like '2:<base64 key>,1:<base64 key>'"
            ) from exc
        if not 0 < key_id < 256:
            raise ImproperlyConfigured("CAREFORCE_PII_KEYS key ids must be 1–255")
        if len(key) != 32:
            raise ImproperlyConfigured(f"CAREFORCE_PII_KEYS key {key_id} must be 32 bytes (AES-256)")
        ring[key_id] = AESGCM(key)
        current = key_id if current is None else current
    if current is None:
        raise ImproperlyConfigured("CAREFORCE_PII_KEYS holds no key")
    return current, ring


def _keyring() -> tuple[int, dict[int, AESGCM]]:
    return _parse_keyring(settings.PII_KEYS)


def current_key_id() -> int:
    return _keyring()[0]


def encrypt(plaintext: str, *, context: bytes = b"careforce") -> bytes:
    key_id, ring = _keyring()
    nonce = os.urandom(NONCE_BYTES)
    return bytes([key_id]) + nonce + ring[key_id].encrypt(nonce, plaintext.encode(), context)


def decrypt(blob: bytes, *, context: bytes = b"careforce") -> str:
    blob = bytes(blob)
    _, ring = _keyring()
    key_id = blob[0]
    if key_id not in ring:
        raise ImproperlyConfigured(f"PII key {key_id} is not in CAREFORCE_PII_KEYS; it is needed to decrypt")
    nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
    return ring[key_id].decrypt(nonce, body, context).decode()


def key_id_of(blob: bytes) -> int:
    return bytes(blob)[0]


@lru_cache(maxsize=4)
def _blind_key(raw: str) -> bytes:
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("CAREFORCE_BLIND_INDEX_KEY must be base64") from exc
    if len(key) < 32:
        raise ImproperlyConfigured("CAREFORCE_BLIND_INDEX_KEY must be at least 32 bytes")
    return key


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed hash for equality lookups and uniqueness; the purpose keeps indexes of different fields apart."""
    key = _blind_key(settings.BLIND_INDEX_KEY)
    # hmac.digest is the one-shot C path: the same HMAC-SHA256 as hmac.new(...).hexdigest(), a third of the cost.
    return hmac.digest(key, f"{purpose}:{value}".encode(), "sha256").hex()
