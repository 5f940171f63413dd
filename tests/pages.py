"""Checks on rendered pages shared by several test modules."""

import re

_REFERENCE = re.compile(r'(?:src|href|action)="([^"]*)"')


def assert_served_from_here(html: str) -> None:
    """No asset or link leaves this server (the intranet has no internet; no CDN).

    The page's references are checked, not "cdn" anywhere in it: a random CSRF token or a certificate
    number holds those three letters now and then, which made such a check fail at random."""
    assert "https://" not in html  # (http:// may appear: an inline SVG's xmlns is one)
    references = _REFERENCE.findall(html)
    assert references, "no references found: the check would prove nothing"
    external = [
        ref for ref in references if not ref.startswith(("/", "#", "?", "data:")) or ref.startswith("//")
    ]
    assert external == []
    assert not any("cdn" in ref.lower() for ref in references)
