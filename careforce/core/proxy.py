"""The client's address behind a reverse proxy.

Lockouts (django-axes) and the rate limits count per address, read from REMOTE_ADDR. Behind nginx every
request comes from the proxy's own address, so all clients would share one count. With
CAREFORCE_PROXY_COUNT=N (the number of proxies in front, each appending the address it saw to
X-Forwarded-For), REMOTE_ADDR becomes the address the outermost of our proxies saw: the N-th entry from the
right. Entries further left were written by the client and are not trusted.
"""

from __future__ import annotations

from django.conf import settings


class ForwardedForMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = settings.PROXY_COUNT
        if count > 0:
            forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            forwarded = [a for a in forwarded if a]
            if len(forwarded) >= count:
                request.META["REMOTE_ADDR"] = forwarded[-count]
        return self.get_response(request)
