"""The domain's words, spelled once: target kinds, comparators, sections, attributes, what a comparison with the
province compares, indicator directions and measures, and the status of a target.

Django-free on purpose: the models (choices and database constraints), the fixture schema (run by transcribers
before any database exists) and the progress method all read these tuples, so a word added here is added
everywhere, and a word not here is refused everywhere with the same error.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

# The indicator's words, re-exported so that the method reads every word from here.
from indicators.vocabulary import DIRECTIONS as DIRECTIONS
from indicators.vocabulary import FLOW as FLOW
from indicators.vocabulary import HIGHER as HIGHER
from indicators.vocabulary import LOWER as LOWER
from indicators.vocabulary import MEASURES as MEASURES
from indicators.vocabulary import RATIO as RATIO
from indicators.vocabulary import STOCK as STOCK
from indicators.vocabulary import THEMES as THEMES


class UnknownWord(ValueError):
    """A kind, comparator, … that the method does not know. Raised instead of guessing (an unknown kind was once
    evaluated silently as a level)."""

    def __init__(self, field: str, value: object, allowed: tuple[str, ...]) -> None:
        super().__init__(f"unknown {field} {value!r}; expected one of: {', '.join(allowed)}")
        self.field, self.value, self.allowed = field, value, allowed


# What a target asks for (fixtures/README.md explains how each is read off the document).
LEVEL: Final = "level"  # 达到 X
ANNUAL_GROWTH_RATE: Final = "annual_growth_rate"  # 年均增长 X%
CUMULATIVE_NEW: Final = "cumulative_new"  # “十四五”期间新增 N
PER_YEAR: Final = "per_year"  # 每年 N
MULTIPLE_OF_BASELINE: Final = "multiple_of_baseline"  # 翻一番
RELATIVE_TO_AVERAGE: Final = "relative_to_average"  # 高于全省平均水平
QUALITATIVE: Final = "qualitative"  # 全覆盖, 进入前列… (a number or none)
KINDS: Final = (LEVEL, ANNUAL_GROWTH_RATE, CUMULATIVE_NEW, PER_YEAR, MULTIPLE_OF_BASELINE, RELATIVE_TO_AVERAGE,
                QUALITATIVE)  # fmt: skip
# Kinds whose target value may be empty: the yardstick is another region's value, or there is no number.
VALUELESS_KINDS: Final = (RELATIVE_TO_AVERAGE, QUALITATIVE)
# Kinds whose progress is also judged by the trend method (compound growth of the level).
TREND_KINDS: Final = (LEVEL, MULTIPLE_OF_BASELINE, ANNUAL_GROWTH_RATE)
# Kinds whose target is a level of the indicator (drawn as a star among the actuals, converted between units).
LEVEL_KINDS: Final = (LEVEL, MULTIPLE_OF_BASELINE, ANNUAL_GROWTH_RATE, QUALITATIVE)

AT_LEAST: Final = ">="
MORE_THAN: Final = ">"
EQUAL: Final = "="  # read as "at least" (at most when lower is better)
ABOUT: Final = "about"  # X 左右
RANGE: Final = "range"  # 1-2 家: met at the lower bound
AT_MOST: Final = "<="
COMPARATORS: Final = (AT_LEAST, MORE_THAN, EQUAL, ABOUT, RANGE, AT_MOST)

# Where in the document the target is stated.
TABLE: Final = "table"  # the plan's indicator table
GOALS: Final = "goals"  # the goals section's prose
BODY: Final = "body"  # the body of the plan
SECTIONS: Final = (TABLE, GOALS, BODY)
ANTICIPATORY: Final = "预期性"
BINDING: Final = "约束性"
ATTRIBUTES: Final = (ANTICIPATORY, BINDING)

# Kinds of plan: a region holds at most one plan of a kind per period.
PLAN_SCI_TECH: Final = "sci_tech"  # 科技创新规划 (the S&T plan)
PLAN_KINDS: Final = (PLAN_SCI_TECH,)

# What a relative_to_average target compares with the parent region: the levels, or their average annual growth.
COMPARES_LEVEL: Final = "level"
COMPARES_GROWTH: Final = "growth"
COMPARES: Final = (COMPARES_LEVEL, COMPARES_GROWTH)

# The status of a target at an as-of year: one code per target, from plans.progress.status(). Every word, colour,
# legend, count, summary, export and API field derives from it. Best first; the order of legends and counts.
ACHIEVED_EARLY: Final = "achieved_early"  # 提前实现: met before the target year
ACHIEVED: Final = "achieved"  # 已实现: met in the target year
AHEAD: Final = "ahead"  # 快于预期
ON_SCHEDULE: Final = "on_schedule"  # 基本符合预期
PARTLY_ACHIEVED: Final = "partly_achieved"  # 部分实现: a reviewer's verdict on a qualitative target
LAGGING: Final = "lagging"  # 滞后
FAR_BEHIND: Final = "far_behind"  # 明显滞后
REGRESSING: Final = "regressing"  # 倒退: moving away from the target
NOT_ACHIEVED: Final = "not_achieved"  # 未实现: the target year's actual falls short
NOT_QUANTIFIED: Final = "not_quantified"  # 未量化: the target states no number (judged by hand)
NO_DATA: Final = "no_data"  # 暂无数据
STATUSES: Final = (ACHIEVED_EARLY, ACHIEVED, AHEAD, ON_SCHEDULE, PARTLY_ACHIEVED, LAGGING, FAR_BEHIND, REGRESSING,
                   NOT_ACHIEVED, NOT_QUANTIFIED, NO_DATA)  # fmt: skip
# The statuses a city explains (plans.TargetExplanation): where it stands, whether it will be met, why, what next.
NEEDS_EXPLANATION: Final = (LAGGING, FAR_BEHIND, REGRESSING, NOT_ACHIEVED)
# Severity, worst first: the order of "needing attention first" (the city page's sort) and the one an overview
# cell's worst status is read by (worst_status). 未实现 (the target year is past and the actual falls short: nothing
# can recover it) is the worst, above 倒退; then the pace bands down to the targets met (已实现 before 提前实现,
# the two alike), a reviewer's 部分实现 between 滞后 and 基本符合预期. A judged target always outranks one without
# data: 暂无数据 only when no target is judged, and 未量化 (judged by hand) only when every target is unquantified.
ATTENTION_ORDER: Final = (NOT_ACHIEVED, REGRESSING, FAR_BEHIND, LAGGING, PARTLY_ACHIEVED, ON_SCHEDULE, AHEAD, ACHIEVED,
                          ACHIEVED_EARLY, NO_DATA, NOT_QUANTIFIED)  # fmt: skip
# The statuses that need attention (只看需关注): lagging or worse.
NEEDS_ATTENTION: Final = ATTENTION_ORDER[: ATTENTION_ORDER.index(LAGGING) + 1]
_SEVERITY: Final = {status: rank for rank, status in enumerate(ATTENTION_ORDER)}
# A reviewer's verdict on a qualitative target (plans.TargetVerdict): each is also the status the target then has.
VERDICTS: Final = (ACHIEVED, PARTLY_ACHIEVED, NOT_ACHIEVED)
# The kinds a reviewer judges by hand: the verdict, once recorded, decides their status.
VERDICT_KINDS: Final = (QUALITATIVE,)
# The files a verdict's evidence may be, by extension (plans.verdicts checks the content matches).
EVIDENCE_SUFFIXES: Final = (".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".docx", ".xlsx", ".txt")


def severity(status: str) -> int:
    """The rank of a status in ATTENTION_ORDER: 0 is the worst."""
    return _SEVERITY[checked("status", status, STATUSES)]


def worst_status(statuses: Iterable[str]) -> str:
    """The worst of these statuses by ATTENTION_ORDER; ValueError when there is none."""
    return min(statuses, key=severity)


def checked(field: str, value: str, allowed: tuple[str, ...]) -> str:
    """`value` if it is one of `allowed`; else UnknownWord naming the field."""
    if value not in allowed:
        raise UnknownWord(field, value, allowed)
    return value


# The kinds of a published evaluation (plans.PublishedEvaluation).
MIDTERM: Final = "midterm"  # 中期评估
FINAL_EVALUATION: Final = "final"  # 终期评估
EVALUATION_KINDS: Final = (MIDTERM, FINAL_EVALUATION)
