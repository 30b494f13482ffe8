"""Numbers as people write them: 800, not 8E+2 or 800.000000 (the stored six decimals)."""

from __future__ import annotations

import math
from decimal import Decimal


def plain(value: Decimal) -> str:
    # normalize() drops the stored trailing zeros; format "f" keeps it out of exponent notation.
    return format(value.normalize(), "f")


def exact(value: float | None) -> str:
    """A stored value read as a float, written as stored: 1367.42, never 1367 or 1.37k. The shortest text that reads
    back to the same float is the stored decimal for up to 15 significant digits; "—" for none."""
    if value is None or not math.isfinite(value):
        return "—"
    return plain(Decimal(repr(float(value))))
