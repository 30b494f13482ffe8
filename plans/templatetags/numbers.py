"""Numbers as the plans print them: 800, not 8E+2 or 800.000000."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def plain(value: Decimal | None) -> str:
    if value is None:
        return "—"
    # normalize() drops the stored trailing zeros; format "f" keeps it out of exponent notation.
    return format(value.normalize(), "f")
