"""Numbers as people write them: 800, not 8E+2 or 800.000000 (the stored six decimals)."""

from __future__ import annotations

from decimal import Decimal


def plain(value: Decimal) -> str:
    # normalize() drops the stored trailing zeros; format "f" keeps it out of exponent notation.
    return format(value.normalize(), "f")
