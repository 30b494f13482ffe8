"""Demo actuals (演示数据): plausible yearly values around each plan's path, generated deterministically.

They exist so that a newcomer sees a living dashboard before any real statistics are imported. Every value is
stored with origin="demo" and the source below, shown with a demo label, and never overwrites a real value.

Pure functions: targets in, values out. The same input gives the same values on every machine (the random
generator is seeded from the region and indicator codes, not from the clock).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from indicators.units import is_count
from plans.models import Target

DEMO_SOURCE = "演示数据 (demo data, generated, not real statistics)"
FIRST_YEAR = 2020
LAST_YEAR = 2024

# Pace profiles: the share of the planned progress a series actually makes. Some cities run ahead, most are
# roughly on the path, some lag, a few go backwards — so every status of the evaluation appears in the demo.
PROFILES = (1.3, 1.1, 1.0, 1.0, 0.95, 0.8, 0.7, 0.45, 0.3, -0.15)

# The province's own series for indicators that "above the provincial average" targets compare with.
# Anchored on the province's published 2020 figures where the plans quote them (Kaifeng's plan: R&D intensity
# 1.64%, fiscal S&T share 2.4%); the later years are demo values like the rest.
PROVINCE_ANCHORS: dict[str, tuple[Decimal, Decimal]] = {
    "rd_intensity": (Decimal("1.64"), Decimal("0.1")),
    "fiscal_st_expenditure_share": (Decimal("2.4"), Decimal("0.08")),
}
PROVINCE_ADCODE = "410000"


@dataclass(frozen=True)
class TargetSpec:
    adcode: str
    indicator: str
    indicator_unit: str
    measure: str  # stock | flow | ratio
    direction: str  # higher | lower
    kind: str
    section: str
    baseline_year: int | None
    baseline_value: Decimal | None
    target_year: int
    target_value: Decimal | None
    unit: str


def _rng(*parts: str) -> random.Random:
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


_SECTION_RANK = {"table": 0, "goals": 1, "body": 2}
_KIND_RANK = {
    "level": 0,
    "multiple_of_baseline": 1,
    "cumulative_new": 2,
    "per_year": 3,
    "qualitative": 4,
    "annual_growth_rate": 5,
    "relative_to_average": 6,
}


def _driver(specs: list[TargetSpec]) -> TargetSpec:
    """The target a series is built around: the most concrete statement, table rows first."""
    return min(specs, key=lambda s: (_KIND_RANK[s.kind], _SECTION_RANK.get(s.section, 3), s.baseline_value is None))


def _round(value: Decimal, spec: TargetSpec) -> Decimal:
    if spec.measure != "ratio" and is_count(spec.indicator_unit):  # whole projects, firms, …
        return value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _baseline_level(specs: list[TargetSpec]) -> tuple[int, Decimal] | None:
    """A stated baseline level for the series (growth-rate targets state a baseline *rate*, not a level)."""
    for spec in sorted(specs, key=lambda s: _KIND_RANK[s.kind]):
        is_level = spec.kind not in ("annual_growth_rate", "per_year", "cumulative_new")
        # A multiple's value is in 倍, but its baseline is a level in the indicator's unit.
        same_unit = spec.unit == spec.indicator_unit or spec.kind == "multiple_of_baseline"
        if spec.baseline_value is not None and is_level and same_unit:
            return spec.baseline_year or FIRST_YEAR, spec.baseline_value
    return None


def _path(start: Decimal, end: Decimal, share: float, geometric: bool) -> Decimal:
    if geometric and start > 0 and end > 0:
        return start * Decimal(str((float(end) / float(start)) ** share))
    return start + (end - start) * Decimal(str(share))


def series_for(specs: list[TargetSpec]) -> dict[int, Decimal]:
    """Yearly demo values for one region × indicator, or {} when the plans give too little to anchor a series."""
    spec = _driver(specs)
    rng = _rng(spec.adcode, spec.indicator)
    if rng.random() < 0.08:  # a few series have no data at all: the dashboard must show "no data" somewhere
        return {}
    profile = PROFILES[rng.randrange(len(PROFILES))]
    stated = _baseline_level(specs)
    y0 = stated[0] if stated else (spec.baseline_year or FIRST_YEAR)
    y0 = min(y0, FIRST_YEAR)
    yT = spec.target_year
    if yT <= y0:
        return {}

    base: Decimal | None = stated[1] if stated else None
    goal: Decimal | None
    flow_per_year: Decimal | None = None
    if spec.kind == "level" and spec.target_value is not None and spec.unit == spec.indicator_unit:
        goal = spec.target_value
        if base is None:
            factor = Decimal(str(rng.uniform(1.4, 1.8) if spec.direction == "lower" else rng.uniform(0.55, 0.8)))
            base = goal * factor
    elif spec.kind == "multiple_of_baseline" and base is not None and spec.target_value is not None:
        goal = base * spec.target_value
    elif spec.kind == "cumulative_new" and spec.target_value is not None:
        if spec.measure == "flow":
            flow_per_year = spec.target_value / (yT - y0)
            goal = None
        else:
            base = base if base is not None else spec.target_value
            goal = base + spec.target_value
    elif spec.kind == "per_year" and spec.target_value is not None:
        flow_per_year = spec.target_value
        goal = None
    elif spec.kind == "qualitative" and spec.target_value is not None:
        goal = spec.target_value
        base = base if base is not None else goal * Decimal(str(rng.uniform(0.55, 0.8)))
    elif spec.kind == "annual_growth_rate" and base is not None and spec.target_value is not None:
        goal = base * (1 + spec.target_value / 100) ** (yT - y0)
    elif spec.kind == "relative_to_average" and base is not None and spec.indicator in PROVINCE_ANCHORS:
        anchor, step = PROVINCE_ANCHORS[spec.indicator]
        goal = anchor + step * (yT - FIRST_YEAR)
    else:
        return {}

    values: dict[int, Decimal] = {}
    for year in range(y0, LAST_YEAR + 1):
        noise = Decimal(str(1 + rng.uniform(-0.04, 0.04)))
        if flow_per_year is not None:
            if year == y0:
                continue  # a per-year or cumulative flow counts from the year after the baseline
            value = flow_per_year * Decimal(str(max(profile, 0.1))) * noise
        else:
            if base is None or goal is None:
                return {}
            share = (year - y0) / (yT - y0)
            planned = _path(base, goal, share, geometric=spec.measure != "ratio")
            value = base if year == y0 else base + (planned - base) * Decimal(str(profile)) * noise
            if spec.kind == "qualitative" and spec.unit == "%":
                value = min(value, Decimal(100))
        if year != y0 and year > FIRST_YEAR and rng.random() < 0.07:
            continue  # the odd missing year
        values[year] = _round(max(value, Decimal(0)), spec)
    if LAST_YEAR in values and rng.random() < 0.12:
        del values[LAST_YEAR]  # the latest statistics are not in yet for some series
    return values


def province_series(indicator: str) -> dict[int, Decimal]:
    anchor, step = PROVINCE_ANCHORS[indicator]
    rng = _rng(PROVINCE_ADCODE, indicator)
    return {
        year: (anchor + step * (year - FIRST_YEAR) * Decimal(str(rng.uniform(0.85, 1.15)))).quantize(Decimal("0.01"))
        for year in range(FIRST_YEAR, LAST_YEAR + 1)
    }


def demo_values(specs: list[TargetSpec]) -> dict[tuple[str, str, int], Decimal]:
    """All demo values for the given targets: {(adcode, indicator code, year): value}."""
    grouped: dict[tuple[str, str], list[TargetSpec]] = {}
    for spec in specs:
        grouped.setdefault((spec.adcode, spec.indicator), []).append(spec)
    out: dict[tuple[str, str, int], Decimal] = {}
    for (adcode, code), group in sorted(grouped.items()):
        for year, value in series_for(group).items():
            out[(adcode, code, year)] = value
    for code in sorted({s.indicator for s in specs if s.kind == "relative_to_average"} & set(PROVINCE_ANCHORS)):
        for year, value in province_series(code).items():
            out[(PROVINCE_ADCODE, code, year)] = value
    return out


def target_specs() -> list[TargetSpec]:
    """Every target of every plan, as the generator reads it."""
    targets = Target.objects.select_related("plan__region", "indicator").order_by("plan_id", "position")
    return [
        TargetSpec(
            adcode=t.plan.region.adcode,
            indicator=t.indicator.code,
            indicator_unit=t.indicator.unit,
            measure=t.indicator.measure,
            direction=t.indicator.direction,
            kind=t.kind,
            section=t.section,
            baseline_year=t.baseline_year,
            baseline_value=t.baseline_value,
            target_year=t.target_year,
            target_value=t.target_value,
            unit=t.unit,
        )
        for t in targets
    ]
