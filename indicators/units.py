"""Units: every unit word the plans and spreadsheets use, their scaling prefixes (万元, 亿元) and the one set of
counting words (家, 个, 项…). Pure functions, no database: the importer and the progress method both convert
through here."""

from __future__ import annotations

import functools
import unicodedata
from decimal import Decimal

# Unit words. Scaling prefixes are read off the front of a unit: 万元 = 10⁴ 元, 亿元 = 10⁸ 元, 万人 = 10⁴ 人.
_PREFIXES = [
    ("万亿", Decimal("1e12")),
    ("千亿", Decimal("1e11")),
    ("百亿", Decimal("1e10")),
    ("十亿", Decimal("1e9")),
    ("千万", Decimal("1e7")),
    ("百万", Decimal("1e6")),
    ("十万", Decimal("1e5")),
    ("亿", Decimal("1e8")),
    ("万", Decimal("1e4")),
    ("千", Decimal("1e3")),
    ("百", Decimal("1e2")),
]
# Counting words that name the same thing (a firm is 家 or 个, a patent 件 or 项): interchangeable. Values in
# them are whole numbers of things.
COUNT_WORDS = frozenset("个家项件所座台套处支只名人位")
_SYNONYMS = {
    "平方千米": "平方公里",
    "km2": "平方公里",
    "km²": "平方公里",
    "百分点": "%",
    "％": "%",
    "percent": "%",
    "pp": "%",
}


def _canonical(unit: str) -> str:
    unit = unicodedata.normalize("NFKC", unit).strip().strip("()（）[]").replace(" ", "").lower()
    return _SYNONYMS.get(unit, unit)


def _split_scale(unit: str) -> tuple[Decimal, str]:
    for prefix, factor in _PREFIXES:
        # "万人" is 10⁴ 人, but "千克"/"百分点" style words whose base would be empty are not scaled.
        if unit.startswith(prefix) and len(unit) > len(prefix):
            return factor, unit[len(prefix) :]
    return Decimal(1), unit


@functools.lru_cache(maxsize=1024, typed=True)
def unit_factor(given: str, expected: str) -> Decimal | None:
    """The factor turning a value in `given` units into `expected` units, or None when they measure different
    things. An empty `given` means "as expected"."""
    given_c, expected_c = _canonical(given), _canonical(expected)
    if not given_c or given_c == expected_c:
        return Decimal(1)
    given_scale, given_base = _split_scale(given_c)
    expected_scale, expected_base = _split_scale(expected_c)
    same_base = given_base == expected_base or (given_base in COUNT_WORDS and expected_base in COUNT_WORDS)
    if not same_base:
        return None
    return given_scale / expected_scale


def is_count(unit: str) -> bool:
    """Whether a unit counts whole things (firms, patents, labs): values in it are whole and never negative."""
    return _canonical(unit) in COUNT_WORDS
