"""The help page (方法说明): the progress method as the code applies it, in the active language.

Nothing on the page is typed twice: the thresholds are those plans.selectors.thresholds() gives the method (the
defaults of plans.progress.Thresholds, or settings.PROGRESS_THRESHOLDS), the status words and colours those of
plans.wording and dashboard.charts, and every figure of the worked examples (docs/methodology.md §12) is computed
here by plans.progress.evaluate from the example's inputs, so the page cannot say what the method does not do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from dashboard import fragments
from dashboard.charts import STATUS_COLOURS
from plans import progress as pr
from plans import vocabulary as v
from plans import wording
from plans.evaluation import figure_text
from plans.selectors import thresholds as method_thresholds


def number(value: float) -> str:
    """A threshold as written in the method: 1.05, 0.90, 0.001 (two decimals unless it needs more)."""
    return f"{value:.2f}" if abs(value * 100 - round(value * 100)) < 1e-9 else f"{value:g}"


def threshold_words(th: pr.Thresholds) -> dict[str, str]:
    return {
        "ahead": number(th.ahead),
        "on_schedule": number(th.on_schedule),
        "lagging": number(th.lagging),
        "about": number(th.about),
        "on_track": number(th.on_track),
        "acceleration_needed": number(th.acceleration_needed),
        "zero_substitute": number(th.zero_substitute),
    }


# The rule that gives each status (plans.progress.status and pace_status), every code of v.STATUSES.
STATUS_RULES: Mapping[str, Promise] = {
    v.ACHIEVED_EARLY: gettext_lazy(
        "The target is met (its comparator holds) in the evaluation year t, and t is before the target year."
    ),
    v.ACHIEVED: gettext_lazy("The target is met in the target year itself."),
    v.AHEAD: gettext_lazy("Not met yet, and the pace ratio q ≥ %(ahead)s."),
    v.ON_SCHEDULE: gettext_lazy("Not met yet, and %(on_schedule)s ≤ q < %(ahead)s."),
    v.LAGGING: gettext_lazy("Not met yet, and %(lagging)s ≤ q < %(on_schedule)s."),
    v.FAR_BEHIND: gettext_lazy("Not met yet, and 0 ≤ q < %(lagging)s."),
    v.REGRESSING: gettext_lazy(
        "q < 0: the latest actual is further from the target than the baseline was; or the baseline already met "
        "the target and the latest actual no longer does."
    ),
    v.NOT_ACHIEVED: gettext_lazy(
        "The target year's actual is there (time share s = 1) and falls short of the target, whatever the pace: "
        "a final evaluation says so."
    ),
    v.PARTLY_ACHIEVED: gettext_lazy(
        "A qualitative target a reviewer judged partly achieved, with evidence (a verdict always decides the status "
        "of a qualitative target: achieved, partly achieved or not achieved)."
    ),
    v.NOT_QUANTIFIED: gettext_lazy(
        "The target states no number: it is not evaluated but judged by hand, until a reviewer records a verdict."
    ),
    v.NO_DATA: gettext_lazy(
        "Nothing to judge on: no actual up to the as-of year, no baseline, or only the baseline year's actual; in "
        "a final evaluation also a target not met whose latest actual is older than the target year (no final "
        "verdict on an earlier year's pace)."
    ),
}

TREND_RULES: Mapping[str, Promise] = {
    pr.TREND_ACHIEVED: gettext_lazy("The target is met."),
    pr.TREND_ON_TRACK: gettext_lazy("R ≥ %(on_track)s."),
    pr.TREND_ACCELERATION_NEEDED: gettext_lazy("%(acceleration_needed)s ≤ R < %(on_track)s."),
    pr.TREND_LIMITED_PROGRESS: gettext_lazy("0 ≤ R < %(acceleration_needed)s."),
    pr.TREND_DETERIORATION: gettext_lazy("R < 0: the level moves the wrong way."),
    pr.TREND_INSUFFICIENT_DATA: gettext_lazy(
        "No baseline, t = y0, or a zero or negative value: no compound growth can be computed."
    ),
    pr.TREND_NOT_APPLICABLE: gettext_lazy(
        "Kinds other than a level, a multiple of the baseline and an annual growth rate."
    ),
}


@dataclass(frozen=True)
class StatusRow:
    code: str
    word: str
    colour: str
    rule: str

    @property
    def anchor(self) -> str:
        return f"status-{self.code}"


@dataclass(frozen=True)
class Example:
    """One worked example of docs/methodology.md §12: a target of the five plans with invented actuals."""

    anchor: str
    title: Promise
    quote: str  # the plan's sentence, as the document prints it (never translated)
    spec: pr.TargetSpec
    actuals: Mapping[int, float]
    as_of: int
    unit: str
    parent: Mapping[int, float] | None = None
    reading: Promise | None = None


def _spec(kind: str, comparator: str, value: float | None, **extra: object) -> pr.TargetSpec:
    return pr.TargetSpec(kind, comparator, 2025, value, period_start=2021, **extra)  # type: ignore[arg-type]


EXAMPLES: tuple[Example, ...] = (
    Example(
        "example-level",
        gettext_lazy("Level: Zhengzhou R&D intensity"),
        "全社会研发经费支出占GDP的比重(%) 2.31 3.0",
        _spec(v.LEVEL, ">=", 3.0, baseline_year=2020, baseline_value=2.31),
        {2020: 2.31, 2021: 2.45, 2022: 2.58, 2023: 2.70},
        2023,
        "%",
        reading=gettext_lazy(
            "Both views are fine, yet at the current pace the target year ends just short of the target: the "
            "projection and the growth still required say so."
        ),
    ),
    Example(
        "example-growth",
        gettext_lazy("Annual growth rate: Luohe R&D expenditure"),
        "全社会研发投入力争突破25亿元,年均增长12%",
        _spec(v.ANNUAL_GROWTH_RATE, ">=", 12),
        {2020: 16.15, 2021: 17.9, 2022: 19.6, 2023: 21.4},
        2023,
        "亿元",
        reading=gettext_lazy(
            "The baseline printed beside a growth rate is not used: B is the baseline year's actual, and the "
            "target level is the level the rate implies."
        ),
    ),
    Example(
        "example-multiple",
        gettext_lazy("Multiple of the baseline: Kaifeng high-tech firms, as of 2023"),
        "高新技术企业、省级及以上创新平台数量比 2020 年翻一番",
        _spec(v.MULTIPLE_OF_BASELINE, ">=", 2, baseline_year=2020, baseline_value=126),
        {2020: 126, 2021: 160, 2022: 205, 2023: 240, 2024: 262},
        2023,
        "家",
    ),
    Example(
        "example-multiple-2024",
        gettext_lazy("The same target as of 2024: met before the target year"),
        "高新技术企业、省级及以上创新平台数量比 2020 年翻一番",
        _spec(v.MULTIPLE_OF_BASELINE, ">=", 2, baseline_year=2020, baseline_value=126),
        {2020: 126, 2021: 160, 2022: 205, 2023: 240, 2024: 262},
        2024,
        "家",
    ),
    Example(
        "example-new-stock",
        gettext_lazy("Amount added on a stock: Xinxiang new high-tech firms"),
        "新培育……400家高新技术企业",
        _spec(v.CUMULATIVE_NEW, ">=", 400, baseline_year=2020, baseline_value=402, measure=v.STOCK),
        {2020: 402, 2021: 480, 2022: 560, 2023: 610},
        2023,
        "家",
        reading=gettext_lazy(
            "The amount added since the baseline is measured, not the stock; the projection is a straight line."
        ),
    ),
    Example(
        "example-new-flow",
        gettext_lazy("Amount added on a flow: Kaifeng technology loans"),
        "五年发放“科技贷”“汴科贷”10亿元以上",
        _spec(v.CUMULATIVE_NEW, ">=", 10, measure=v.FLOW),
        {2021: 1.6, 2022: 2.1, 2023: 2.3},
        2023,
        "亿元",
    ),
    Example(
        "example-per-year",
        gettext_lazy("Every year: Kaifeng major S&T projects"),
        "每年实施重大（重点）科技专项超过 20 项",
        _spec(v.PER_YEAR, ">=", 20, measure=v.FLOW),
        {2021: 22, 2022: 18, 2023: 25},
        2023,
        "项",
        reading=gettext_lazy(
            "q is the share of the years with an actual that met the value; after one missed year the target can no "
            "longer be achieved, yet the status still follows q."
        ),
    ),
    Example(
        "example-average",
        gettext_lazy("Above the provincial average: Kaifeng R&D intensity"),
        "全社会研发投入强度、地方一般公共预算科学技术支出年均增速及占比均超过全省平均水平",
        _spec(v.RELATIVE_TO_AVERAGE, ">", None, baseline_year=2020, baseline_value=1.05),
        {2020: 1.05, 2021: 1.18, 2022: 1.30, 2023: 1.42},
        2023,
        "%",
        parent={2020: 1.64, 2021: 1.73, 2022: 1.86, 2023: 1.96},
        reading=gettext_lazy("The target level L is the province's value of the same year."),
    ),
    Example(
        "example-rank",
        gettext_lazy("Lower is better: Kaifeng's provincial rank (keep within the top 10)"),
        "在全省排名中单项指标实现“保十”、力争“进五”",
        _spec(v.LEVEL, "<=", 10, direction=v.LOWER),
        {2020: 14, 2021: 13, 2022: 12, 2023: 11},
        2023,
        "位",
    ),
    Example(
        "example-zero",
        gettext_lazy("Zero substitution: Kaifeng provincial pilot bases, from none to one"),
        "省级中试基地、重大新型研发机构、产业技术创新战略联盟实现零突破",
        _spec(v.LEVEL, ">=", 1, baseline_year=2020, baseline_value=0),
        {2021: 0, 2022: 0, 2023: 0},
        2023,
        "个",
        reading=gettext_lazy(
            "A zero base is replaced by a small number in the growth formulas; a value still at zero is no growth, "
            "not a fall."
        ),
    ),
)


@dataclass(frozen=True)
class Figure:
    symbol: str
    label: str
    value: str


@dataclass(frozen=True)
class WorkedExample:
    example: Example
    result: pr.Progress
    status: str
    status_word: str
    trend_word: str
    figures: list[Figure] = field(default_factory=list)

    @property
    def actuals(self) -> list[tuple[int, float]]:
        return sorted(self.example.actuals.items())

    @property
    def parent(self) -> list[tuple[int, float]]:
        return sorted((self.example.parent or {}).items())


def _figures(result: pr.Progress, unit: str) -> list[Figure]:
    """The figures the method computed, those it could compute, in the order of docs/methodology.md."""
    level_unit = unit
    rows: list[tuple[str, str, float | int | None, str]] = [
        ("t", _("evaluation year"), result.year, "year"),
        ("A_t", _("actual"), result.actual, unit),
        ("M_t", _("measured quantity"), result.measured, level_unit),
        ("y0", _("baseline year used"), result.baseline_year_used, "year"),
        ("B", _("baseline used"), result.baseline_used, level_unit),
        ("L", _("target level"), result.target_level, level_unit),
        ("s", _("time share"), result.time_share, ""),
        ("p", _("progress share"), result.progress_share, ""),
        ("q", _("pace ratio"), result.pace_ratio, ""),
        ("E_t", _("expected by now"), result.expected, level_unit),
        ("g_obs", _("observed compound annual growth"), result.observed_growth, ""),
        ("g_req", _("required compound annual growth"), result.required_growth, ""),
        ("R", _("trend ratio"), result.trend_ratio, ""),
        ("P", _("projection for the target year"), result.projected_value, level_unit),
        ("g_need", _("annual growth still required"), result.required_annual_growth, ""),
        ("", _("still to add each year"), result.required_per_year, unit),
        ("", _("years met"), result.years_met, "year"),
    ]
    figures = []
    for symbol, label, value, kind in rows:
        if value is None:
            continue
        text = str(value) if kind == "year" else figure_text(float(value), kind)
        figures.append(Figure(symbol, label, text))
    return figures


def worked(example: Example, th: pr.Thresholds) -> WorkedExample:
    result = pr.evaluate(example.spec, example.actuals, as_of=example.as_of, parent=example.parent, thresholds=th)
    status = pr.status(result)
    return WorkedExample(
        example,
        result,
        status,
        wording.status_word(status),
        wording.trend_label(result),
        _figures(result, example.unit),
    )


@dataclass(frozen=True)
class HelpPage:
    thresholds: dict[str, str]
    statuses: list[StatusRow]
    trends: list[tuple[str, str]]  # word, rule
    examples: list[WorkedExample]


def help_page() -> HelpPage:
    th = method_thresholds()
    words = threshold_words(th)
    labels = wording.status_words()
    statuses = [StatusRow(code, labels[code], STATUS_COLOURS[code], str(STATUS_RULES[code]) % words)
                for code in v.STATUSES]  # fmt: skip
    trends = [(str(wording.TREND_LABELS[code]), str(TREND_RULES[code]) % words) for code in pr.TREND_STATUSES]
    return HelpPage(words, statuses, trends, [worked(example, th) for example in EXAMPLES])


@require_GET
@login_required
def help_view(request: HttpRequest) -> HttpResponse:
    """方法说明: 序时进度, every status and its rule, the trend, the projection, the worked examples."""

    def build() -> dict[str, object]:
        page = help_page()
        return {"page": page, "thresholds": page.thresholds, "statuses": page.statuses, "trends": page.trends,
                "examples": page.examples}  # fmt: skip

    return fragments.cached_page(request, "dashboard/help.html", build)
