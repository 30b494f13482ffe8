"""Where a plan contradicts itself: pure functions over plain descriptions of its targets (no ORM).

A plan states one aim several ways: a growth rate and a level, "double" and a number, "new N" and a stock.
Read together, the numbers must agree. Each check below computes the level one statement implies and compares it
with the level another states; a relative difference above the tolerance (settings.PLAN_CONSISTENCY_TOLERANCE,
5 %) is reported with both statements, so the bureau can read the two sentences side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

GROWTH_VS_LEVEL: Final = "growth_vs_level"
MULTIPLE_VS_LEVEL: Final = "multiple_vs_level"
NEW_VS_STOCK: Final = "new_vs_stock"
LEVEL_RESTATED: Final = "level_restated"
BASELINE_RESTATED: Final = "baseline_restated"
FLAGGED: Final = "flagged"  # marked as conflicting by the people who transcribed the plan (fixtures)
CODES: Final = (GROWTH_VS_LEVEL, MULTIPLE_VS_LEVEL, NEW_VS_STOCK, LEVEL_RESTATED, BASELINE_RESTATED, FLAGGED)


@dataclass(frozen=True)
class Statement:
    """One target as the check needs it. `value` and `baseline` are levels in the indicator's unit, except
    `value` of a growth target (a rate in percent) and of a multiple (the multiplier)."""

    id: int
    indicator: str
    kind: str
    comparator: str
    target_year: int
    value: float | None
    baseline_year: int  # the stated one, else the year before the plan period
    baseline: float | None  # a stated level; None when the plan gives none (or gives a rate)
    measure: str = "stock"
    conflicts_with: tuple[int, ...] = ()


@dataclass(frozen=True)
class Inconsistency:
    code: str
    first: int  # Statement.id of the statement implying a level
    second: int  # Statement.id of the statement the level is compared with
    implied: float | None = None
    stated: float | None = None
    base: float | None = None
    difference: float | None = None  # relative: (implied − stated) / stated


def _relative_difference(implied: float, stated: float) -> float:
    if stated == 0:
        return 0.0 if implied == 0 else float("inf")
    return (implied - stated) / abs(stated)


def baseline_difference(stated: float | None, actual: float) -> float | None:
    """How far a plan's stated baseline is from the stored actual of its baseline year, relative to the actual
    ((stated − actual) / |actual|); None when the plan states no level to compare."""
    if stated is None:
        return None
    return _relative_difference(stated, actual)


def _base(statement: Statement, baselines: dict[tuple[str, int], float]) -> float | None:
    """The level at the statement's baseline year: its own, else one another statement of the plan gives."""
    if statement.baseline is not None:
        return statement.baseline
    return baselines.get((statement.indicator, statement.baseline_year))


def _distinct_levels(statements: Iterable[Statement]) -> list[Statement]:
    """Level statements with distinct (indicator, year, value): a number printed in the table and again in the
    text is one statement for the check, not two."""
    seen: set[tuple[str, int, float | None]] = set()
    kept = []
    for s in statements:
        key = (s.indicator, s.target_year, s.value)
        if s.kind == "level" and s.value is not None and key not in seen:
            seen.add(key)
            kept.append(s)
    return kept


def check(statements: Sequence[Statement], tolerance: float = 0.05) -> list[Inconsistency]:
    """Every disagreement between the statements of one plan, each pair once, in the plan's order."""
    baselines: dict[tuple[str, int], float] = {}
    for s in statements:
        if s.baseline is not None:
            baselines.setdefault((s.indicator, s.baseline_year), s.baseline)
    levels = _distinct_levels(statements)
    found: list[Inconsistency] = []
    pairs: set[frozenset[int]] = set()

    compared: set[frozenset[tuple[object, ...]]] = set()

    def compare(code: str, first: Statement, implied: float, base: float | None) -> None:
        for level in levels:
            if level.indicator != first.indicator or level.target_year != first.target_year or level.id == first.id:
                continue
            assert level.value is not None  # noqa: S101 — _distinct_levels keeps valued statements only
            difference = _relative_difference(implied, level.value)
            pair = frozenset((first.id, level.id))
            # "Double" printed in the goals and again in the body is one statement for the check.
            same = frozenset((_signature(first), _signature(level)))
            if abs(difference) > tolerance and pair not in pairs and same not in compared:
                pairs.add(pair)
                compared.add(same)
                found.append(Inconsistency(code, first.id, level.id, implied, level.value, base, difference))

    for s in statements:
        if s.value is None:
            continue
        base = _base(s, baselines)
        years = s.target_year - s.baseline_year
        if s.kind == "annual_growth_rate" and base is not None:
            compare(GROWTH_VS_LEVEL, s, base * (1 + s.value / 100) ** years, base)
        elif s.kind == "multiple_of_baseline" and base is not None:
            compare(MULTIPLE_VS_LEVEL, s, base * s.value, base)
        elif s.kind == "cumulative_new" and s.measure == "stock" and base is not None:
            compare(NEW_VS_STOCK, s, base + s.value, base)
        elif s.kind == "per_year" and s.measure == "stock" and base is not None:
            compare(NEW_VS_STOCK, s, base + s.value * years, base)
        elif s.kind == "level":
            # The same level stated twice with different numbers (only later statements, so each pair once).
            for other in levels:
                if (
                    other.id != s.id
                    and other.indicator == s.indicator
                    and other.target_year == s.target_year
                    and other.value != s.value
                    and frozenset((s.id, other.id)) not in pairs
                    and abs(_relative_difference(s.value, other.value or 0.0)) > tolerance
                ):
                    pairs.add(frozenset((s.id, other.id)))
                    found.append(
                        Inconsistency(
                            LEVEL_RESTATED,
                            s.id,
                            other.id,
                            s.value,
                            other.value,
                            None,
                            _relative_difference(s.value, other.value or 0.0),
                        )
                    )

    # Two different baselines for one indicator and year.
    by_baseline: dict[tuple[str, int], Statement] = {}
    for s in statements:
        if s.baseline is None:
            continue
        first = by_baseline.setdefault((s.indicator, s.baseline_year), s)
        if first.id != s.id and first.baseline is not None:
            difference = _relative_difference(s.baseline, first.baseline)
            pair = frozenset((first.id, s.id))
            if abs(difference) > tolerance and pair not in pairs:
                pairs.add(pair)
                found.append(
                    Inconsistency(BASELINE_RESTATED, s.id, first.id, s.baseline, first.baseline, None, difference)
                )

    # Conflicts the transcribers flagged, unless a check above already reports the same two statements (the
    # same numbers printed in the table and again in the text).
    by_id = {s.id: s for s in statements}
    reported = {frozenset((_signature(by_id[f.first]), _signature(by_id[f.second]))) for f in found}
    for s in statements:
        for other_id in s.conflicts_with:
            pair = frozenset((s.id, other_id))
            same = frozenset((_signature(s), _signature(by_id[other_id]))) if other_id in by_id else None
            if pair not in pairs and same not in reported:
                pairs.add(pair)
                found.append(Inconsistency(FLAGGED, s.id, other_id))
    return found


def _signature(s: Statement) -> tuple[object, ...]:
    return (s.indicator, s.kind, s.target_year, s.value, s.baseline)
