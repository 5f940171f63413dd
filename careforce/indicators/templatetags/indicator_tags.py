"""Number display for the dashboard: thousands separators, the indicator's decimals, a dash for no data."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def num(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    text = f"{number:,.3f}".rstrip("0").rstrip(".")
    return text


@register.filter
def signed(value) -> str:
    if value is None:
        return "—"
    text = num(value)
    return f"+{text}" if Decimal(str(value)) > 0 else text
