"""The second factor in tests.

- Every `client.force_login(user)` also marks the session as having passed the second factor (tests/conftest.py
  installs this), so tests about something else need not sign in twice. `force_login_unverified` is the plain
  Django login, for tests of the second-factor gate itself.
- `totp_code` computes what an authenticator app shows (RFC 6238, written out here rather than borrowed from
  django-otp, so the tests check the platform against an independent implementation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from careforce.core.scope import needs_second_factor

_django_force_login = Client.force_login


def totp_code(secret: bytes | str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The code for a secret (raw bytes, or base32 text as the enrolment page shows it) at a time."""
    if isinstance(secret, str):
        text = secret.replace(" ", "").upper()
        secret = base64.b32decode(text + "=" * (-len(text) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 10**digits:0{digits}d}"


def fresh_code(device: TOTPDevice) -> str:
    """A code the device has not accepted yet (codes are single-use: a second sign-in within the same 30 s
    waits for the next step, as a person would)."""
    device.refresh_from_db()
    while int(time.time() // device.step) <= device.last_t:
        time.sleep(0.5)
    return totp_code(device.bin_key)


def enrolled_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    return device


def mark_verified(client: Client, user) -> None:
    """What passing the second factor leaves in the session: the device that verified it."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = enrolled_device(user).persistent_id
    session.save()


def force_login_verified(self: Client, user, backend=None) -> None:
    _django_force_login(self, user, backend)
    if needs_second_factor(user):
        mark_verified(self, user)


def force_login_unverified(client: Client, user) -> None:
    _django_force_login(client, user)


def install() -> None:
    Client.force_login = force_login_verified
