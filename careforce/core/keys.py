"""The keys from the environment, read and checked once at start-up (settings.py) and by the crypto module.

Keys are compared as the bytes they decode to, never as text: base64 has more than one spelling of the same
bytes (the spare low bits of the last character before the padding are ignored by decoders), so a string
comparison lets a public development key through. This module imports nothing from Django but its
exception, so that settings.py can use it before Django is set up.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

AES_256_KEY_BYTES = 32  # AES-256-GCM takes exactly 32 bytes
SM4_KEY_BYTES = 16  # SM4 (GB/T 32907) has one key size, 128 bits
BLIND_INDEX_MIN_KEY_BYTES = 32  # HMAC-SHA256 is at full strength with a key of its output length or more
SECRET_KEY_MIN_LENGTH = 50  # Django's own deployment check (security.W009)
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


@dataclass(frozen=True)
class Keys:
    secret_key: str
    pii_ring: tuple[tuple[int, bytes], ...]  # (key id, key), the first one encrypts
    blind_index_key: bytes


def decode_base64_key(name: str, text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} must be base64 (for example `openssl rand -base64 32`).") from exc


def parse_pii_ring(raw: str) -> tuple[tuple[int, bytes], ...]:
    """`2:<base64>,1:<base64>` as ((2, key), (1, key)). Every key is a full AES-256 key (32 bytes) or an SM4
    key (16 bytes); the length says which cipher it serves."""
    ring: list[tuple[int, bytes]] = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        key_id_text, colon, key_text = item.partition(":")
        try:
            key_id = int(key_id_text)
        except ValueError:
            key_id = None
        if not colon or key_id is None:
            raise ImproperlyConfigured("CAREFORCE_PII_KEYS must look like '2:<base64 key>,1:<base64 key>'")
        if not 0 < key_id < 256:
            raise ImproperlyConfigured("CAREFORCE_PII_KEYS key ids must be 1–255")
        if any(key_id == seen for seen, _key in ring):
            raise ImproperlyConfigured(f"CAREFORCE_PII_KEYS names key id {key_id} twice")
        key = decode_base64_key(f"CAREFORCE_PII_KEYS key {key_id}", key_text)
        if len(key) not in (AES_256_KEY_BYTES, SM4_KEY_BYTES):
            raise ImproperlyConfigured(
                f"CAREFORCE_PII_KEYS key {key_id} must be 32 bytes (AES-256, `openssl rand -base64 32`) or 16 "
                f"bytes (SM4, `openssl rand -base64 16`); it is {len(key)} bytes"
            )
        ring.append((key_id, key))
    if not ring:
        raise ImproperlyConfigured("CAREFORCE_PII_KEYS holds no key")
    return tuple(ring)


def parse_blind_index_key(raw: str, *, name: str = "CAREFORCE_BLIND_INDEX_KEY") -> bytes:
    """The HMAC key of the blind index: HMAC-SHA256 and HMAC-SM3 both have a 32-byte output, and a key of
    at least that length keeps either at full strength."""
    key = decode_base64_key(name, raw)
    if len(key) < BLIND_INDEX_MIN_KEY_BYTES:
        raise ImproperlyConfigured(
            f"{name} must be at least 32 bytes (HMAC-SHA256 / HMAC-SM3); it is {len(key)} bytes"
        )
    return key


def parse_audit_key(raw: str) -> bytes:
    return parse_blind_index_key(raw, name="CAREFORCE_AUDIT_KEY")


def check_secret_key(value: str) -> None:
    if len(value) < SECRET_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(
            "CAREFORCE_SECRET_KEY must be at least 50 characters "
            "(for example `python3 -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    if len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS or value.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            "CAREFORCE_SECRET_KEY must be random: it has fewer than 5 different characters or is a "
            "placeholder."
        )


def read_keys(*, secret_key: str, pii_keys: str, blind_index_key: str) -> Keys:
    """Parse and check the form and length of every key (development and production alike)."""
    return Keys(secret_key, parse_pii_ring(pii_keys), parse_blind_index_key(blind_index_key))


def refuse_development_keys(keys: Keys, development: Keys) -> None:
    """Production: no key may be a development key, compared as bytes, wherever it turns up; no key may serve
    two purposes (a blind-index key that also encrypts, one key under two ids)."""
    check_secret_key(keys.secret_key)
    if keys.secret_key.strip() == development.secret_key:
        raise ImproperlyConfigured(
            "CAREFORCE_SECRET_KEY is the public development key; production refuses it."
        )
    public = {key for _id, key in development.pii_ring} | {development.blind_index_key}
    for key_id, key in keys.pii_ring:
        if key in public:
            raise ImproperlyConfigured(
                f"CAREFORCE_PII_KEYS key {key_id} is a public development key; production refuses it."
            )
    if keys.blind_index_key in public:
        raise ImproperlyConfigured(
            "CAREFORCE_BLIND_INDEX_KEY is a public development key; production refuses it."
        )
    ring_keys = [key for _id, key in keys.pii_ring]
    if len(set(ring_keys)) != len(ring_keys) or keys.blind_index_key in ring_keys:
        raise ImproperlyConfigured(
            "Each key must differ from every other: CAREFORCE_PII_KEYS holds one key under two ids, or "
            "CAREFORCE_BLIND_INDEX_KEY is also a personal-data key."
        )
