"""Properties of the progress method (plans.progress) over random targets and series. Pure: no database.

(a) a better actual never gives a worse pace or trend status (higher is better); (c) the same, mirrored, when lower
is better; (b) `achieved` is exactly "the comparator holds", worked out here from the method's text; (d) the pace
status is `achieved` exactly when the target is achieved; (e) nothing raises and every figure is finite.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from plans import progress as pr
from plans import vocabulary as v
from plans.progress import Progress, TargetSpec, evaluate

PACE_RANK = {status: i for i, status in enumerate(pr.PACE_STATUSES) if status != pr.PACE_NO_DATA}
TREND_RANK = {
    status: i
    for i, status in enumerate(pr.TREND_STATUSES)
    if status not in (pr.TREND_INSUFFICIENT_DATA, pr.TREND_NOT_APPLICABLE)
}
ABOUT = 0.95  # "X 左右" is met at 95 % of X (at most 105 % of X when lower is better)
NOTE_CODES = {value for name, value in vars(pr).items() if name.startswith("NOTE_")}
FLOAT_FIELDS = [f.name for f in dataclasses.fields(Progress) if "float" in str(f.type)]

levels = st.floats(min_value=0.1, max_value=1000).map(lambda v: round(v, 6))  # the database keeps 6 decimals


def numbers(low: float, high: float) -> st.SearchStrategy[float]:
    """A target's number as the database stores it: 6 decimals."""
    return st.floats(low, high).map(lambda v: round(v, 6))


levels_or_zero = st.one_of(levels, st.just(0.0))


@dataclass(frozen=True)
class Case:
    spec: TargetSpec
    actuals: dict[int, float]
    parent: dict[int, float]
    as_of: int | None = None

    def run(self) -> Progress:
        return evaluate(self.spec, self.actuals, as_of=self.as_of, parent=self.parent)


# ---------------------------------------------------------------------------------------------------- (a), (c)

# (kind, measure, compares) with a measure that grows with the actual of the evaluation year.
HIGHER_KINDS = [
    (v.LEVEL, "stock", v.LEVEL),
    (v.MULTIPLE_OF_BASELINE, "stock", v.LEVEL),
    (v.ANNUAL_GROWTH_RATE, "flow", v.LEVEL),
    (v.CUMULATIVE_NEW, "stock", v.LEVEL),
    (v.CUMULATIVE_NEW, v.FLOW, v.LEVEL),
    (v.QUALITATIVE, "ratio", v.LEVEL),
    (v.RELATIVE_TO_AVERAGE, "ratio", v.LEVEL),
    (v.RELATIVE_TO_AVERAGE, "stock", v.COMPARES_GROWTH),
]
LOWER_KINDS = [
    (v.LEVEL, "stock", v.LEVEL),  # a rank
    (v.MULTIPLE_OF_BASELINE, "stock", v.LEVEL),  # "halve": a factor below 1
    (v.ANNUAL_GROWTH_RATE, "stock", v.LEVEL),  # a yearly decline: a negative rate
    (v.CUMULATIVE_NEW, "stock", v.LEVEL),  # "reduce by N": a negative amount
    (v.RELATIVE_TO_AVERAGE, "ratio", v.LEVEL),  # below the provincial average
]
HIGHER_COMPARATORS = [">=", ">", "=", "about", "range"]
LOWER_COMPARATORS = ["<=", "=", "about", "range"]


@st.composite
def monotone_cases(draw: st.DrawFn, direction: str) -> tuple[Case, int]:
    """A target, its series without the evaluation year t, and t (the caller adds two actuals for t)."""
    kind, measure, compares = draw(st.sampled_from(HIGHER_KINDS if direction == v.HIGHER else LOWER_KINDS))
    comparator = draw(st.sampled_from(HIGHER_COMPARATORS if direction == v.HIGHER else LOWER_COMPARATORS))
    y0 = draw(st.integers(2015, 2033))
    target_year = draw(st.integers(y0 + 1, 2035))
    t = draw(st.integers(y0, target_year))
    sign = 1 if direction == v.HIGHER else -1
    value: float | None
    if kind == v.RELATIVE_TO_AVERAGE:
        value = None
        if comparator == "range":  # a relative target has no number, hence no range
            comparator = ">" if direction == v.HIGHER else "<="
    elif kind == v.MULTIPLE_OF_BASELINE:
        value = draw(numbers(0.5, 4) if direction == v.HIGHER else numbers(0.2, 1.5))
    elif kind == v.ANNUAL_GROWTH_RATE:
        value = draw(numbers(-5, 30) if direction == v.HIGHER else numbers(-20, -0.5))
    elif kind == v.CUMULATIVE_NEW:
        value = sign * draw(levels)
    elif kind == v.QUALITATIVE:
        value = draw(numbers(1, 100))
    else:
        value = draw(levels)
    value_max = None
    if comparator == "range":
        assert value is not None
        value_max = value + draw(numbers(0, abs(value)))
        if kind == v.ANNUAL_GROWTH_RATE and direction == v.LOWER:
            value_max = min(value_max, -0.5)  # a range of declines
    baseline = draw(st.sampled_from(["stated", "actual", "moved"]))
    b = draw(levels_or_zero if kind in (v.LEVEL, v.CUMULATIVE_NEW) else levels)
    actuals: dict[int, float] = {}
    if baseline == "actual" or (baseline == "stated" and draw(st.booleans())):
        actuals[y0] = b if baseline == "actual" else draw(levels)
    for year in range(y0 + 1, t):
        if draw(st.booleans()):
            actuals[year] = draw(levels)
    parent: dict[int, float] = {}
    if kind == v.RELATIVE_TO_AVERAGE:
        parent = {y0: draw(levels), t: draw(levels)} | {y: draw(levels) for y in actuals if draw(st.booleans())}
    spec = TargetSpec(
        kind=kind,
        comparator=comparator,
        target_year=target_year,
        target_value=value,
        target_value_max=value_max,
        baseline_year=y0,
        baseline_value=b if baseline == "stated" else None,
        period_start=y0 + 1,
        direction=direction,
        measure=measure,
        compares=compares,
    )
    return Case(spec, actuals, parent), t


def assert_not_worse(worse: str, better: str, ranks: Mapping[str, int], achieved: str) -> None:
    """`better` comes from the better actual: it ranks at least as well; a better actual never loses a status it
    had, gains one only by achieving the target, and has no status for the same reason when neither has one."""
    if worse in ranks and better in ranks:
        assert ranks[better] <= ranks[worse], (worse, better)
    elif worse in ranks:
        raise AssertionError(f"the better actual lost its status: {worse} → {better}")
    elif better in ranks:
        assert better == achieved, (worse, better)
    else:
        assert better == worse


def check_monotone(case: Case, t: int, worse_actual: float, better_actual: float) -> None:
    worse = dataclasses.replace(case, actuals=case.actuals | {t: worse_actual}).run()
    better = dataclasses.replace(case, actuals=case.actuals | {t: better_actual}).run()
    assert_not_worse(worse.pace_status, better.pace_status, PACE_RANK, pr.PACE_ACHIEVED)
    assert_not_worse(worse.trend_status, better.trend_status, TREND_RANK, pr.TREND_ACHIEVED)
    if worse.achieved:
        assert better.achieved
    assert (worse.achieved is None) == (better.achieved is None)


@settings(max_examples=200, deadline=None, database=None)
@given(monotone_cases(v.HIGHER), levels, levels)
def test_a_larger_actual_never_gives_a_worse_status_when_higher_is_better(
    drawn: tuple[Case, int], x1: float, x2: float
) -> None:
    assume(x1 != x2)
    case, t = drawn
    check_monotone(case, t, min(x1, x2), max(x1, x2))


@settings(max_examples=200, deadline=None, database=None)
@given(monotone_cases(v.LOWER), levels, levels)
def test_a_smaller_actual_never_gives_a_worse_status_when_lower_is_better(
    drawn: tuple[Case, int], x1: float, x2: float
) -> None:
    assume(x1 != x2)
    case, t = drawn
    check_monotone(case, t, max(x1, x2), min(x1, x2))


# ---------------------------------------------------------------------------------------------------- (b), (d), (e)

KINDS = [
    v.LEVEL,
    v.ANNUAL_GROWTH_RATE,
    v.CUMULATIVE_NEW,
    v.PER_YEAR,
    v.MULTIPLE_OF_BASELINE,
    v.RELATIVE_TO_AVERAGE,
    v.QUALITATIVE,
]
COMPARATORS = [">=", ">", "=", "about", "range", "<="]
series = st.dictionaries(st.integers(2015, 2035), st.one_of(levels, st.just(0.0)), max_size=8)


@st.composite
def any_cases(draw: st.DrawFn) -> Case:
    """Any target the database allows, with sparse series of non-negative levels in 2015–2035."""
    kind = draw(st.sampled_from(KINDS))
    direction = draw(st.sampled_from([v.HIGHER, v.LOWER]))
    comparator = draw(st.sampled_from(COMPARATORS))
    target_year = draw(st.integers(2016, 2035))
    baseline_year = draw(st.one_of(st.none(), st.integers(2015, target_year - 1)))
    period_start = draw(st.integers(2016, target_year))
    value: float | None
    if kind == v.ANNUAL_GROWTH_RATE:
        value = draw(numbers(-20, 30))
    elif kind == v.MULTIPLE_OF_BASELINE:
        value = draw(numbers(0.1, 5))
    elif kind == v.CUMULATIVE_NEW:
        value = draw(numbers(-100, 1000))
    elif kind in (v.RELATIVE_TO_AVERAGE, v.QUALITATIVE):
        value = draw(st.one_of(st.none(), levels))
    else:
        value = draw(levels)
    if value is None and comparator == "range":
        comparator = ">="
    value_max = None if comparator != "range" or value is None else value + draw(numbers(0, 100))
    baseline_value = draw(st.one_of(st.none(), levels_or_zero))
    spec = TargetSpec(
        kind=kind,
        comparator=comparator,
        target_year=target_year,
        target_value=value,
        target_value_max=value_max,
        baseline_year=baseline_year,
        baseline_value=baseline_value,
        period_start=period_start,
        direction=direction,
        measure=draw(st.sampled_from(["stock", v.FLOW, "ratio"])),
        compares=draw(st.sampled_from([v.LEVEL, v.COMPARES_GROWTH])) if kind == v.RELATIVE_TO_AVERAGE else v.LEVEL,
    )
    as_of = draw(st.one_of(st.none(), st.integers(2015, 2037)))
    return Case(spec, draw(series), draw(series), as_of)


def meets(value: float, target: float, comparator: str, direction: str, upper: float | None = None) -> bool:
    """The comparator as the method states it: ">=", "=" and "range" (its lower bound) read as at least when higher
    is better; "about" as at least 95 % of the value; "<=" as at most; ">" literally. When lower is better the same,
    mirrored: "<=", "=" and "range" (its upper bound) as at most, "about" as at most 105 %; ">" and ">=" literally."""
    if comparator == ">":
        return value > target
    if direction == v.HIGHER:
        if comparator == "<=":
            return value <= target
        if comparator == "about":
            return value >= ABOUT * target
        return value >= target
    if comparator == ">=":
        return value >= target
    if comparator == "about":
        return value <= 1.05 * target
    if comparator == "range":
        assert upper is not None
        return value <= upper
    return value <= target


def growth(start: float, end: float, years: int) -> float | None:
    if start <= 0 or end < 0 or years <= 0:
        return None
    return float((end / start) ** (1 / years) - 1)


def expected_achieved(case: Case) -> bool | None:
    """Whether the comparator holds at the evaluation year, worked out from the method's text (None: cannot say)."""
    spec, actuals = case.spec, case.actuals
    horizon = spec.target_year if case.as_of is None else min(case.as_of, spec.target_year)
    y0 = spec.baseline_year if spec.baseline_year is not None else (spec.period_start or spec.target_year - 4) - 1
    value, upper = spec.target_value, spec.target_value_max
    if spec.kind == v.QUALITATIVE and value is None:
        return None
    if spec.kind == v.PER_YEAR:
        assert value is not None
        if spec.measure == "stock":  # the year's amount is the increase over the year before
            actuals = {y: a - actuals[y - 1] for y, a in actuals.items() if y - 1 in actuals}
        period = range(y0 + 1, spec.target_year + 1)
        if not any(y in actuals for y in range(y0 + 1, horizon + 1)):
            return None
        return all(
            y <= horizon and y in actuals and meets(actuals[y], value, spec.comparator, spec.direction, upper)
            for y in period
        )
    own = actuals
    if spec.kind == v.RELATIVE_TO_AVERAGE:
        own = {y: v for y, v in actuals.items() if y in case.parent}
    years = [y for y in own if y <= horizon]
    if not years:
        return None
    t = max(years)
    a_t = actuals[t]

    def baseline(series: Mapping[int, float], stated: float | None) -> tuple[float | None, int]:
        if stated is not None:
            return stated, y0
        if y0 in series:
            return series[y0], y0
        later = [y for y in series if y0 < y <= t]
        return (series[min(later)], min(later)) if later else (None, y0)

    if spec.kind == v.RELATIVE_TO_AVERAGE:
        parent_t = case.parent[t]
        if spec.compares == v.COMPARES_GROWTH:
            b, y_0 = baseline(own, None)
            if b is None or t <= y_0:
                return None
            mine, average = growth(b, a_t, t - y_0), growth(case.parent[y_0], parent_t, t - y_0)
            if mine is None or average is None:
                return None
            return meets(mine, average, spec.comparator, spec.direction, average)
        return meets(a_t, parent_t, spec.comparator, spec.direction, parent_t)  # the average is the whole target
    assert value is not None
    if spec.kind in (v.LEVEL, v.QUALITATIVE):
        return meets(a_t, value, spec.comparator, spec.direction, upper)
    if spec.kind == v.MULTIPLE_OF_BASELINE:
        b, _ = baseline(actuals, spec.baseline_value)
        if b is None:
            return None
        return meets(a_t, value * b, spec.comparator, spec.direction, None if upper is None else upper * b)
    if spec.kind == v.ANNUAL_GROWTH_RATE:
        b, y_0 = baseline(actuals, None)  # the stated baseline of a growth target is a rate: B is a level
        if b is None or t <= y_0:
            return None
        g = growth(b, a_t, t - y_0)
        if g is None:
            return None
        return meets(g, value / 100, spec.comparator, spec.direction, None if upper is None else upper / 100)
    assert spec.kind == v.CUMULATIVE_NEW
    if spec.measure == v.FLOW:
        if t <= y0:
            return None
        added = sum(actuals[y] for y in range(y0 + 1, t + 1) if y in actuals)
    else:
        b, _ = baseline(actuals, spec.baseline_value)
        if b is None:
            return None
        added = a_t - b
    return meets(added, value, spec.comparator, spec.direction, upper)


@settings(max_examples=200, deadline=None, database=None)
@given(any_cases())
def test_achieved_is_exactly_the_comparator_holding(case: Case) -> None:
    assert case.run().achieved == expected_achieved(case)


@settings(max_examples=200, deadline=None, database=None)
@given(any_cases())
def test_the_status_is_achieved_exactly_when_the_target_is(case: Case) -> None:
    result = case.run()
    assert (result.pace_status == pr.PACE_ACHIEVED) == (result.achieved is True)
    if case.spec.kind in v.TREND_KINDS:
        assert (result.trend_status == pr.TREND_ACHIEVED) == (result.achieved is True)
    if result.early:
        assert result.achieved is True
        assert result.year is not None
        assert result.year < case.spec.target_year


@settings(max_examples=200, deadline=None, database=None)
@given(any_cases())
def test_any_valid_target_evaluates_to_finite_figures(case: Case) -> None:
    result = case.run()
    for name in FLOAT_FIELDS:
        figure = getattr(result, name)
        assert figure is None or math.isfinite(figure), (name, figure)
    assert result.pace_status in pr.PACE_STATUSES
    assert result.trend_status in pr.TREND_STATUSES
    assert (result.trend_status == pr.TREND_NOT_APPLICABLE) == (case.spec.kind not in v.TREND_KINDS)
    assert {note.code for note in result.notes} <= NOTE_CODES
    horizon = case.spec.target_year if case.as_of is None else min(case.as_of, case.spec.target_year)
    if result.year is not None:
        assert result.year <= horizon
        assert result.actual == case.actuals[result.year]
    if result.achieved is None:
        assert result.pace_status == pr.PACE_NO_DATA


@settings(max_examples=200, deadline=None, database=None)
@given(any_cases())
def test_the_evaluation_year_is_the_latest_year_with_an_actual(case: Case) -> None:
    result = case.run()
    spec = case.spec
    horizon = spec.target_year if case.as_of is None else min(case.as_of, spec.target_year)
    candidates = set(case.actuals)
    if spec.kind == v.RELATIVE_TO_AVERAGE:
        candidates &= set(case.parent)
    if spec.kind == v.PER_YEAR:
        y0 = spec.baseline_year if spec.baseline_year is not None else (spec.period_start or 0) - 1
        candidates = {y for y in candidates if y > y0}
        if spec.measure == "stock":  # an increase needs the year before's actual
            candidates = {y for y in candidates if y - 1 in case.actuals}
    years = [y for y in candidates if y <= horizon]
    if spec.kind == v.RELATIVE_TO_AVERAGE and not years:
        own = [y for y in case.actuals if y <= horizon]
        assert result.year == (max(own) if own else None)  # shown, though it cannot be compared
    else:
        assert result.year == (max(years) if years else None)
