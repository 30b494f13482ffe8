"""The indicator catalogue's words, spelled once (Django-free: the fixture schema and the progress method read
them as well as the models): which direction is better, and what kind of quantity an indicator measures."""

from __future__ import annotations

from typing import Final

HIGHER: Final = "higher"
LOWER: Final = "lower"
DIRECTIONS: Final = (HIGHER, LOWER)
STOCK: Final = "stock"  # a level at a date (number of firms)
FLOW: Final = "flow"  # an amount over a year (R&D spending)
RATIO: Final = "ratio"  # a share or rate (R&D intensity)
MEASURES: Final = (STOCK, FLOW, RATIO)
