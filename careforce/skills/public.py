"""Public certificate verification (no login): number + holder's name → level, occupation, issuer, date,
validity and status (valid, expired, suspended or revoked, and since when); nothing else. Rate-limited per client address with Django's cache; limits are settings."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from careforce.core.validators import normalize_text
from careforce.skills.models import Certificate, ValidityState, certificate_number_key

# Defaults, overridable in settings as CAREFORCE_VERIFY_RATE = (requests, seconds).
DEFAULT_RATE = (20, 60)


@dataclass(frozen=True)
class Verification:
    number: str
    holder_masked: str
    level: str
    occupation: str
    issuer: str
    issued_on: str
    status: str  # valid, expired, suspended or revoked (on the day asked)
    status_label: str
    valid_until: str | None  # None: never expires
    status_since: str | None  # the day it expired, was suspended or was revoked


def mask_name(name: str) -> str:
    """张三丰 → 张*丰, 张三 → 张*: enough to recognise, not to learn a name."""
    name = normalize_text(name)
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def rate_limited(client: str) -> bool:
    """True when `client` made more verification requests in the window than allowed (counted first)."""
    limit, window = getattr(settings, "CAREFORCE_VERIFY_RATE", DEFAULT_RATE)
    bucket = int(timezone.now().timestamp() // window)
    key = f"skills:verify:{client}:{bucket}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return count > limit


def verify(number: object, name: object) -> Verification | None:
    """The certificate whose number AND holder's name both match, else None (no hint which one failed)."""
    # Matched ignoring punctuation and case (CQ2026-YL-000123 = cq2026yl000123); numbers are unique per
    # issuer, so the holder's name decides between two bodies' certificates of the same number.
    code, holder = certificate_number_key(number)[:40], normalize_text(name).replace(" ", "")[:50]
    if not code or not holder:
        return None
    cert = next(
        (
            c
            for c in Certificate.objects.select_related("worker", "level", "occupation", "issuer")
            .only(
                "number",
                "status",
                "issued_on",
                "valid_until",
                "suspended_on",
                "revoked_on",
                "worker__name",
                "level__name",
                "occupation__name",
                "issuer__name",
            )
            .filter(number_key=code)
            .order_by("-issued_on", "-id")[:5]
            if c.worker.name == holder
        ),
        None,
    )
    if cert is None:
        return None
    status = cert.status_on(timezone.localdate())
    since = {
        ValidityState.EXPIRED: cert.valid_until and cert.valid_until + datetime.timedelta(days=1),
        ValidityState.SUSPENDED: cert.suspended_on,
        ValidityState.REVOKED: cert.revoked_on,
    }.get(status)
    return Verification(
        number=cert.number,
        holder_masked=mask_name(cert.worker.name),
        level=cert.level.name,
        occupation=cert.occupation.name,
        issuer=cert.issuer.name,
        issued_on=cert.issued_on.isoformat(),
        status=status,
        status_label=str(ValidityState(status).label),
        valid_until=cert.valid_until.isoformat() if cert.valid_until else None,
        status_since=since.isoformat() if since else None,
    )


def qr_svg(url: str) -> str:
    """An inline SVG QR code of `url`, drawn on the server (no CDN, no JavaScript)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True, border=2)
    return out.getvalue().decode()
