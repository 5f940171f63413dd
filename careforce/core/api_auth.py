"""How the API knows who is calling: a bearer token (system clients) or the browser session.

- `Authorization: Bearer cf_…` is checked first. A header that is present but wrong (unknown, revoked,
  disabled account, another scheme) answers 401 at once instead of falling back to the session.
- Otherwise the Django session, through Ninja's session auth, which enforces CSRF on unsafe methods.
  The CSRF check runs only for a signed-in session, so an anonymous POST answers 401, not 403.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import SessionAuth
from ninja.security.http import HttpBearer

from careforce.core.tokens import token_user


class TokenAuth(HttpBearer):
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
        return user


class SignedInSessionAuth(SessionAuth):
    """Ninja's session auth (CSRF enforced on unsafe methods), consulted only for a signed-in session."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


token_auth = TokenAuth()
session_auth = SignedInSessionAuth()
AUTH = [token_auth, session_auth]
