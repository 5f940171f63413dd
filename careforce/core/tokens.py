"""API tokens for system clients: generated once, stored only as a SHA-256, revocable.

A token looks like `cf_<43 url-safe characters>` (256 bits of randomness). Its first characters are kept
as a `prefix` so a token can be named and revoked without knowing it; the token itself is shown once.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import ApiToken, AuditAction, User
from careforce.core.validators import clean_free_text

TOKEN_PREFIX = "cf_"
PREFIX_LENGTH = 10  # "cf_" and seven random characters: enough to tell tokens apart in a list
# last_used_at is refreshed at most this often, so authenticating is one read, not a write per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, actor: User | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`. Returns the row and the token, which is not stored and cannot be shown again."""
    name = clean_free_text(name)
    if not name:
        raise ValidationError({"name": [_("Give the token a name (for example the client system's name).")]})
    if not user.is_active:
        raise ValidationError({"user": [_("This account is disabled.")]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=raw[:PREFIX_LENGTH], key_hash=hash_token(raw)
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=token,
        changes={"user": [None, user.username], "name": [None, token.name], "prefix": [None, token.prefix]},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User | None = None) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=token,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        )
    return token


def token_user(raw: str) -> User | None:
    """The active user a presented token belongs to, or None (unknown, revoked, or a disabled account)."""
    raw = (raw or "").strip()
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
