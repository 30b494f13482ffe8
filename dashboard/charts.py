"""Charts of progress: pure functions, a DataFrame in, a plotly.js figure (a plain data + layout dict) out.

`target_frame` lays out what one evaluated target shows — actuals, the plan's path from the baseline to the
target, the projection at the current pace, the province's series for "above the average" targets — and
`target_figure` draws it. `progress_figure`, `actuals_figure` and `status_counts_figure` draw the indicator page
and the province overview. Pages hand the figures to plotly.js through json_script (static/js/charts.js).

The figures are built as plain dicts in plotly.js's own schema, not through plotly.graph_objects: validating
every property in Python cost ~20 ms per chart, a city page with 74 charts took 0.8 s. The tests feed every
figure through `plotly.graph_objects.Figure` to check it against the schema instead.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from indicators.numbers import exact as exact_text
from indicators.units import is_count
from plans import progress as pr
from plans import vocabulary as v

COLUMNS = ("year", "actual", "plan", "projection", "province")

# One colour per status (every code of plans.vocabulary.STATUSES, in its order); the badges and matrix cells
# (site.css) use the same hues, and the status word is always written beside the colour.
STATUS_COLOURS: Mapping[str, str] = {
    v.ACHIEVED_EARLY: "#1b5e20",
    v.ACHIEVED: "#2f8132",
    v.AHEAD: "#1f6fd1",
    v.ON_SCHEDULE: "#6ea8e6",
    v.PARTLY_ACHIEVED: "#7cb342",
    v.LAGGING: "#d9a400",
    v.FAR_BEHIND: "#d4442e",
    v.REGRESSING: "#8e1b1b",
    v.NOT_ACHIEVED: "#6a1b4d",
    v.NOT_QUANTIFIED: "#bcccdc",
    v.NO_DATA: "#9fb3c8",
}
FONT = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'
ACTUAL = "#0b3d91"

Figure = dict[str, Any]


@dataclass(frozen=True)
class ChartText:
    """The words on a target's chart, translated by the caller."""

    title: str
    unit: str
    year: str
    actual: str
    plan: str
    projection: str
    province: str
    target: str
    baseline: str
    growth: str = "Average annual growth since the baseline year"  # the axis of a growth-rate target's chart
    original_target: str = "Original target"  # a revised target: the two lines' names
    revised_target: str = "Revised target"


def growth_frame(spec: pr.TargetSpec, result: pr.Progress, actuals: Mapping[int, float]) -> pd.DataFrame:
    """A growth-rate target in what it is judged on, percent: the average annual growth of the level since the
    baseline year in each year (plans.progress.growth_series), the stated rate as the plan's line from the year
    after the baseline year to the target year; no projection (the table under the chart keeps the levels)."""
    growth = pr.growth_series(spec, result, actuals)
    y0 = result.baseline_year_used
    rate = pr.threshold(spec)
    first = min([*growth, (y0 + 1) if y0 is not None else spec.target_year])
    span = range(first, spec.target_year + 1)
    nan = math.nan
    return pd.DataFrame(
        {
            "year": list(span),
            "actual": [growth[y] * 100 if y in growth else nan for y in span],
            "plan": [float(rate) if rate is not None and y0 is not None and y > y0 else nan for y in span],
            "projection": [nan for _y in span],
            "province": [nan for _y in span],
        },
        columns=list(COLUMNS),
    )


def count_dtick(top: float) -> int:
    """The tick step of a count axis: whole things, about five ticks (1, 2, 5, 10, 20, 50, …)."""
    step, factors = 1, itertools.cycle((2, 2.5, 2))  # 1 → 2 → 5 → 10 → 20 → 50 …
    while top / step > 6:
        step = int(step * next(factors))
    return step


def target_frame(
    spec: pr.TargetSpec,
    result: pr.Progress,
    actuals: Mapping[int, float],
    province: Mapping[int, float] | None = None,
) -> pd.DataFrame:
    """One row per year from the first figure to the target year: actual (the measured quantity), plan path,
    projection and the province's series, NaN where a figure does not exist."""
    measured = pr.measured_series(spec, result, actuals)
    province = province or {}
    years = [*measured, *province, spec.target_year]
    if result.baseline_year_used is not None:
        years.append(result.baseline_year_used)
    span = range(min(years), max(max(years), spec.target_year) + 1)
    nan = math.nan

    def column(values: Sequence[float | None]) -> list[float]:
        return [nan if v is None else float(v) for v in values]

    return pd.DataFrame(
        {
            "year": list(span),
            "actual": column([measured.get(y) for y in span]),
            "plan": column([pr.plan_path(spec, result, y) for y in span]),
            "projection": column([pr.projection_path(spec, result, y) for y in span]),
            "province": column([province.get(y) for y in span]),
        },
        columns=list(COLUMNS),
    )


def _numbers(values: Any) -> list[float | None]:
    """JSON-ready values: NaN (which JSON cannot hold) as null."""
    return [None if v != v else v for v in values.tolist()]  # NaN is the only value not equal to itself


def _line(frame: pd.DataFrame, column: str, name: str, **style: Any) -> Figure | None:
    values = frame[column].to_numpy()
    present = ~pd.isna(values)
    if not present.any():
        return None
    years = frame["year"].to_numpy()[present]
    return {"type": "scatter", "x": years.tolist(), "y": _numbers(values[present]), "name": name, **style}


def _layout(title: str, *, height: int, **axes: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "font": {"size": 14}},
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 60},
        "font": {"family": FONT},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "y": -0.25},
        "showlegend": True,  # even for one trace: the legend names what the line is (the province's series, …)
        **axes,
    }


def _axis(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "gridcolor": "#e4e7eb", "zeroline": False, **extra}


def _title(title: str) -> str:
    """A whole title on at most two lines: a long one breaks after the indicator's name (plotly does not wrap)."""
    head, sep, tail = title.partition(" · ")
    return f"{head}<br>{tail}" if sep and len(title) > 26 else title


def _top(data: list[Figure | None]) -> float:
    values = [float(y) for trace in data if trace is not None for y in trace["y"] if y is not None]
    return max([*values, 0.0])


def target_figure(
    frame: pd.DataFrame,
    spec: pr.TargetSpec,
    result: pr.Progress,
    text: ChartText,
    *,
    hover: Mapping[int, str] | None = None,
    target_hover: str = "",
    original: tuple[pr.TargetSpec, pr.Progress] | None = None,
) -> Figure:
    """The chart of one target: plan path, the province's series, actuals (bars for per-year targets),
    projection, baseline point and the target (a star; a bar up to the upper bound for ranges). A growth-rate
    target is drawn in percent from `growth_frame`. `hover` adds a line per year to the actuals' hover (where the
    value comes from), `target_hover` one to the target's (the completion formula); every stored number hovers
    as stored (exact_text), never rounded. `original`: the target as the plan states it, when `spec` and `result`
    are a revised target's (plans.revisions): both levels are drawn as lines, the original dashed grey, the
    revised solid, each named."""
    growth = spec.kind == v.ANNUAL_GROWTH_RATE
    unit = "%" if growth else text.unit
    data: list[Figure | None] = [
        _line(frame, "plan", text.plan, mode="lines", line={"dash": "dash", "color": "#829ab1"}),
        _line(frame, "province", text.province, mode="lines+markers", line={"color": "#c99a06"}),
    ]
    if data[1] is not None:
        data[1] = _exact_hover(data[1], text.province, unit)
    if spec.kind == v.PER_YEAR:
        actual = _line(frame, "actual", text.actual, marker={"color": ACTUAL})
        if actual is not None:
            actual["type"] = "bar"
    else:
        # The line alone: its points are marked by origin_traces, a symbol per origin.
        style = {"mode": "lines", "line": {"color": ACTUAL, "width": 3}}
        actual = _line(frame, "actual", text.actual, **style)
    if actual is not None:
        # A growth rate is computed from the levels: four significant digits; a level is shown as stored.
        actual = _exact_hover(actual, text.actual, unit, hover=hover or {}, computed=growth)
    data.append(actual)
    projection = _line(frame, "projection", text.projection, mode="lines", line={"dash": "dot", "color": ACTUAL})
    data.append(projection if projection is not None and len(projection["x"]) > 1 else None)
    if not growth and result.baseline_used is not None and result.baseline_year_used is not None:
        baseline: Figure = {
            "type": "scatter",
            "x": [result.baseline_year_used],
            "y": [result.baseline_used],
            "name": text.baseline,
            "mode": "markers",
            "marker": {"symbol": "circle-open", "size": 11, "color": "#334e68"},
        }
        data.append(_exact_hover(baseline, text.baseline, unit))
    level = _target_level(spec, result)
    if original is not None:
        first = int(frame["year"].min()) if len(frame) else spec.target_year
        for (shown_spec, shown), name, line, group in (
            (original, text.original_target, {"dash": "dash", "color": "#9aa5b1", "width": 2}, "original"),
            ((spec, result), text.revised_target, {"color": "#2f8132", "width": 2}, "revised"),
        ):
            shown_level = _target_level(shown_spec, shown)
            if shown_level is not None and pr.is_finite(shown_level):
                years = [min(first, shown_spec.target_year), shown_spec.target_year]
                trace: Figure = {
                    "type": "scatter",
                    "x": years,
                    "y": [shown_level, shown_level],
                    "name": name,
                    "mode": "lines",
                    "line": line,
                    "legendgroup": group,
                }
                data.append(_exact_hover(trace, name, unit))
    if level is not None and pr.is_finite(level):
        star: Figure = {
            "type": "scatter",
            "x": [spec.target_year],
            "y": [level],
            "name": text.revised_target if original is not None else text.target,
            "mode": "markers",
            "marker": {"symbol": "star", "size": 14, "color": "#2f8132"},
        }
        if spec.target_value_max is not None and spec.target_value is not None:
            # A range: the star on the lower bound, a bar up to the upper one.
            star["error_y"] = {
                "type": "data",
                "symmetric": False,
                "array": [spec.target_value_max - spec.target_value],
                "arrayminus": [0],
                "color": "#2f8132",
                "thickness": 3,
            }
        if original is not None:
            star |= {"legendgroup": "revised", "showlegend": False}  # the revised line names it in the legend
        data.append(_exact_hover(star, star["name"], unit, hover={spec.target_year: target_hover}))
    yaxis = _axis(
        f"{text.growth} (%)" if growth else unit,
        rangemode="tozero" if not growth else "normal",
    )
    if growth:
        yaxis["ticksuffix"] = "%"
    elif is_count(unit):
        # Whole things: whole ticks (no 0.2 firm), about five of them.
        yaxis |= {"tickformat": "d", "dtick": count_dtick(_top(data)), "tick0": 0}
    layout = _layout(_title(text.title), height=340, xaxis=_axis(text.year, dtick=1, tickformat="d"), yaxis=yaxis)
    return {"data": [trace for trace in data if trace is not None], "layout": layout}


def _target_level(spec: pr.TargetSpec, result: pr.Progress) -> float | None:
    """The level a target's star (or line) is drawn at: the level aimed at; a growth rate's stated rate (percent);
    the stated value when there is no actual yet; none for a comparison with the province."""
    if spec.kind == v.ANNUAL_GROWTH_RATE:
        return pr.threshold(spec)
    level = result.target_level if spec.kind != v.RELATIVE_TO_AVERAGE else None
    if level is None and spec.kind in (v.LEVEL, v.QUALITATIVE, v.PER_YEAR, v.CUMULATIVE_NEW):
        level = spec.target_value  # no actual yet: the target still shows where the plan aims
    return level


def _exact_hover(
    trace: Figure, name: str, unit: str, *, hover: Mapping[int, str] | None = None, computed: bool = False
) -> Figure:
    """Each point's hover: its year and the number exactly as stored with the unit, then what `hover` says of the
    year (plotly's own number format would round 1367.42 to 1,367.4 or 1.37k)."""
    hover = hover or {}
    lines = []
    for year, value in zip(trace["x"], trace["y"], strict=True):
        number = f"{value:.4g}" if computed and value is not None else exact_text(value)
        line = f"{year}: {number} {unit}".strip()
        if hover.get(year):
            line += "<br>" + hover[year]
        lines.append(line)
    return trace | {"customdata": lines, "hovertemplate": f"%{{customdata}}<extra>{name}</extra>"}


# How each point of the actuals is marked, by where its value comes from (indicators.selectors.ORIGINS): a symbol
# of its own and a legend entry each, never the colour alone.
ORIGIN_MARKERS: Mapping[str, dict[str, Any]] = {
    "import": {"symbol": "circle", "size": 9, "color": ACTUAL},  # imported and approved
    "manual": {"symbol": "square", "size": 9, "color": "#486581"},  # entered by hand (admin)
    "demo": {"symbol": "x-thin-open", "size": 11, "color": "#9c6f00", "line": {"width": 2}},  # demo data
    "submitted": {"symbol": "diamond-open", "size": 13, "color": "#c65d00", "line": {"width": 2}},  # awaiting review
}


def origin_traces(frame: pd.DataFrame, origins: Mapping[int, str], names: Mapping[str, str]) -> list[Figure]:
    """One marker trace per origin among the actuals drawn (`origins`: year → origin code of ORIGIN_MARKERS), named
    by `names`, in the order of ORIGIN_MARKERS. They carry no hover of their own: the actuals' line says where each
    value comes from."""
    rows = frame[frame["actual"].notna()]
    traces = []
    for origin, marker in ORIGIN_MARKERS.items():
        chosen = rows[[origins.get(int(year)) == origin for year in rows["year"]]]
        if chosen.empty:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": chosen["year"].tolist(),
                "y": _numbers(chosen["actual"].to_numpy()),
                "name": names.get(origin, origin),
                "marker": marker,
                "hoverinfo": "skip",
            }
        )
    return traces


# ------------------------------------------------------------------------------------ many regions at once


PROGRESS_COLUMNS = ("label", "status", "status_label", "completion")


def progress_figure(frame: pd.DataFrame, *, title: str, axis: str, statuses: Mapping[str, str]) -> Figure:
    """Completion of each target (the share of the way from its baseline to its target, in %), one horizontal
    bar per row of `frame` (columns PROGRESS_COLUMNS; completion a fraction, NaN when none), largest on top,
    one trace per status so that the legend names the colours. `statuses` words the status codes."""
    shown = frame[frame["completion"].notna()].sort_values("completion", kind="stable")
    data = []
    for status, colour in STATUS_COLOURS.items():
        rows = shown[shown["status"] == status]
        if rows.empty:
            continue
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": statuses.get(status, status),
                "x": [round(v * 100, 1) for v in rows["completion"]],
                "y": rows["label"].tolist(),
                "text": rows["status_label"].tolist(),
                "textposition": "auto",
                "marker": {"color": colour},
                "hovertemplate": "%{y}: %{x:.1f}% · %{text}<extra></extra>",
            }
        )
    layout = _layout(
        title,
        height=max(260, 22 * len(shown) + 120),
        barmode="overlay",
        xaxis=_axis(axis, ticksuffix="%", zeroline=True),
        yaxis={"categoryorder": "array", "categoryarray": shown["label"].tolist(), "automargin": True},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "traceorder": "normal"},
        margin={"l": 60, "r": 20, "t": 80, "b": 50},
    )
    return {"data": data, "layout": layout}


# Beyond this many regions the actuals chart draws grey lines without a legend: 333 legend entries help nobody.
LEGEND_LIMIT = 12


def actuals_figure(actuals: pd.DataFrame, targets: pd.DataFrame, *, title: str, unit: str, year: str,
                   target: str, province: pd.DataFrame | None = None) -> Figure:  # fmt: skip
    """Actuals over time, one line per region (`actuals`: columns region, year, value), each region's target
    level as a star (`targets`: columns region, year, value; may be empty) and, dashed, the province's series the
    "above the provincial average" targets are judged against (`province`, the same columns)."""
    regions = list(dict.fromkeys(actuals["region"].tolist()))
    many = len(regions) > LEGEND_LIMIT
    data: list[Figure] = []
    for region, rows in actuals.groupby("region", sort=False):
        trace: Figure = {
            "type": "scatter",
            "mode": "lines+markers" if not many else "lines",
            "name": str(region),
            "x": rows["year"].tolist(),
            "y": _numbers(rows["value"]),
            "hovertemplate": f"{region} %{{x}}: %{{y}}<extra></extra>",
        }
        if many:
            trace |= {"showlegend": False, "line": {"color": "rgba(11,61,145,0.35)", "width": 1}}
        data.append(trace)
    for region, rows in (province if province is not None else actuals.iloc[0:0]).groupby("region", sort=False):
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": str(region),
                "x": rows["year"].tolist(),
                "y": _numbers(rows["value"]),
                "line": {"dash": "dash", "color": "#c99a06", "width": 2},
                "marker": {"symbol": "square", "color": "#c99a06"},
                "customdata": [exact_text(value) for value in rows["value"].tolist()],
                "hovertemplate": f"{region} %{{x}}: %{{customdata}}<extra></extra>",
            }
        )
    if not targets.empty:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": target,
                "x": targets["year"].tolist(),
                "y": _numbers(targets["value"]),
                "text": targets["region"].tolist(),
                "hovertemplate": "%{text} %{x}: %{y}<extra></extra>",
                "marker": {"symbol": "star", "size": 11, "color": "#2f8132"},
            }
        )
    layout = _layout(
        title,
        height=420,
        xaxis=_axis(year, dtick=1, tickformat="d"),
        yaxis=_axis(unit, rangemode="tozero"),
        legend={"orientation": "v"},
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
    )
    return {"data": data, "layout": layout}


def status_counts_figure(counts: pd.DataFrame, *, title: str, axis: str, statuses: Mapping[str, str]) -> Figure:
    """Targets by status per region, stacked horizontal bars (`counts`: one row per region, index the region's
    name, one column per status code), one trace per status that occurs."""
    data = []
    names = [str(name) for name in counts.index]
    for status, colour in STATUS_COLOURS.items():
        if status not in counts.columns or not counts[status].any():
            continue
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "name": statuses.get(status, status),
                "x": [int(v) for v in counts[status]],
                "y": names,
                "marker": {"color": colour},
                "hovertemplate": "%{y}: %{x}<extra>" + statuses.get(status, status) + "</extra>",
            }
        )
    layout = _layout(
        title,
        height=max(220, 30 * len(names) + 120),
        barmode="stack",
        xaxis=_axis(axis, dtick=5 if counts.to_numpy().sum(axis=1).max(initial=0) > 20 else 1),
        yaxis={"autorange": "reversed", "automargin": True},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "traceorder": "normal"},
        margin={"l": 60, "r": 20, "t": 80, "b": 50},
    )
    return {"data": data, "layout": layout}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as dicts (for the tables under the charts); NaN as None. Much faster than
    DataFrame.to_dict("records") on the many small frames of a page."""
    columns = [str(c) for c in frame.columns]
    values = [_numbers(frame[c].to_numpy()) for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


@dataclass(frozen=True)
class MapArea:
    """One city on the comparison map: its outline, where its name goes, its fill and what hovering it says."""

    rings: Sequence[Sequence[tuple[float, float]]]
    centre: tuple[float, float]
    name: str
    colour: str
    hover: str
    href: str  # a click goes there (static/js/charts.js)


def _blend(low: str, high: str, share: float) -> str:
    """The colour `share` (0–1) of the way from `low` to `high` (#rrggbb)."""
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


SCALE_LOW, SCALE_HIGH, NO_VALUE = "#dbe9f6", "#0b3d91", "#e4e7eb"


def scale_colour(value: float | None, low: float, high: float) -> str:
    """The fill of a value on the map's sequential scale (light: lowest value of the year, dark: highest)."""
    if value is None or not math.isfinite(value):
        return NO_VALUE
    return _blend(SCALE_LOW, SCALE_HIGH, 0.5 if high == low else (value - low) / (high - low))


def map_figure(
    areas: Sequence[MapArea],
    *,
    title: str,
    legend: Mapping[str, str] | None = None,
    scale: tuple[float, float, str] | None = None,
) -> Figure:
    """Henan's cities as filled outlines (a choropleth drawn with plotly.js's basic bundle: no geo subplot, so no
    topojson to fetch), a marker with the name at each city's centre that links to its page, and either a legend
    (`legend`: name → colour, e.g. the statuses) or a colour bar (`scale`: lowest, highest, unit)."""
    data: list[Figure] = []
    for area in areas:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in area.rings:
            if xs:
                xs.append(None)
                ys.append(None)
            xs += [x for x, _y in ring]
            ys += [y for _x, y in ring]
        data.append(
            {
                "type": "scatter", "mode": "lines", "x": xs, "y": ys, "fill": "toself", "fillcolor": area.colour,
                "line": {"color": "#ffffff", "width": 1}, "hoveron": "fills", "hoverinfo": "name",
                "name": area.hover, "showlegend": False, "meta": area.href,
            }
        )  # fmt: skip
    data.append(
        {
            "type": "scatter", "mode": "markers+text", "x": [a.centre[0] for a in areas],
            "y": [a.centre[1] for a in areas], "text": [a.name for a in areas], "textposition": "top center",
            "textfont": {"size": 10, "color": "#102a43"}, "hovertext": [a.hover for a in areas], "hoverinfo": "text",
            "customdata": [a.href for a in areas], "showlegend": False, "name": "",
            "marker": {"size": 7, "color": "#ffffff", "line": {"color": "#334e68", "width": 1}},
        }
    )  # fmt: skip
    for name, colour in (legend or {}).items():  # legend entries only: nothing drawn
        data.append(
            {
                "type": "scatter", "mode": "markers", "x": [None], "y": [None], "name": name,
                "marker": {"color": colour, "symbol": "square", "size": 12}, "hoverinfo": "skip",
            }
        )  # fmt: skip
    if scale is not None and areas:
        low, high, unit = scale
        centre = areas[0].centre
        data.append(
            {
                "type": "scatter", "mode": "markers", "x": [centre[0], centre[0]], "y": [centre[1], centre[1]],
                "hoverinfo": "skip", "showlegend": False, "name": "",
                "marker": {
                    "color": [low, high], "cmin": low, "cmax": high, "opacity": 0, "size": 1,
                    "colorscale": [[0, SCALE_LOW], [1, SCALE_HIGH]], "showscale": True,
                    "colorbar": {"title": {"text": unit}, "thickness": 12, "len": 0.6},
                },
            }
        )  # fmt: skip
    # Degrees of longitude are shorter than degrees of latitude by cos(latitude): about 0.83 at Henan's 34° N.
    hidden = {"visible": False, "fixedrange": True}
    layout = _layout(_title(title), height=520, xaxis=hidden, yaxis={**hidden, "scaleanchor": "x", "scaleratio": 1.2})
    layout |= {"hovermode": "closest", "dragmode": False, "margin": {"l": 10, "r": 10, "t": 50, "b": 10}}
    layout["legend"] = {"orientation": "h", "y": -0.02}
    return {"data": data, "layout": layout}


# ------------------------------------------------------------------------------------- periods on one axis


@dataclass(frozen=True)
class PeriodMark:
    """A plan period as a chart marks it: its code, name and years; `current` is the one the page shows."""

    code: str
    name: str
    first_year: int
    last_year: int
    baseline_year: int
    current: bool = False


def mark_periods(figure: Figure, periods: Sequence[PeriodMark]) -> Figure:
    """Several periods on one time axis (十四五 and 十五五: 2020–2030): the x axis from the first period's baseline
    year to the last period's last year, a dotted line at each boundary between two periods, the page's period
    shaded and each period's name at the top of its part (inside the plot: the title keeps the margin). The
    traces are left as they are (the values as stored)."""
    if not periods:
        return figure
    layout = figure["layout"]
    layout["xaxis"] = {**layout["xaxis"], "range": [periods[0].baseline_year - 0.5, periods[-1].last_year + 0.5]}
    shapes, annotations = list(layout.get("shapes", [])), list(layout.get("annotations", []))
    for number, period in enumerate(periods):
        start, end = period.first_year - 0.5, period.last_year + 0.5
        if period.current:
            shapes.append(
                {"type": "rect", "name": f"period-{period.code}", "xref": "x", "yref": "paper", "x0": start,
                 "x1": end, "y0": 0, "y1": 1, "fillcolor": "rgba(130,154,177,0.14)", "line": {"width": 0},
                 "layer": "below"}
            )  # fmt: skip
        if number:
            shapes.append(
                {"type": "line", "name": f"boundary-{period.code}", "xref": "x", "yref": "paper", "x0": start,
                 "x1": start, "y0": 0, "y1": 1, "line": {"color": "#627d98", "width": 1, "dash": "dot"}}
            )  # fmt: skip
        annotations.append(
            {"text": period.name, "name": f"period-name-{period.code}", "xref": "x", "yref": "paper",
             "x": (start + end) / 2, "y": 1, "yanchor": "top", "showarrow": False,
             "bgcolor": "rgba(255,255,255,0.7)", "font": {"size": 11, "color": "#486581"}}
        )  # fmt: skip
    layout["shapes"], layout["annotations"] = shapes, annotations
    return figure


def period_target_traces(stars: Mapping[str, Sequence[tuple[int, float]]], unit: str) -> list[Figure]:
    """Other periods' targets as open stars, one trace per period (`stars`: the trace's name → (year, level)
    points), each hovering its number as stated (exact_text)."""
    traces = []
    for name, points in stars.items():
        if not points:
            continue
        trace: Figure = {
            "type": "scatter",
            "mode": "markers",
            "x": [year for year, _value in points],
            "y": [value for _year, value in points],
            "name": name,
            "marker": {"symbol": "star-open", "size": 13, "color": "#2f8132", "line": {"width": 2}},
        }
        traces.append(_exact_hover(trace, name, unit))
    return traces
