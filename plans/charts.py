"""Charts of progress: pure functions, a target's yearly figures (a DataFrame) in, a Plotly figure out.

`target_frame` lays out what one evaluated target shows — actuals, the plan's path from the baseline to the
target, the projection at the current pace, the province's series for "above the average" targets — and
`target_figure` draws it. The page hands the figure to plotly.js through json_script (static/js/charts.js).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from plans import progress as pr

COLUMNS = ("year", "actual", "plan", "projection", "province")


@dataclass(frozen=True)
class ChartText:
    """The words on a chart, translated by the caller."""

    title: str
    unit: str
    year: str
    actual: str
    plan: str
    projection: str
    province: str
    target: str
    baseline: str


def _measured_series(spec: pr.TargetSpec, result: pr.Progress, actuals: Mapping[int, float]) -> dict[int, float]:
    """The measured quantity per year: the level, or for cumulative targets the amount added since y0."""
    y0 = result.baseline_year_used
    if spec.kind != pr.CUMULATIVE_NEW or y0 is None:
        return dict(actuals)
    if spec.measure == pr.FLOW:
        added, total = {}, 0.0
        for year in sorted(y for y in actuals if y > y0):
            total += actuals[year]
            added[year] = total
        return added
    base = actuals.get(y0) if result.baseline_used == 0.0 else result.baseline_used
    if base is None:
        return {}
    return {year: value - base for year, value in actuals.items() if year >= y0}


def _plan_path(spec: pr.TargetSpec, result: pr.Progress, year: int) -> float | None:
    y0, b, level = result.baseline_year_used, result.baseline_used, result.target_level
    if spec.kind == pr.PER_YEAR:
        # Every year of the period: from the year after the baseline year (the year before the period).
        first = (spec.baseline_year + 1) if spec.baseline_year is not None else (spec.period_start or spec.target_year)
        return spec.target_value if first <= year <= spec.target_year else None
    if y0 is None or b is None or level is None or spec.kind == pr.RELATIVE_TO_AVERAGE or not y0 <= year:
        return None
    if year > spec.target_year or spec.target_year == y0:
        return None
    share = (year - y0) / (spec.target_year - y0)
    if spec.kind == pr.ANNUAL_GROWTH_RATE and b > 0 and level > 0:
        return float(b * (level / b) ** share)  # the compound path the stated rate implies
    return b + share * (level - b)


def _projection(spec: pr.TargetSpec, result: pr.Progress, year: int) -> float | None:
    t, m_t, end = result.year, result.measured, result.projected_value
    if t is None or m_t is None or end is None or not t <= year <= spec.target_year or t >= spec.target_year:
        return None
    share = (year - t) / (spec.target_year - t)
    if spec.kind != pr.CUMULATIVE_NEW and m_t > 0 and end > 0:
        return float(m_t * (end / m_t) ** share)
    return m_t + share * (end - m_t)


def target_frame(
    spec: pr.TargetSpec,
    result: pr.Progress,
    actuals: Mapping[int, float],
    province: Mapping[int, float] | None = None,
) -> pd.DataFrame:
    """One row per year from the first figure to the target year: actual (the measured quantity), plan path,
    projection and the province's series, NaN where a figure does not exist."""
    measured = _measured_series(spec, result, actuals)
    province = province or {}
    years = [*measured, *province, spec.target_year]
    if result.baseline_year_used is not None:
        years.append(result.baseline_year_used)
    first = min(years)
    rows = []
    for year in range(first, max(max(years), spec.target_year) + 1):
        rows.append(
            {
                "year": year,
                "actual": measured.get(year),
                "plan": _plan_path(spec, result, year),
                "projection": _projection(spec, result, year),
                "province": province.get(year),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS)).astype({"year": int}).astype({c: float for c in COLUMNS[1:]})


def _present(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame[frame[column].notna()]


def _values(series: pd.Series) -> list[Any]:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in series.tolist()]


def target_figure(frame: pd.DataFrame, spec: pr.TargetSpec, result: pr.Progress, text: ChartText) -> dict[str, Any]:
    """The chart of one target as a plotly.js figure (data + layout), ready for json_script."""
    figure = go.Figure()
    plan = _present(frame, "plan")
    if not plan.empty:
        figure.add_trace(
            go.Scatter(
                x=plan["year"].tolist(),
                y=_values(plan["plan"]),
                name=text.plan,
                mode="lines",
                line={"dash": "dash", "color": "#829ab1"},
            )
        )
    province = _present(frame, "province")
    if not province.empty:
        figure.add_trace(
            go.Scatter(
                x=province["year"].tolist(),
                y=_values(province["province"]),
                name=text.province,
                mode="lines+markers",
                line={"color": "#c99a06"},
            )
        )
    actual = _present(frame, "actual")
    if not actual.empty:
        bars = spec.kind == pr.PER_YEAR
        trace = go.Bar if bars else go.Scatter
        style: dict[str, Any] = {"marker": {"color": "#0b3d91"}}
        if not bars:
            style |= {"mode": "lines+markers", "line": {"color": "#0b3d91", "width": 3}}
        figure.add_trace(trace(x=actual["year"].tolist(), y=_values(actual["actual"]), name=text.actual, **style))
    projection = _present(frame, "projection")
    if len(projection) > 1:
        figure.add_trace(
            go.Scatter(
                x=projection["year"].tolist(),
                y=_values(projection["projection"]),
                name=text.projection,
                mode="lines",
                line={"dash": "dot", "color": "#0b3d91"},
            )
        )
    if result.baseline_used is not None and result.baseline_year_used is not None:
        figure.add_trace(
            go.Scatter(
                x=[result.baseline_year_used],
                y=[result.baseline_used],
                name=text.baseline,
                mode="markers",
                marker={"symbol": "circle-open", "size": 11, "color": "#334e68"},
            )
        )
    level = result.target_level if spec.kind != pr.RELATIVE_TO_AVERAGE else None
    if level is None and spec.kind in (pr.LEVEL, pr.QUALITATIVE, pr.PER_YEAR, pr.CUMULATIVE_NEW):
        level = spec.target_value  # no actual yet: the target still shows where the plan aims
    if level is not None and pr.is_finite(level):
        marker: dict[str, Any] = {"symbol": "star", "size": 14, "color": "#2f8132"}
        error = None
        if spec.target_value_max is not None and spec.target_value is not None:
            # A range: the star on the lower bound, a bar up to the upper one.
            error = {
                "type": "data",
                "symmetric": False,
                "array": [spec.target_value_max - spec.target_value],
                "arrayminus": [0],
                "color": "#2f8132",
                "thickness": 3,
            }
        figure.add_trace(
            go.Scatter(x=[spec.target_year], y=[level], name=text.target, mode="markers", marker=marker, error_y=error)
        )
    figure.update_layout(
        title={"text": text.title, "font": {"size": 14}},
        xaxis={"title": {"text": text.year}, "dtick": 1, "tickformat": "d"},
        yaxis={"title": {"text": text.unit}, "rangemode": "tozero" if spec.kind != pr.ANNUAL_GROWTH_RATE else "normal"},
        legend={"orientation": "h", "y": -0.25},
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
        height=340,
        template="none",
        font={"family": 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'},
    )
    return figure.to_plotly_json()
