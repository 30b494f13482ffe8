"""Ranking regions on one indicator (the comparison page): numbers in, ranks, changes of rank and tiers out.
Django-free, like plans.progress: plans.comparison reads the database and calls these."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from indicators import vocabulary as iv

K = TypeVar("K", bound=Hashable)

LEVEL: Final = "level"
GROWTH: Final = "growth"
COMPLETION: Final = "completion"
METRICS: Final = (LEVEL, GROWTH, COMPLETION)


def ranks(values: Mapping[K, float], *, higher_is_better: bool) -> dict[K, int]:
    """Standard competition ranking ("1224"): equal figures share a rank and the next rank skips as many.
    Keys without a figure are left out (they have no rank)."""
    ordered = sorted(values.items(), key=lambda item: -item[1] if higher_is_better else item[1])
    result: dict[K, int] = {}
    previous: float | None = None
    rank = 0
    for position, (key, value) in enumerate(ordered, start=1):
        if value != previous:
            rank, previous = position, value
        result[key] = rank
    return result


def rank_change(now: int | None, before: int | None) -> int | None:
    """Places gained since the year before (positive: moved up); None when either year has no rank."""
    return None if now is None or before is None else before - now


def growth(before: float | None, now: float | None, measure: str) -> float | None:
    """The change on the year before: for a ratio (a share, an intensity) the difference in its own unit — for a
    percentage, percentage points —; for a stock or a flow the growth in %, None when the year before is not a
    positive number (a rate from zero or from a negative means nothing)."""
    if before is None or now is None:
        return None
    if measure == iv.RATIO:
        return now - before
    if before <= 0:
        return None
    return (now / before - 1) * 100


@dataclass(frozen=True)
class Tier:
    name: str
    threshold: float | None  # None: the rest (every region not in a tier with a threshold)


def ordered_tiers(tiers: Sequence[Tier], *, higher_is_better: bool) -> list[Tier]:
    """The tiers best first: by threshold in the direction that is better, the tier without one last."""
    with_threshold = sorted(
        (tier for tier in tiers if tier.threshold is not None),
        key=lambda tier: -(tier.threshold or 0.0) if higher_is_better else (tier.threshold or 0.0),
    )
    return with_threshold + [tier for tier in tiers if tier.threshold is None][:1]


def tier_of(value: float | None, tiers: Sequence[Tier], *, higher_is_better: bool) -> str | None:
    """The name of the best tier whose threshold `value` reaches (a tier without threshold takes any value);
    None without a value, or when the tiers leave the value out (none without threshold)."""
    if value is None:
        return None
    for tier in ordered_tiers(tiers, higher_is_better=higher_is_better):
        if tier.threshold is None or (value >= tier.threshold if higher_is_better else value <= tier.threshold):
            return tier.name
    return None
