"""The second factor: TOTP (RFC 6238, any authenticator app) with one-time recovery codes, on django-otp.

Who needs it is one rule, `careforce.core.scope.needs_second_factor`. Enrolment shows a fresh secret (QR code
and text) kept only in the session until the person proves they hold it with a valid code; then the device
is saved confirmed and ten recovery codes are issued, shown once and stored hashed. The security
administrator resets a lost second factor (audited); the person enrols again at the next sign-in.
Bearer-token API clients are system clients and are not asked for a second factor.
"""

from __future__ import annotations

import base64
import secrets
import time
from binascii import unhexlify

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from careforce.core import audit
from careforce.core.models import AuditAction, RecoveryCode, RecoveryCodeDevice, User

TOTP_KEY_BYTES = 20  # 160 bits, what RFC 4226 recommends for HMAC-SHA1
RECOVERY_CODE_BYTES = 10  # 80 bits: 16 base32 characters, shown as four groups of four


def new_secret() -> str:
    """A fresh TOTP secret, hex-encoded as django-otp stores it."""
    return random_hex(TOTP_KEY_BYTES)


def secret_as_text(hex_key: str) -> str:
    """The secret as authenticator apps take it when typed: base32, in groups of four."""
    text = base64.b32encode(unhexlify(hex_key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_uri(user: User, hex_key: str) -> str:
    """The otpauth:// address a QR code carries (the same as django-otp's TOTPDevice.config_url)."""
    return TOTPDevice(user=user, key=hex_key).config_url


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG markup (no image request, no script)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2)


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, device__confirmed=True).count()


def _totp_matches(hex_key: str, code: str) -> int | None:
    """The time step a code belongs to (within one step of now), or None."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = TOTP(unhexlify(hex_key), step=30, t0=0, digits=6)
    totp.time = time.time()
    if totp.verify(int(code), tolerance=1):
        return totp.t()
    return None


def _issue_recovery_codes(user: User) -> list[str]:
    """A new set of recovery codes replacing any earlier one. Returns them; only their digests are kept."""
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = []
    for _n in range(settings.RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, len(raw), 4)))
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(device=device, code_hash=RecoveryCode.digest(c)) for c in codes]
    )
    return codes


@transaction.atomic
def second_factor_enrol(*, user: User, hex_key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Save the TOTP device once the person has shown a valid code from it; issue recovery codes."""
    if has_second_factor(user):
        raise ValidationError({"code": [_("This account already has a second factor.")]})
    step = _totp_matches(hex_key, code)
    if step is None:
        raise ValidationError(
            {"code": [_("That code is not right. Enter the 6 digits your authenticator app shows now.")]}
        )
    device = TOTPDevice.objects.create(
        user=user, name=_("Authenticator app"), key=hex_key, confirmed=True, last_t=step
    )
    codes = _issue_recovery_codes(user)
    audit.record(
        actor=user,
        action=AuditAction.UPDATE,
        instance=user,
        changes={"second_factor": [None, "totp"]},
        note="second factor enrolled",
    )
    return device, codes


def second_factor_check(*, user: User, code: str) -> tuple[object | None, str]:
    """The device that accepts `code` (the authenticator's 6 digits or a recovery code), and why not if none:
    "" (accepted), "wrong" or "throttled". Each device slows down after wrong codes (1, 2, 4 … seconds)."""
    code = (code or "").strip()
    digits = code.replace(" ", "")
    devices: list = []
    if digits.isdigit() and len(digits) == 6:
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
        code = digits
    elif RecoveryCode.normalize(code):
        devices = list(RecoveryCodeDevice.objects.filter(user=user, confirmed=True))
    throttled = False
    for device in devices:
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            throttled = True
            continue
        accepted = verify_token(user, device.persistent_id, code)
        if accepted is not None:
            return accepted, ""
    return None, "throttled" if throttled else "wrong"


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    if not has_second_factor(user):
        raise ValidationError(_("Set up the authenticator app first."))
    codes = _issue_recovery_codes(user)
    audit.record(
        actor=user,
        action=AuditAction.UPDATE,
        instance=user,
        changes={"recovery_codes": [None, len(codes)]},
        note="recovery codes regenerated",
    )
    return codes


@transaction.atomic
def second_factor_reset(*, user: User, actor: User | None) -> int:
    """Remove an account's authenticator and recovery codes (lost phone): it must enrol again at its next
    sign-in, and its open sessions lose their verification at once. Audited."""
    removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=user,
        changes={"second_factor": ["totp" if removed else None, None]},
        note="second factor reset",
    )
    return removed


def current_code(user: User) -> str:
    """The code the account's authenticator shows now (`careforce otp-code`, development only)."""
    device = confirmed_totp(user)
    if device is None:
        raise ValidationError(_("This account has no authenticator."))
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"
