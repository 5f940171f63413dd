"""Number display for the dashboard: `num` (the one number format, from core) and `signed`."""

from __future__ import annotations

from decimal import Decimal

from django import template

from careforce.core.templatetags.careforce import num

register = template.Library()


register.filter("num", num)


@register.filter
def signed(value) -> str:
    if value is None:
        return "—"
    text = num(value)
    return f"+{text}" if Decimal(str(value)) > 0 else text
