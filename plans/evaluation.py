"""The evaluation table of a plan (中期/终期评估): one row per target at an as-of year, the counts per status and
the sentence that summarises them. dashboard.downloads writes it as a workbook."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from indicators.numbers import plain
from plans import progress as pr
from plans import vocabulary as v
from plans import wording as tx
from plans.models import Plan, Target, TargetExplanation, TargetVerdict
from plans.selectors import (
    TargetProgress,
    default_as_of,
    evaluate_targets,
    latest_explanations,
    plan_span,
    targets_for,
)

# As-of years accepted by the evaluation pages and the progress API.
YEARS = range(1949, 2101)  # as the actuals (constraint observation_year_plausible)


@dataclass(frozen=True)
class EvaluationRow:
    number: int
    item: TargetProgress
    explanation: TargetExplanation | None = None  # the city's latest, for this year or an earlier one

    @property
    def target(self) -> Target:
        return self.item.target

    @property
    def progress(self) -> pr.Progress:
        return self.item.progress

    @property
    def status(self) -> str:
        return self.item.status

    @property
    def verdict(self) -> TargetVerdict | None:
        """The reviewer's verdict the status comes from (qualitative targets), if any."""
        return self.item.verdict

    @property
    def status_label(self) -> str:
        return tx.status_word(self.status)

    @property
    def trend_label(self) -> str:
        return tx.trend_label(self.progress)

    @property
    def notes(self) -> str:
        return tx.notes_text(self.progress)

    @property
    def completion(self) -> float | None:
        return completion(self.progress)

    @property
    def formula(self) -> str:
        """The completion written out as the method computed it: "(690 − 402) ÷ 400 = 72 %"."""
        return tx.completion_formula(self.item.spec, self.progress)

    @property
    def disagreement(self) -> str:
        """Both readings where pace and trend disagree, else ""."""
        return tx.disagreement_text(self.item.spec, self.progress)


@dataclass(frozen=True)
class Evaluation:
    plan: Plan
    year: int
    rows: list[EvaluationRow]
    counts: dict[str, int]
    has_demo: bool
    has_submitted: bool = False  # some actuals are submitted values awaiting review (include_submitted)

    @property
    def is_final(self) -> bool:
        return self.year >= self.plan.period_end

    @property
    def title(self) -> str:
        if self.is_final:
            return _("Final evaluation, %(year)s") % {"year": self.year}
        return _("Mid-term evaluation, as of %(year)s") % {"year": self.year}

    @property
    def count_rows(self) -> list[tuple[str, str, int]]:
        """(status, word, count) for every status, in the order of the legend."""
        words = tx.status_words()
        return [(status, words[status], count) for status, count in self.counts.items()]

    @property
    def attributes(self) -> list[tuple[str, int, str]]:
        """Binding (约束性) and anticipatory (预期性) targets counted apart, as reports state them."""
        return attribute_summary(self.rows)

    @property
    def early_warnings(self) -> list[EvaluationRow]:
        """Binding targets (约束性) expected to be missed: not met, and missed already or projected at the current
        pace to fall short in the target year (plans.progress.projection_meets). Reports list them first."""
        return [row for row in self.rows if is_early_warning(row)]

    @property
    def summary(self) -> str:
        """截至2025年，N项目标中：3项提前实现，… — every status that occurs, in the order of the legend."""
        words = tx.status_words()
        parts = [
            _("%(count)s %(status)s") % {"count": count, "status": words[status].lower()}
            for status, count in self.counts.items()
            if count
        ]
        return _("As of %(year)s, of %(total)s targets: %(counts)s.") % {
            "year": self.year,
            "total": len(self.rows),
            "counts": pgettext("list separator", ", ").join(parts),
        }


def completion(result: pr.Progress) -> float | None:
    """The share of the way from the baseline to the target covered (per_year: of the years met), when it exists."""
    share = result.progress_share
    return share if pr.is_finite(share) else None


def default_year(plan: Plan) -> int:
    """The latest year with an actual for the plan's region within its period; else the period's last year."""
    return default_as_of([plan.region], plan_span([plan]))


def plan_evaluation(
    plan: Plan, year: int, *, include_submitted: bool = False, submitted_regions: Collection[int] | None = None
) -> Evaluation:
    items = evaluate_targets(
        targets_for(plan=plan), as_of=year, include_submitted=include_submitted, submitted_regions=submitted_regions
    )
    counts = pr.summary([item.progress for item in items])
    explanations = latest_explanations((item.target.pk for item in items), year=year)
    rows = [EvaluationRow(number, item, explanations.get(item.target.pk)) for number, item in enumerate(items, start=1)]
    return Evaluation(
        plan,
        year,
        rows,
        counts,
        has_demo=any(item.is_demo for item in items),
        has_submitted=any(item.is_submitted for item in items),
    )


def stated_target(target: Target) -> str:
    """The target as the plan states it, whole (plans.wording.target_text): "≥ 3%（2025）", "年均增长 ≥ 12%（2025）"."""
    return tx.target_text(target)


def figure_text(value: float | None, unit: str = "") -> str:
    """A computed figure for the page: four significant digits, no exponent."""
    if not pr.is_finite(value):
        return "—"
    assert value is not None  # noqa: S101 — is_finite checked it
    text = plain(Decimal(f"{value:.4g}")) if abs(value) < 1e15 else f"{value:.4g}"
    return f"{text} {unit}".strip()


# How evaluation reports word the counts: "N项指标提前实现，N项快于或基本符合预期，N项滞后".
REPORT_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    ((v.ACHIEVED_EARLY,), gettext_noop("%(count)s achieved early")),
    ((v.ACHIEVED,), gettext_noop("%(count)s achieved")),
    ((v.AHEAD, v.ON_SCHEDULE), gettext_noop("%(count)s ahead of or on schedule")),
    ((v.PARTLY_ACHIEVED,), gettext_noop("%(count)s partly achieved")),
    ((v.LAGGING, v.FAR_BEHIND), gettext_noop("%(count)s lagging")),
    ((v.REGRESSING,), gettext_noop("%(count)s moving away from the target")),
    ((v.NOT_ACHIEVED,), gettext_noop("%(count)s not achieved")),
    ((v.NOT_QUANTIFIED,), gettext_noop("%(count)s to be judged by hand")),
    ((v.NO_DATA,), gettext_noop("%(count)s without data")),
)


def worded_counts(statuses: Iterable[str]) -> str:
    """ "3项提前实现，2项快于或基本符合预期，1项滞后": the groups that occur, in the order of REPORT_GROUPS."""
    statuses = list(statuses)
    parts = []
    for codes, words in REPORT_GROUPS:
        count = sum(1 for status in statuses if status in codes)
        if count:
            parts.append(_(words) % {"count": count})
    return pgettext("list separator", ", ").join(parts)


def attribute_summary(rows: Iterable[EvaluationRow]) -> list[tuple[str, int, str]]:
    """(attribute word, number of targets, worded counts) for binding (约束性), anticipatory (预期性) and targets
    whose plan gives no attribute, those that occur, binding first: the two are reported apart."""
    groups: dict[str, list[str]] = {v.BINDING: [], v.ANTICIPATORY: [], "": []}
    for row in rows:
        groups[row.target.attribute if row.target.attribute in groups else ""].append(row.status)
    words = {v.BINDING: _("Binding (约束性)"), v.ANTICIPATORY: _("Anticipatory (预期性)"), "": _("No attribute stated")}
    return [(words[key], len(statuses), worded_counts(statuses)) for key, statuses in groups.items() if statuses]


def warns_early(item: TargetProgress) -> bool:
    """A binding target (约束性) expected to be missed: not met, and missed already or projected at the current
    pace to fall short in the target year (plans.progress.projection_meets). The evaluation and the overview
    list these."""
    if item.target.attribute != v.BINDING or item.status in (v.ACHIEVED, v.ACHIEVED_EARLY):
        return False
    if item.status == v.NOT_ACHIEVED:
        return True
    return pr.projection_meets(item.spec, item.progress) is False


def is_early_warning(row: EvaluationRow) -> bool:
    return warns_early(row.item)
