"""How the API knows who is calling: a bearer token (system clients) or the browser session.

- `Authorization: Bearer cf_…` is checked first. A header that is present but wrong (unknown, revoked,
  disabled account, another scheme) answers 401 at once instead of falling back to the session.
- Otherwise the Django session, through Ninja's session auth, which enforces CSRF on unsafe methods.
  The CSRF check runs only for a signed-in session, so an anonymous POST answers 401, not 403.

A read-only role (auditor, worker) writing answers 404 here, once it is known who is calling and before the
input is parsed: otherwise it would get 422 with the messages of a write it may not make. The two routes
where a worker account writes its own records (its online courses) use SELF_SERVICE_AUTH, which lets a
worker account through (the handler checks the record is its own) and still refuses auditors.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import SessionAuth
from ninja.security.http import HttpBearer

from careforce.core.scope import Level, scope_of
from careforce.core.tokens import token_user

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def refuse_read_only_writes(request: HttpRequest, user: Any, *, own_records: bool = False) -> None:
    """A write by an account whose role only reads answers like a missing page (404). With `own_records`,
    a worker account may write (its own records: the handler checks whose they are)."""
    if request.method in SAFE_METHODS:
        return
    scope = scope_of(user)
    if not scope.can_write and not (own_records and scope.level == Level.SELF):
        raise Http404


class TokenAuth(HttpBearer):
    def __init__(self, *, own_records: bool = False) -> None:
        self.own_records = own_records
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header)
        if not header:
            return None
        scheme, _sep, raw = header.strip().partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise AuthenticationError()
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token)
        if user is None:
            raise AuthenticationError()
        # Code downstream (scope, permissions, logging) reads request.user like for a page.
        request.user = user
        refuse_read_only_writes(request, user, own_records=self.own_records)
        return user


class SignedInSessionAuth(SessionAuth):
    """Ninja's session auth (CSRF enforced on unsafe methods), consulted only for a signed-in session."""

    def __init__(self, *, own_records: bool = False) -> None:
        self.own_records = own_records
        super().__init__()

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return None
        refuse_read_only_writes(request, user, own_records=self.own_records)
        return user


token_auth = TokenAuth()
session_auth = SignedInSessionAuth()
AUTH = [token_auth, session_auth]
# Routes where a worker account writes its own records; the handler checks that they are its own.
SELF_SERVICE_AUTH = [TokenAuth(own_records=True), SignedInSessionAuth(own_records=True)]
