"""Numbers as the plans print them: 800, not 8E+2 or 800.000000."""

from __future__ import annotations

from decimal import Decimal

from django import template

from indicators.numbers import plain as plain_number

register = template.Library()


@register.filter
def plain(value: Decimal | None) -> str:
    return "—" if value is None else plain_number(value)
