"""The evaluation table of a plan (中期/终期评估): one row per target at an as-of year, the counts per status and
the sentence that summarises them. dashboard.downloads writes it as a workbook."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from indicators.numbers import plain
from plans import progress as pr
from plans import wording as tx
from plans.models import Plan, Target, TargetExplanation
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


def plan_evaluation(plan: Plan, year: int, *, include_submitted: bool = False) -> Evaluation:
    items = evaluate_targets(targets_for(plan=plan), as_of=year, include_submitted=include_submitted)
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
    """The target as the plan states it: "≥ 3 % (2025)", "年均增长 ≥ 12 %", "> 全省平均"."""
    if target.kind == Target.Kind.RELATIVE_TO_AVERAGE:
        what = _("the provincial average growth") if target.compares == "growth" else _("the provincial average")
        return f"{target.get_comparator_display()} {what} ({target.target_year})"
    if target.target_value is None:
        return _("not quantified (%(year)s)") % {"year": target.target_year}
    value = plain(target.target_value)
    if target.target_value_max is not None:
        value = f"{value}–{plain(target.target_value_max)}"
    prefix = _("average annual growth") + " " if target.kind == Target.Kind.ANNUAL_GROWTH_RATE else ""
    if target.kind == Target.Kind.CUMULATIVE_NEW:
        prefix = _("new") + " "
    elif target.kind == Target.Kind.PER_YEAR:
        prefix = _("every year") + " "
    return f"{prefix}{target.get_comparator_display()} {value} {target.unit} ({target.target_year})".strip()


def figure_text(value: float | None, unit: str = "") -> str:
    """A computed figure for the page: four significant digits, no exponent."""
    if not pr.is_finite(value):
        return "—"
    assert value is not None  # noqa: S101 — is_finite checked it
    text = plain(Decimal(f"{value:.4g}")) if abs(value) < 1e15 else f"{value:.4g}"
    return f"{text} {unit}".strip()
