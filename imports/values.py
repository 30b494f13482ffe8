"""Cell values as people type them: "1,234.5", "１２３", "2.5%", "12万元", "—". Pure functions, no database."""

from __future__ import annotations

import datetime
import functools
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

# What statistical tables print for "no value". Never read as zero.
NO_VALUE = frozenset(
    {
        "",
        "-",
        "--",
        "—",
        "——",
        "–",
        "/",
        "\\",
        "…",
        "...",
        "……",
        "n/a",
        "na",
        "null",
        "none",
        "无",
        "暂无",
        "空",
        "×",
        "x",
    }
)

_NUMBER = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(.*)$")
_DIGIT_GROUPS = re.compile(r"(?<=\d)[,\s'](?=\d{3}(?:\D|$))")
_MINUS = str.maketrans({"−": "-", "－": "-", "‒": "-", "﹣": "-"})


class ValueError_(Exception):
    """A cell that should hold a number holds something else."""


def parse_number(cell: Any) -> tuple[Decimal | None, str]:
    """(value, unit written in the cell) — value None for an empty or "no value" cell.

    Raises ValueError_ for text, dates and other things that are not numbers.
    """
    if cell is None:
        return None, ""
    if isinstance(cell, bool):
        raise ValueError_(str(cell))
    if isinstance(cell, int):
        return Decimal(cell), ""
    if isinstance(cell, float):
        if math.isnan(cell) or math.isinf(cell):
            raise ValueError_(str(cell))
        # repr is the shortest text that reads back as the same float: 0.1 stays 0.1, not 0.1000000000000000055…
        return Decimal(repr(cell)), ""
    if isinstance(cell, (datetime.date, datetime.time, datetime.timedelta)):
        raise ValueError_(str(cell))
    text = unicodedata.normalize("NFKC", str(cell)).translate(_MINUS).strip()
    if text.lower() in NO_VALUE:
        return None, ""
    text = _DIGIT_GROUPS.sub("", text)
    match = _NUMBER.match(text)
    if not match:
        raise ValueError_(text)
    try:
        value = Decimal(match.group(1))
    except InvalidOperation as exc:  # pragma: no cover - the pattern only lets numbers through
        raise ValueError_(text) from exc
    return value, match.group(2).strip()


@functools.lru_cache(maxsize=1024, typed=True)
def parse_year(cell: Any) -> int | None:
    """A year from a cell: 2021, 2021.0, "2021", "2021年", "2021年实际". None when the cell is not a year."""
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, int):
        year = cell
    elif isinstance(cell, float):
        if not cell.is_integer():
            return None
        year = int(cell)
    elif isinstance(cell, datetime.date):
        year = cell.year
    else:
        text = unicodedata.normalize("NFKC", str(cell)).strip()
        match = re.match(r"^(\d{4})(?:\.0)?\s*(?:年|年度|year)?", text, re.IGNORECASE)
        if not match:
            return None
        year = int(match.group(1))
    return year if 1949 <= year <= 2100 else None


# The words a stage column (数据性质) may hold, compared after NFKC, lower case, without spaces.
STAGE_WORDS = {
    "预计": "estimate",
    "预计值": "estimate",
    "预计数": "estimate",
    "estimate": "estimate",
    "estimated": "estimate",
    "统计": "final",
    "统计值": "final",
    "统计数": "final",
    "final": "final",
}


def parse_stage(cell: Any) -> str | None:
    """ "estimate" or "final" from a stage cell (预计/预计值/estimate, 统计/统计值/final); None for an empty cell.
    Raises ValueError_ for anything else."""
    if cell is None:
        return None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(cell))).lower()
    if text == "":
        return None
    try:
        return STAGE_WORDS[text]
    except KeyError:
        raise ValueError_(str(cell).strip()) from None


# C0 controls other than tab and newline, DEL and the C1 controls. NUL cannot be stored in PostgreSQL text at all
# (and SQLite would keep it): removed everywhere, so both databases store the same thing.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """A cell's text without control characters: a carriage return becomes a newline, tab and newline stay, the
    others are dropped."""
    if text.isprintable():  # the common case, checked in C without a regex
        return text
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
