"""How far a target has come: the progress evaluation of one target against its actuals.

Pure functions on plain numbers: no ORM, no request, no settings, no translation. The selectors turn a Target
and its Observations into a `TargetSpec` and series; the views and the API render the `Progress` this returns.
docs/methodology.md states the method in Chinese and English with worked examples; this file follows it.

Conventions:
- Values are in the indicator's unit (the selectors convert the plan's units before calling).
- Shares, ratios and growth rates are fractions (0.12 = 12 %). A target's own growth rate (kind
  annual_growth_rate) is stated in percent, as plans print it, and turned into a fraction here.
- A status is never a guess: whatever cannot be computed from the data is reported as such, with a note.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from plans import vocabulary as v
from plans.vocabulary import (
    ANNUAL_GROWTH_RATE,
    COMPARES_GROWTH,
    COMPARES_LEVEL,
    CUMULATIVE_NEW,
    FLOW,
    HIGHER,
    LOWER,
    MULTIPLE_OF_BASELINE,
    PER_YEAR,
    QUALITATIVE,
    RELATIVE_TO_AVERAGE,
    STOCK,
    TREND_KINDS,
)

# Pace (序时进度) bands, best first: how far along the plan's path a target is. `status()` turns a result into the
# one status a target is shown with (achieved early, not achieved and not quantified are told apart there).
PACE_ACHIEVED: Final = v.ACHIEVED
PACE_AHEAD: Final = v.AHEAD
PACE_ON_SCHEDULE: Final = v.ON_SCHEDULE
PACE_LAGGING: Final = v.LAGGING
PACE_FAR_BEHIND: Final = v.FAR_BEHIND
PACE_REGRESSING: Final = v.REGRESSING
PACE_NO_DATA: Final = v.NO_DATA
PACE_STATUSES: Final = (
    PACE_ACHIEVED,
    PACE_AHEAD,
    PACE_ON_SCHEDULE,
    PACE_LAGGING,
    PACE_FAR_BEHIND,
    PACE_REGRESSING,
    PACE_NO_DATA,
)

# Trend statuses (the Statistics Canada / Open SDG method), best first.
TREND_ACHIEVED: Final = "achieved"
TREND_ON_TRACK: Final = "on_track"
TREND_ACCELERATION_NEEDED: Final = "acceleration_needed"
TREND_LIMITED_PROGRESS: Final = "limited_progress"
TREND_DETERIORATION: Final = "deterioration"
TREND_INSUFFICIENT_DATA: Final = "insufficient_data"
TREND_NOT_APPLICABLE: Final = "not_applicable"
TREND_STATUSES: Final = (
    TREND_ACHIEVED,
    TREND_ON_TRACK,
    TREND_ACCELERATION_NEEDED,
    TREND_LIMITED_PROGRESS,
    TREND_DETERIORATION,
    TREND_INSUFFICIENT_DATA,
    TREND_NOT_APPLICABLE,
)

# Why a figure is missing or was obtained another way. plans.wording words them in Chinese and English.
NOTE_NO_ACTUAL: Final = "no_actual"
NOTE_ONLY_BASELINE_YEAR: Final = "only_baseline_year"
NOTE_BASELINE_MOVED: Final = "baseline_moved"
NOTE_NO_BASELINE: Final = "no_baseline"
NOTE_BASELINE_FROM_ACTUALS: Final = "baseline_from_actuals"
NOTE_NOT_QUANTIFIED: Final = "not_quantified"
NOTE_NO_PARENT_VALUE: Final = "no_parent_value"
NOTE_JUDGED_AT_TARGET_YEAR: Final = "judged_at_target_year"
NOTE_YEARS_MISSING: Final = "years_missing"
NOTE_MET_AT_BASELINE: Final = "met_at_baseline"
NOTE_NOT_POSITIVE: Final = "not_positive"
NOTE_ZERO_REPLACED: Final = "zero_replaced"
NOTE_RATE_ZERO: Final = "rate_zero"
NOTE_STALE_ACTUAL: Final = "stale_actual"  # the latest actual is STALE_YEARS or more before the as-of year
NOTE_NO_TARGET_YEAR_ACTUAL: Final = "no_target_year_actual"  # a final evaluation without the target year's actual
# How old the latest actual may be before the notes say so: a figure two years old describes another moment.
STALE_YEARS: Final = 2
NOTE_VERDICT: Final = "verdict"


@dataclass(frozen=True)
class Thresholds:
    """The cut-offs of the method; settings.PROGRESS_THRESHOLDS overrides them (see docs/methodology.md)."""

    ahead: float = 1.05  # pace ratio q at or above: 快于预期
    on_schedule: float = 0.90  # q at or above: 基本符合预期
    lagging: float = 0.50  # q at or above: 滞后; below: 明显滞后
    about: float = 0.95  # "X 左右" is met at this share of X
    on_track: float = 0.95  # trend ratio R at or above: on track
    acceleration_needed: float = 0.60  # R at or above: acceleration needed; below (but ≥ 0): limited progress
    zero_substitute: float = 0.001  # replaces a zero base or target in the growth formulas


@dataclass(frozen=True)
class TargetSpec:
    """What the method needs to know about a target, in plain numbers."""

    kind: str
    comparator: str
    target_year: int
    target_value: float | None
    target_value_max: float | None = None
    baseline_year: int | None = None  # as stated; None → the year before the plan period
    baseline_value: float | None = None  # as stated, a level in the indicator's unit (never a rate)
    period_start: int | None = None
    direction: str = HIGHER
    measure: str = "stock"
    compares: str = COMPARES_LEVEL


@dataclass(frozen=True)
class Note:
    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """The evaluation of one target at one as-of year. `measured` is the quantity the target is about, in the
    indicator's unit: the level; the amount added (cumulative_new); the growth rate (relative_to_average comparing
    growth). `target_level` and `expected` are in the same quantity."""

    year: int | None = None  # evaluation year t: the latest year ≤ the as-of year with an actual
    actual: float | None = None  # the actual of year t
    measured: float | None = None  # M_t
    baseline_used: float | None = None  # B (the measured quantity at y0; 0 for amounts added)
    baseline_year_used: int | None = None  # y0
    target_level: float | None = None  # L
    expected: float | None = None  # where M should be at t on the plan's path
    time_share: float | None = None  # s
    progress_share: float | None = None  # p
    pace_ratio: float | None = None  # q
    pace_status: str = PACE_NO_DATA
    observed_growth: float | None = None  # compound annual growth of the level since y0
    required_growth: float | None = None  # the growth the plan requires from y0 to the target year
    trend_ratio: float | None = None  # R
    trend_status: str = TREND_INSUFFICIENT_DATA
    projected_value: float | None = None  # M at the target year at the current pace
    required_annual_growth: float | None = None  # from t to the target year
    required_per_year: float | None = None  # cumulative targets: amount still to add each year
    years_met: int | None = None  # per_year targets
    years_counted: int | None = None  # per_year targets: years with an actual
    years_elapsed: int | None = None  # per_year targets: years of the period up to t
    baseline_level: float | None = None  # cumulative_new on a stock: the stock at y0 the amount added is counted from
    multiple_reached: float | None = None  # multiple_of_baseline: A_t ÷ B, the multiple of the baseline reached
    parent_value: float | None = None  # relative_to_average: the parent region's (province's) level in year t
    achieved: bool | None = None  # the comparator holds at t (None: no actual)
    early: bool = False  # achieved before the target year (提前实现)
    notes: tuple[Note, ...] = ()
    # A reviewer's verdict on a qualitative target (plans.vocabulary.VERDICTS), for verdict_year: it is the status.
    verdict: str | None = None
    verdict_year: int | None = None


# ---------------------------------------------------------------------------------------------------- helpers


def _sign(direction: str) -> int:
    return -1 if direction == LOWER else 1


def threshold(spec: TargetSpec) -> float | None:
    """The number a level must reach: a range's lower bound (upper bound when lower is better)."""
    if spec.comparator == "range" and spec.direction == LOWER and spec.target_value_max is not None:
        return spec.target_value_max
    return spec.target_value


def holds(value: float, level: float, comparator: str, direction: str, thresholds: Thresholds) -> bool:
    """Whether `value` meets `level` under the comparator, read in the indicator's better direction: "=" and
    "range" mean "at least" (at most when lower is better); "about" means within 5 % on the good side; ">=",
    ">" and "<=" are taken literally."""
    v.checked("comparator", comparator, v.COMPARATORS)
    if comparator == ">":
        return value > level
    if comparator == "<=":
        return value <= level
    if comparator == "about":
        return value >= thresholds.about * level if direction == HIGHER else value <= (2 - thresholds.about) * level
    if direction == LOWER and comparator != ">=":
        return value <= level
    return value >= level


def cagr(start: float, end: float, years: float) -> float | None:
    """Compound annual growth from `start` to `end` over `years`; undefined for a non-positive start, a negative
    end or no elapsed time."""
    if years <= 0 or start <= 0 or end < 0:
        return None
    return float((end / start) ** (1 / years) - 1)


def pace_status(q: float, thresholds: Thresholds) -> str:
    if q < 0:
        return PACE_REGRESSING
    if q >= thresholds.ahead:
        return PACE_AHEAD
    if q >= thresholds.on_schedule:
        return PACE_ON_SCHEDULE
    if q >= thresholds.lagging:
        return PACE_LAGGING
    return PACE_FAR_BEHIND


def trend_status(r: float, thresholds: Thresholds) -> str:
    if r >= thresholds.on_track:
        return TREND_ON_TRACK
    if r >= thresholds.acceleration_needed:
        return TREND_ACCELERATION_NEEDED
    if r >= 0:
        return TREND_LIMITED_PROGRESS
    return TREND_DETERIORATION


def _time_share(t: int, y0: int, target_year: int) -> float:
    """s = (t − y0) / (yT − y0); 0 when y0 has moved to the target year itself (t == y0: no time elapsed)."""
    return (t - y0) / (target_year - y0) if target_year > y0 else 0.0


def _nominal_baseline_year(spec: TargetSpec) -> int:
    if spec.baseline_year is not None:
        return spec.baseline_year
    if spec.period_start is not None:
        return spec.period_start - 1
    return spec.target_year - 5


def _latest(series: Mapping[int, float], up_to: int) -> int | None:
    years = [y for y in series if y <= up_to]
    return max(years) if years else None


def _baseline(
    spec: TargetSpec, series: Mapping[int, float], y0: int, up_to: int, *, use_stated: bool = True
) -> tuple[float | None, int, list[Note]]:
    """B and y0: the stated baseline; else the actual at y0; else the earliest actual after y0 (y0 moves)."""
    if use_stated and spec.baseline_value is not None:
        return spec.baseline_value, y0, []
    if y0 in series:
        return series[y0], y0, [Note(NOTE_BASELINE_FROM_ACTUALS, {"year": y0})]
    later = sorted(y for y in series if y0 < y <= up_to)
    if later:
        return series[later[0]], later[0], [Note(NOTE_BASELINE_MOVED, {"from_year": y0, "year": later[0]})]
    return None, y0, [Note(NOTE_NO_BASELINE, {"year": y0})]


# ---------------------------------------------------------------------------------------------------- evaluate


def evaluate(
    spec: TargetSpec,
    actuals: Mapping[int, float],
    *,
    as_of: int | None = None,
    parent: Mapping[int, float] | None = None,
    thresholds: Thresholds | None = None,
) -> Progress:
    """Evaluate one target. `actuals` is the region's yearly series of the target's indicator; `parent` the
    parent region's (for relative_to_average targets); `as_of` the year of the evaluation (None: the latest
    data). Actuals after the target year are not used: a target is judged in its year."""
    v.checked("kind", spec.kind, v.KINDS)
    v.checked("comparator", spec.comparator, v.COMPARATORS)
    v.checked("direction", spec.direction, v.DIRECTIONS)
    v.checked("measure", spec.measure, v.MEASURES)
    v.checked("compares", spec.compares, v.COMPARES)
    result = _evaluate(spec, actuals, as_of=as_of, parent=parent, thresholds=thresholds or Thresholds())
    return _dated(result, spec, as_of)


def _dated(result: Progress, spec: TargetSpec, as_of: int | None) -> Progress:
    """Says when the actual judged is older than the evaluation. A final evaluation (as of the target year or
    later) judges the target year: a target not met whose latest actual comes from an earlier year gets no final
    verdict (status() gives 暂无数据) — its pace in that earlier year is no statement about the target year."""
    if as_of is None or result.year is None:
        return result
    horizon = min(as_of, spec.target_year)
    note = None
    if horizon == spec.target_year and result.year < spec.target_year and not result.achieved:
        note = Note(NOTE_NO_TARGET_YEAR_ACTUAL, {"year": result.year, "target_year": spec.target_year})
    elif horizon - result.year >= STALE_YEARS:
        note = Note(NOTE_STALE_ACTUAL, {"year": result.year, "as_of": horizon})
    return result if note is None else replace(result, notes=(*result.notes, note))


def _evaluate(
    spec: TargetSpec,
    actuals: Mapping[int, float],
    *,
    as_of: int | None,
    parent: Mapping[int, float] | None,
    thresholds: Thresholds,
) -> Progress:
    horizon = spec.target_year if as_of is None else min(as_of, spec.target_year)
    notes: list[Note] = []
    if (as_of is None and any(y > spec.target_year for y in actuals)) or (
        as_of is not None and as_of > spec.target_year
    ):
        notes.append(Note(NOTE_JUDGED_AT_TARGET_YEAR, {"year": spec.target_year}))
    if spec.kind == QUALITATIVE and spec.target_value is None:
        return Progress(
            trend_status=TREND_NOT_APPLICABLE,
            notes=(*notes, Note(NOTE_NOT_QUANTIFIED)),
            **_latest_actual(actuals, horizon),
        )
    if spec.kind == PER_YEAR:
        return _per_year(spec, actuals, horizon, notes, thresholds)
    if spec.kind == CUMULATIVE_NEW:
        return _cumulative(spec, actuals, horizon, notes, thresholds)
    if spec.kind == ANNUAL_GROWTH_RATE:
        return _growth(spec, actuals, horizon, notes, thresholds)
    if spec.kind == RELATIVE_TO_AVERAGE:
        return _relative(spec, actuals, parent or {}, horizon, notes, thresholds)
    # level, multiple_of_baseline and a qualitative target with a number: a level to reach (the kind was checked).
    return _level(spec, actuals, horizon, notes, thresholds)


def _latest_actual(actuals: Mapping[int, float], horizon: int) -> dict[str, Any]:
    t = _latest(actuals, horizon)
    return {"year": t, "actual": None if t is None else actuals[t]}


def _no_data(notes: list[Note], horizon: int, *, trend: str = TREND_INSUFFICIENT_DATA, **known: Any) -> Progress:
    return Progress(trend_status=trend, notes=(*notes, Note(NOTE_NO_ACTUAL, {"year": horizon})), **known)


def _pace(
    m_t: float,
    m_0: float,
    level: float,
    s: float,
    achieved: bool,
    direction: str,
    thresholds: Thresholds,
    notes: list[Note],
) -> tuple[float | None, float | None, str]:
    """Progress share p, pace ratio q and the pace status, for a measured quantity moving from m_0 to level."""
    gap = _sign(direction) * (level - m_0)  # how far the baseline was from the target, in the good direction
    p = (m_t - m_0) / (level - m_0) if gap > 0 else None
    if achieved:
        return p, (p / s if p is not None and s > 0 else None), PACE_ACHIEVED
    if s <= 0:
        # Still in the baseline year (t == y0): nothing has moved yet, so there is no pace to judge.
        notes.append(Note(NOTE_ONLY_BASELINE_YEAR))
        return p, None, PACE_NO_DATA
    if gap < 0:
        # The baseline already met the target, and the latest actual no longer does: it has moved away.
        notes.append(Note(NOTE_MET_AT_BASELINE))
        return None, None, PACE_REGRESSING
    if p is None:
        # The baseline sat exactly on a strict target ("more than X" from X): no share of a zero distance.
        return None, None, PACE_REGRESSING if _sign(direction) * (m_t - m_0) < 0 else PACE_FAR_BEHIND
    q = p / s
    return p, q, pace_status(q, thresholds)


def _trend(
    spec: TargetSpec,
    b: float,
    m_t: float,
    level: float,
    t: int,
    y0: int,
    achieved: bool,
    thresholds: Thresholds,
    notes: list[Note],
) -> tuple[float | None, float | None, float | None, str]:
    """Observed and required compound growth, their ratio R and the trend status (levels)."""
    # A zero base or target is replaced by a small number (the Statistics Canada method); a value still at
    # zero after a zero base is no growth, not a fall.
    zero = thresholds.zero_substitute
    base = zero if b == 0 else b
    observed = cagr(base, max(m_t, zero) if b == 0 else m_t, t - y0)
    required = cagr(base, zero if level == 0 else level, spec.target_year - y0)
    if observed is None or required is None:
        notes.append(Note(NOTE_NOT_POSITIVE))
        return observed, required, None, TREND_ACHIEVED if achieved else TREND_INSUFFICIENT_DATA
    if b == 0 or level == 0:
        notes.append(Note(NOTE_ZERO_REPLACED, {"zero": zero}))
    r = observed / required if required != 0 else None
    if achieved:
        return observed, required, r, TREND_ACHIEVED
    if r is None or _sign(spec.direction) * required < 0:
        # No growth required (or the target lies behind the baseline) yet not achieved: the level went the wrong
        # way. A ratio of two growths in opposite senses would mislead: there is none.
        return (
            observed,
            required,
            None,
            TREND_DETERIORATION if _sign(spec.direction) * observed < 0 else TREND_LIMITED_PROGRESS,
        )
    return observed, required, r, trend_status(r, thresholds)


def _projection(b: float, m_t: float, t: int, y0: int, target_year: int) -> float | None:
    """M at the target year if it keeps growing at its observed compound rate since y0."""
    if t >= target_year:
        return m_t
    rate = cagr(b, m_t, t - y0)
    return None if rate is None else m_t * (1 + rate) ** (target_year - t)


def _required(level: float | None, m_t: float, t: int, target_year: int) -> float | None:
    """The compound annual growth still needed from year t to reach the level in the target year."""
    if level is None or t >= target_year:
        return None
    return cagr(m_t, level, target_year - t)


def _level(spec: TargetSpec, actuals: Mapping[int, float], horizon: int, notes: list[Note], th: Thresholds) -> Progress:
    """level, multiple_of_baseline and (quantified) qualitative targets: the level series against a level."""
    t = _latest(actuals, horizon)
    if t is None:
        return _no_data(notes, horizon, trend=_trend_kind_or(spec, TREND_INSUFFICIENT_DATA))
    a_t = actuals[t]
    y0 = _nominal_baseline_year(spec)
    b, y0, baseline_notes = _baseline(spec, actuals, y0, t)
    notes.extend(baseline_notes)
    value = threshold(spec)
    assert value is not None  # noqa: S101 — kinds reaching here carry a value (database constraint)
    if spec.kind == MULTIPLE_OF_BASELINE:
        if b is None:
            return Progress(
                year=t,
                actual=a_t,
                measured=a_t,
                baseline_year_used=y0,
                trend_status=TREND_INSUFFICIENT_DATA,
                notes=tuple(notes),
            )
        level = value * b
    else:
        level = value
    achieved = holds(a_t, level, spec.comparator, spec.direction, th)
    known: dict[str, Any] = {
        "year": t,
        "actual": a_t,
        "measured": a_t,
        "baseline_used": b,
        "baseline_year_used": y0,
        "target_level": level,
        "achieved": achieved,
        "early": achieved and t < spec.target_year,
    }
    if spec.kind == MULTIPLE_OF_BASELINE and b is not None and b > 0:
        known["multiple_reached"] = a_t / b
    if b is None:
        status = PACE_ACHIEVED if achieved else PACE_NO_DATA
        trend = _trend_kind_or(spec, TREND_ACHIEVED if achieved else TREND_INSUFFICIENT_DATA)
        return Progress(**known, pace_status=status, trend_status=trend, notes=tuple(notes))
    s = _time_share(t, y0, spec.target_year)
    p, q, status = _pace(a_t, b, level, s, achieved, spec.direction, th, notes)
    trend_fields: dict[str, Any] = {"trend_status": TREND_NOT_APPLICABLE}
    if spec.kind in TREND_KINDS:
        if t > y0:
            observed, required, r, trend = _trend(spec, b, a_t, level, t, y0, achieved, th, notes)
            trend_fields = {
                "observed_growth": observed,
                "required_growth": required,
                "trend_ratio": r,
                "trend_status": trend,
            }
        else:
            trend_fields = {"trend_status": TREND_ACHIEVED if achieved else TREND_INSUFFICIENT_DATA}
    return Progress(
        **known,
        expected=b + s * (level - b),
        time_share=s,
        progress_share=p,
        pace_ratio=q,
        pace_status=status,
        projected_value=_projection(b, a_t, t, y0, spec.target_year) if t > y0 else None,
        required_annual_growth=_required(level, a_t, t, spec.target_year),
        notes=tuple(notes),
        **trend_fields,
    )


def _trend_kind_or(spec: TargetSpec, status: str) -> str:
    return status if spec.kind in TREND_KINDS else TREND_NOT_APPLICABLE


def _growth(
    spec: TargetSpec, actuals: Mapping[int, float], horizon: int, notes: list[Note], th: Thresholds
) -> Progress:
    """annual_growth_rate: the compound growth g of the level series since y0 against the stated rate.
    The stated baseline of such a target is usually a rate (“2020年 13.8%”), so B comes from the level series."""
    t = _latest(actuals, horizon)
    if t is None:
        return _no_data(notes, horizon)
    a_t = actuals[t]
    y0 = _nominal_baseline_year(spec)
    b, y0, baseline_notes = _baseline(spec, actuals, y0, t, use_stated=False)
    notes.extend(baseline_notes)
    value = threshold(spec)
    assert value is not None  # noqa: S101 — database constraint
    rate = value / 100
    known: dict[str, Any] = {"year": t, "actual": a_t, "measured": a_t, "baseline_year_used": y0}
    if b is None or t <= y0:
        if b is not None:
            notes.append(Note(NOTE_ONLY_BASELINE_YEAR))
        return Progress(**known, baseline_used=b, notes=tuple(notes))
    n = spec.target_year - y0
    level = b * (1 + rate) ** n
    s = (t - y0) / n
    g = cagr(b, a_t, t - y0)
    if g is None:
        notes.append(Note(NOTE_NOT_POSITIVE))
        return Progress(**known, baseline_used=b, target_level=level, time_share=s, notes=tuple(notes))
    achieved = holds(g, rate, spec.comparator, spec.direction, th)
    q = g / rate if rate != 0 else None
    if achieved:
        status = PACE_ACHIEVED
    elif q is None:
        notes.append(Note(NOTE_RATE_ZERO))
        status = PACE_REGRESSING if _sign(spec.direction) * g < 0 else PACE_FAR_BEHIND
    elif _sign(spec.direction) * g < 0:
        status = PACE_REGRESSING  # the level moved away from the better direction
    else:
        status = pace_status(q, th)
    if achieved:
        trend = TREND_ACHIEVED
    elif q is None:
        trend = TREND_DETERIORATION if _sign(spec.direction) * g < 0 else TREND_LIMITED_PROGRESS
    else:
        trend = trend_status(q, th)
    return Progress(
        **known,
        baseline_used=b,
        target_level=level,
        expected=b * (1 + rate) ** (t - y0),
        time_share=s,
        progress_share=(a_t - b) / (level - b) if level != b else None,
        pace_ratio=q,
        pace_status=status,
        observed_growth=g,
        required_growth=rate,
        trend_ratio=q,
        trend_status=trend,
        projected_value=a_t * (1 + g) ** (spec.target_year - t),
        required_annual_growth=_required(level, a_t, t, spec.target_year),
        achieved=achieved,
        early=achieved and t < spec.target_year,
        notes=tuple(notes),
    )


def _cumulative(
    spec: TargetSpec, actuals: Mapping[int, float], horizon: int, notes: list[Note], th: Thresholds
) -> Progress:
    """cumulative_new: the amount added since y0 against N. Stock indicators: A_t − A_y0; flow indicators: the
    sum of the yearly actuals after y0. Projected linearly."""
    t = _latest(actuals, horizon)
    if t is None:
        return _no_data(notes, horizon, trend=TREND_NOT_APPLICABLE)
    a_t = actuals[t]
    y0 = _nominal_baseline_year(spec)
    value = threshold(spec)
    assert value is not None  # noqa: S101 — database constraint
    known: dict[str, Any] = {"year": t, "actual": a_t, "trend_status": TREND_NOT_APPLICABLE, "target_level": value}
    if spec.measure == FLOW:
        years = range(y0 + 1, t + 1)
        missing = [y for y in years if y not in actuals]
        if missing:
            notes.append(Note(NOTE_YEARS_MISSING, {"years": missing}))
        if t <= y0:
            return _no_data(notes, horizon, trend=TREND_NOT_APPLICABLE, year=t, actual=a_t, target_level=value)
        added = sum(actuals[y] for y in years if y in actuals)
        stock_b: float | None = None
    else:
        stock_b, y0, baseline_notes = _baseline(spec, actuals, y0, t)
        notes.extend(baseline_notes)
        if stock_b is None:
            return Progress(**known, baseline_year_used=y0, notes=tuple(notes))
        known["baseline_level"] = stock_b
        added = a_t - stock_b
    n = spec.target_year - y0
    s = _time_share(t, y0, spec.target_year)
    achieved = holds(added, value, spec.comparator, spec.direction, th)
    p, q, status = _pace(added, 0.0, value, s, achieved, spec.direction, th, notes)
    return Progress(
        **known,
        measured=added,
        baseline_used=0.0,
        baseline_year_used=y0,
        expected=s * value,
        time_share=s,
        progress_share=p,
        pace_ratio=q,
        pace_status=status,
        projected_value=added * n / (t - y0) if t > y0 else None,
        required_annual_growth=(_required(stock_b + value, a_t, t, spec.target_year) if stock_b is not None else None),
        required_per_year=(value - added) / (spec.target_year - t) if t < spec.target_year else None,
        achieved=achieved,
        early=achieved and t < spec.target_year,
        notes=tuple(notes),
    )


def yearly_amounts(spec: TargetSpec, actuals: Mapping[int, float]) -> dict[int, float]:
    """What a per_year target measures each year: the actual itself, or on a stock the increase over the year
    before (a year without the year before's actual has none)."""
    if spec.measure != STOCK:
        return dict(actuals)
    return {y: a - actuals[y - 1] for y, a in actuals.items() if y - 1 in actuals}


def _per_year(
    spec: TargetSpec, actuals: Mapping[int, float], horizon: int, notes: list[Note], th: Thresholds
) -> Progress:
    """per_year: every year of the period against the value. Pace is the share of the years with an actual that
    met it; the target is achieved when every year up to the target year met it. On a stock ("每年新培育5家"
    on the number of centres) a year's amount is the year's increase, which needs the year before's actual too."""
    first = _nominal_baseline_year(spec) + 1
    value = threshold(spec)
    assert value is not None  # noqa: S101 — database constraint
    levels = actuals
    actuals = yearly_amounts(spec, actuals)
    years = [y for y in range(first, horizon + 1) if y in actuals]
    t = max(years) if years else None
    if t is None:
        return _no_data(notes, horizon, trend=TREND_NOT_APPLICABLE, target_level=value)
    missing = [y for y in range(first, t + 1) if y not in actuals]
    if missing:
        notes.append(Note(NOTE_YEARS_MISSING, {"years": missing}))
    met = sum(1 for y in years if holds(actuals[y], value, spec.comparator, spec.direction, th))
    period_years = spec.target_year - first + 1
    achieved = met == period_years
    q = met / len(years)
    return Progress(
        year=t,
        actual=levels[t],
        measured=actuals[t],
        baseline_year_used=first - 1,
        target_level=value,
        expected=value,
        time_share=(t - first + 1) / period_years,
        progress_share=met / period_years,
        pace_ratio=q,
        pace_status=PACE_ACHIEVED if achieved else pace_status(q, th),
        trend_status=TREND_NOT_APPLICABLE,
        years_met=met,
        years_counted=len(years),
        years_elapsed=t - first + 1,
        achieved=achieved,
        notes=tuple(notes),
    )


def _relative(
    spec: TargetSpec,
    actuals: Mapping[int, float],
    parent: Mapping[int, float],
    horizon: int,
    notes: list[Note],
    th: Thresholds,
) -> Progress:
    """relative_to_average: the region against its parent region (the province) in the same year; levels, or the
    compound growth of each since y0 when the plan compares growth rates."""
    common = {y: actuals[y] for y in actuals if y in parent}
    t = _latest(common, horizon)
    latest_own = _latest(actuals, horizon)
    if t is None:
        if latest_own is not None:
            notes.append(Note(NOTE_NO_PARENT_VALUE, {"year": latest_own}))
        return _no_data(notes, horizon, trend=TREND_NOT_APPLICABLE, **_latest_actual(actuals, horizon))
    if latest_own != t:
        notes.append(Note(NOTE_NO_PARENT_VALUE, {"year": latest_own}))
    a_t, level_t = actuals[t], parent[t]
    y0 = _nominal_baseline_year(spec)
    known: dict[str, Any] = {"year": t, "actual": a_t, "trend_status": TREND_NOT_APPLICABLE, "parent_value": level_t}
    if spec.compares == COMPARES_GROWTH:
        # Both growth rates over the same years: y0 moves to the first year both regions have, if need be.
        b, y0, baseline_notes = _baseline(spec, common, y0, t, use_stated=False)
        notes.extend(baseline_notes)
        if b is None or t <= y0:
            if b is not None:
                notes.append(Note(NOTE_ONLY_BASELINE_YEAR))
            return Progress(**known, baseline_year_used=y0, notes=tuple(notes))
        own, average = cagr(b, a_t, t - y0), cagr(parent[y0], level_t, t - y0)
        if own is None or average is None:
            notes.append(Note(NOTE_NOT_POSITIVE))
            return Progress(**known, baseline_year_used=y0, notes=tuple(notes))
        achieved = holds(own, average, spec.comparator, spec.direction, th)
        q = own / average if average > 0 else None
        if achieved:
            status = PACE_ACHIEVED
        elif own < 0 or q is None:
            status = PACE_REGRESSING if own < 0 else PACE_FAR_BEHIND
        else:
            status = pace_status(q, th)
        return Progress(
            **known,
            measured=own,
            baseline_year_used=y0,
            target_level=average,
            expected=average,
            time_share=(t - y0) / (spec.target_year - y0),
            pace_ratio=q,
            pace_status=status,
            observed_growth=own,
            required_growth=average,
            achieved=achieved,
            early=achieved and t < spec.target_year,
            notes=tuple(notes),
        )
    b, y0, baseline_notes = _baseline(spec, actuals, y0, t)
    notes.extend(baseline_notes)
    achieved = holds(a_t, level_t, spec.comparator, spec.direction, th)
    known |= {"measured": a_t, "baseline_used": b, "baseline_year_used": y0, "target_level": level_t}
    if b is None:
        return Progress(
            **known,
            pace_status=PACE_ACHIEVED if achieved else PACE_NO_DATA,
            achieved=achieved,
            early=achieved and t < spec.target_year,
            notes=tuple(notes),
        )
    s = _time_share(t, y0, spec.target_year)
    p, q, status = _pace(a_t, b, level_t, s, achieved, spec.direction, th, notes)
    return Progress(
        **known,
        expected=b + s * (level_t - b),
        time_share=s,
        progress_share=p,
        pace_ratio=q,
        pace_status=status,
        achieved=achieved,
        early=achieved and t < spec.target_year,
        notes=tuple(notes),
    )


# ------------------------------------------------------------------------------------ series (the charts draw these)


def measured_series(spec: TargetSpec, result: Progress, actuals: Mapping[int, float]) -> dict[int, float]:
    """The measured quantity per year: the level; for cumulative targets the amount added since y0; for
    per-year targets the year's amount."""
    y0 = result.baseline_year_used
    if spec.kind == v.PER_YEAR:
        return yearly_amounts(spec, actuals)
    if spec.kind != v.CUMULATIVE_NEW or y0 is None:
        return dict(actuals)
    if spec.measure == v.FLOW:
        added, total = {}, 0.0
        for year in sorted(y for y in actuals if y > y0):
            total += actuals[year]
            added[year] = total
        return added
    base = actuals.get(y0) if result.baseline_used == 0.0 else result.baseline_used
    if base is None:
        return {}
    return {year: value - base for year, value in actuals.items() if year >= y0}


def growth_series(spec: TargetSpec, result: Progress, actuals: Mapping[int, float]) -> dict[int, float]:
    """What a growth-rate target is judged on, per year after y0 up to the target year: the compound annual growth
    of the level since y0 (a fraction; the last one is `observed_growth`). Empty without a positive baseline."""
    y0, b = result.baseline_year_used, result.baseline_used
    if y0 is None or b is None:
        return {}
    series = {}
    for year in sorted(y for y in actuals if y0 < y <= spec.target_year):
        rate = cagr(b, actuals[year], year - y0)
        if rate is not None:
            series[year] = rate
    return series


def plan_path(spec: TargetSpec, result: Progress, year: int) -> float | None:
    """Where the plan's path puts the measured quantity in `year`: linear from B at y0 to the target level, compound
    for growth-rate targets; every year's amount for per-year targets; None outside the path."""
    y0, b, level = result.baseline_year_used, result.baseline_used, result.target_level
    if spec.kind == v.PER_YEAR:
        # Every year of the period: from the year after the baseline year (the year before the period).
        first = (spec.baseline_year + 1) if spec.baseline_year is not None else (spec.period_start or spec.target_year)
        return spec.target_value if first <= year <= spec.target_year else None
    if y0 is None or b is None or level is None or spec.kind == v.RELATIVE_TO_AVERAGE or not y0 <= year:
        return None
    if year > spec.target_year or spec.target_year == y0:
        return None
    share = (year - y0) / (spec.target_year - y0)
    if spec.kind == v.ANNUAL_GROWTH_RATE and b > 0 and level > 0:
        return float(b * (level / b) ** share)  # the compound path the stated rate implies
    return b + share * (level - b)


def projection_path(spec: TargetSpec, result: Progress, year: int) -> float | None:
    """The measured quantity in `year` if the current pace goes on, from the evaluation year t to the projected
    value at the target year (compound for levels, linear for amounts added); None outside t…target year."""
    t, m_t, end = result.year, result.measured, result.projected_value
    if t is None or m_t is None or end is None or not t <= year <= spec.target_year or t >= spec.target_year:
        return None
    share = (year - t) / (spec.target_year - t)
    if spec.kind != v.CUMULATIVE_NEW and m_t > 0 and end > 0:
        return float(m_t * (end / m_t) ** share)
    return m_t + share * (end - m_t)


def judged(result: Progress, verdict: str, year: int) -> Progress:
    """The result with a reviewer's verdict on the target for `year` (a qualitative target judged by hand): the
    verdict becomes its status, and a note says so."""
    v.checked("verdict", verdict, v.VERDICTS)
    return replace(
        result, verdict=verdict, verdict_year=year, notes=(*result.notes, Note(NOTE_VERDICT, {"year": year}))
    )


@dataclass(frozen=True)
class Completion:
    """How the completion p (`progress_share`) was obtained, term by term, so a page can print the sum:
    (reached − start) ÷ (goal − goal_start) = share; a term that is None is left out ("288 ÷ 400", "3 ÷ 5")."""

    reached: float
    start: float | None
    goal: float
    goal_start: float | None
    share: float


def completion_terms(spec: TargetSpec, result: Progress) -> Completion | None:
    """The terms of the completion the method computed (None when it computed none):
    - cumulative_new on a stock: (A_t − A_y0) ÷ N (e.g. Xinxiang 新培育400家: (690 − 402) ÷ 400 = 72 %); on a flow
      the sum added ÷ N;
    - per_year: years met ÷ years of the period;
    - every other kind: (M_t − B) ÷ (L − B), L the level aimed at (2 × B for 翻番, the province's for the average,
      B·(1 + r)ⁿ for a growth rate)."""
    share = result.progress_share
    if share is None or not math.isfinite(share):
        return None
    if spec.kind == PER_YEAR:
        if result.years_met is None or spec.target_year is None:
            return None
        first = _nominal_baseline_year(spec) + 1
        return Completion(float(result.years_met), None, float(spec.target_year - first + 1), None, share)
    if result.measured is None or result.target_level is None:
        return None
    if spec.kind == CUMULATIVE_NEW:
        if result.baseline_level is not None:
            if result.actual is None:
                return None
            return Completion(result.actual, result.baseline_level, result.target_level, None, share)
        return Completion(result.measured, None, result.target_level, None, share)
    reached = result.actual if spec.kind == ANNUAL_GROWTH_RATE else result.measured  # a growth rate: the level
    b = result.baseline_used
    if reached is None or b is None:
        return None
    return Completion(reached, b, result.target_level, b, share)


def projection_meets(spec: TargetSpec, result: Progress, thresholds: Thresholds | None = None) -> bool | None:
    """Whether the projection at the current pace (`projected_value`, in the measured quantity) meets the level
    aimed at in the target year; None when there is no projection."""
    if spec.kind == ANNUAL_GROWTH_RATE:
        return None  # its projection continues the observed growth: it meets the rate exactly when the rate is met
    end, level = result.projected_value, result.target_level
    if end is None or level is None or not math.isfinite(end):
        return None
    return holds(end, level, spec.comparator, spec.direction, thresholds or Thresholds())


# Where the pace (序时进度) and the trend say different things, the pages say both.
LAGGING_BUT_ON_TRACK: Final = "lagging_but_on_track"  # 按序时进度滞后，按当前趋势可实现
ON_PACE_BUT_OFF_TRACK: Final = "on_pace_but_off_track"  # 按序时进度符合预期，按当前趋势难以实现
_BEHIND: Final = (PACE_LAGGING, PACE_FAR_BEHIND)
_ON_PACE: Final = (PACE_AHEAD, PACE_ON_SCHEDULE)
_OFF_TRACK: Final = (TREND_ACCELERATION_NEEDED, TREND_LIMITED_PROGRESS, TREND_DETERIORATION)


def disagreement(spec: TargetSpec, result: Progress, thresholds: Thresholds | None = None) -> str | None:
    """LAGGING_BUT_ON_TRACK when the pace lags (or lags far) while the trend is on track or the projection meets
    the target (e.g. Zhengzhou 技术合同成交额: 滞后, projected 1078 against 1000); ON_PACE_BUT_OFF_TRACK when the pace
    is on schedule or ahead while the trend needs acceleration or worse, or the projection falls short."""
    if result.achieved:
        return None
    meets = projection_meets(spec, result, thresholds)
    if result.pace_status in _BEHIND and (result.trend_status == TREND_ON_TRACK or meets is True):
        return LAGGING_BUT_ON_TRACK
    if result.pace_status in _ON_PACE and (result.trend_status in _OFF_TRACK or meets is False):
        return ON_PACE_BUT_OFF_TRACK
    return None


def status(result: Progress) -> str:
    """The one status a target is shown with (a code of plans.vocabulary.STATUSES): a reviewer's verdict when one
    was recorded (qualitative targets: 已实现 / 部分实现 / 未实现); 提前实现 when met before the target year, 未实现
    when the target year has come and the comparator does not hold (a final evaluation says so whatever the pace),
    未量化 when the target states no number, else the pace band."""
    if result.verdict is not None:
        return result.verdict
    if result.pace_status == PACE_ACHIEVED and result.early:
        return v.ACHIEVED_EARLY
    if result.achieved is False and result.time_share is not None and result.time_share >= 1:
        return v.NOT_ACHIEVED
    if result.pace_status == PACE_NO_DATA and any(note.code == NOTE_NOT_QUANTIFIED for note in result.notes):
        return v.NOT_QUANTIFIED
    if any(note.code == NOTE_NO_TARGET_YEAR_ACTUAL for note in result.notes):
        return v.NO_DATA
    return result.pace_status


def summary(results: list[Progress]) -> dict[str, int]:
    """How many targets have each status, every status of plans.vocabulary.STATUSES in its order."""
    counts = dict.fromkeys(v.STATUSES, 0)
    for result in results:
        counts[status(result)] += 1
    return counts


def is_finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)
