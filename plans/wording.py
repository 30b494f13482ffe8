"""The words of the progress evaluation: status labels and notes, in Chinese and in English.

plans.progress returns codes; this module words them. Kept apart so the method stays free of Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from indicators.numbers import exact, plain
from plans import consistency
from plans import progress as pr
from plans import vocabulary as v

# The word of every status code (plans.vocabulary.STATUSES), in the order of the legends.
STATUS_LABELS: Mapping[str, Promise] = {
    v.ACHIEVED_EARLY: _("Achieved early"),
    v.ACHIEVED: _("Achieved"),
    v.AHEAD: _("Ahead of schedule"),
    v.ON_SCHEDULE: _("On schedule"),
    v.LAGGING: _("Lagging"),
    v.FAR_BEHIND: _("Far behind"),
    v.REGRESSING: _("Moving away"),
    v.NOT_ACHIEVED: _("Not achieved"),
    v.NOT_QUANTIFIED: _("Not quantified"),
    v.NO_DATA: _("No data"),
}

TREND_LABELS: Mapping[str, Promise] = {
    pr.TREND_ACHIEVED: _("Achieved"),
    pr.TREND_ON_TRACK: _("On track"),
    pr.TREND_ACCELERATION_NEEDED: _("Acceleration needed"),
    pr.TREND_LIMITED_PROGRESS: _("Limited progress"),
    pr.TREND_DETERIORATION: _("Deterioration"),
    pr.TREND_INSUFFICIENT_DATA: _("Insufficient data"),
    pr.TREND_NOT_APPLICABLE: _("Not applicable"),
}

NOTES: Mapping[str, Promise] = {
    pr.NOTE_NO_ACTUAL: _("No actual up to %(year)s."),
    pr.NOTE_ONLY_BASELINE_YEAR: _("Only the baseline year has an actual: judging the pace needs a later year."),
    pr.NOTE_BASELINE_MOVED: _(
        "No actual for the baseline year %(from_year)s: the %(year)s actual is used as the baseline."
    ),
    pr.NOTE_NO_BASELINE: _("No baseline: the plan states none and there is no actual for %(year)s or later."),
    pr.NOTE_BASELINE_FROM_ACTUALS: _("Baseline taken from the %(year)s actual."),
    pr.NOTE_NOT_QUANTIFIED: _("The target states no number: it is judged by hand."),
    pr.NOTE_NO_PARENT_VALUE: _("The provincial value for %(year)s is missing."),
    pr.NOTE_JUDGED_AT_TARGET_YEAR: _("Judged in the target year %(year)s; later actuals are not used."),
    pr.NOTE_YEARS_MISSING: _("Years without an actual: %(years)s."),
    pr.NOTE_MET_AT_BASELINE: _("The baseline already met the target; the latest actual no longer does."),
    pr.NOTE_NOT_POSITIVE: _("A zero or negative value: the compound growth cannot be computed."),
    pr.NOTE_ZERO_REPLACED: _("A zero base or target is replaced by %(zero)s in the growth formulas."),
    pr.NOTE_RATE_ZERO: _("The target growth rate is zero."),
}


def _language(language: str | None) -> AbstractContextManager[None]:
    """The language to word in: the one asked for, else the active one (no switch: pages word hundreds of
    statuses), else Chinese."""
    if language is None and translation.get_language() is not None:
        return nullcontext()
    return translation.override(language or "zh-hans")


def status_word(status: str, language: str | None = None) -> str:
    """The word of a status code: 提前实现, 滞后, 未实现…"""
    with _language(language):
        return str(STATUS_LABELS[status])


def status_label(result: pr.Progress, language: str | None = None) -> str:
    """The word of a result's one status (plans.progress.status)."""
    return status_word(pr.status(result), language)


def status_words(language: str | None = None) -> dict[str, str]:
    """Every status code and its word, in the order of the legends."""
    with _language(language):
        return {status: str(label) for status, label in STATUS_LABELS.items()}


def trend_label(result: pr.Progress, language: str | None = None) -> str:
    with _language(language):
        return str(TREND_LABELS[result.trend_status])


def _shown(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def note_text(note: pr.Note, language: str | None = None) -> str:
    with _language(language):
        return str(NOTES[note.code]) % {k: _shown(v) for k, v in note.params.items()}


def notes_text(result: pr.Progress, language: str | None = None) -> str:
    return " ".join(note_text(note, language) for note in result.notes)


CONSISTENCY: Mapping[str, Promise] = {
    consistency.GROWTH_VS_LEVEL: _(
        "Growing at the stated rate from %(base)s, the level would be %(implied)s, but the plan also states "
        "%(stated)s (%(difference)s apart)."
    ),
    consistency.MULTIPLE_VS_LEVEL: _(
        "The multiple of the baseline %(base)s gives %(implied)s, but the plan also states %(stated)s "
        "(%(difference)s apart)."
    ),
    consistency.NEW_VS_STOCK: _(
        "The baseline %(base)s plus the amount to add gives %(implied)s, but the plan states a stock of %(stated)s "
        "(%(difference)s apart)."
    ),
    consistency.LEVEL_RESTATED: _("The same level is stated as %(implied)s and as %(stated)s."),
    consistency.BASELINE_RESTATED: _("The same baseline is stated as %(implied)s and as %(stated)s."),
    consistency.FLAGGED: _("Marked as conflicting when the plan was transcribed: read both sentences."),
}


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.4g}".replace(",", "")


def consistency_text(finding: consistency.Inconsistency, language: str | None = None) -> str:
    params = {
        "base": _number(finding.base),
        "implied": _number(finding.implied),
        "stated": _number(finding.stated),
        "difference": "—" if finding.difference is None else f"{abs(finding.difference):.1%}",
    }
    with _language(language):
        return str(CONSISTENCY[finding.code]) % params


# ------------------------------------------------------------------------------------ judgements explained


DISAGREEMENTS: Mapping[str, Promise] = {
    pr.LAGGING_BUT_ON_TRACK: _("%(status)s on pace (序时进度), on track by the current trend"),
    pr.ON_PACE_BUT_OFF_TRACK: _("%(status)s on pace (序时进度), off track by the current trend"),
}

FIGURE_LABELS: Mapping[str, Promise] = {
    "baseline": _("Baseline (%(year)s)"),
    "latest": _("Latest (%(year)s)"),
    "added": _("New since the baseline"),
    "multiple": _("Multiple of the baseline reached"),
    "multiple_value": _("%(multiple)s times"),
    "parent": _("Provincial value (%(year)s)"),
    "growth": _("Average annual growth since %(year)s"),
    "parent_growth": _("Provincial average annual growth since %(year)s"),
    "years_met": _("Years met"),
    "years_met_value": _("%(met)s of %(elapsed)s years so far"),
    "projection": _("Projected for %(year)s at the current pace"),
    "completion": _("Completion"),
}


def computed_number(value: float) -> str:
    """A computed figure: four significant digits, never losing an integer digit (1078, 0.7200, 1.716)."""
    digits = len(str(int(abs(value)))) if abs(value) >= 1 else 0
    return plain(round(Decimal(repr(value)), max(0, 4 - digits)))


def share_text(share: float) -> str:
    """72 %, 33.3 %: one decimal, none when it is zero."""
    return f"{plain(round(Decimal(repr(share * 100)), 1))} %"


def completion_formula(spec: pr.TargetSpec, result: pr.Progress) -> str:
    """The completion as the method computed it, written out: "(690 − 402) ÷ 400 = 72 %"; "" when none."""
    terms = pr.completion_terms(spec, result)
    if terms is None:
        return ""
    reached = exact(terms.reached) if terms.start is None else f"({exact(terms.reached)} − {exact(terms.start)})"
    goal = computed_number(terms.goal)
    if terms.goal_start is not None:
        goal = f"({goal} − {exact(terms.goal_start)})"
    return f"{reached} ÷ {goal} = {share_text(terms.share)}"


def disagreement_text(spec: pr.TargetSpec, result: pr.Progress, language: str | None = None) -> str:
    """Both readings where the pace and the trend disagree: 按序时进度滞后，按当前趋势可实现; "" where they agree."""
    code = pr.disagreement(spec, result)
    if code is None:
        return ""
    with _language(language):
        return str(DISAGREEMENTS[code]) % {"status": str(STATUS_LABELS[result.pace_status])}


def judgement_figures(
    spec: pr.TargetSpec, result: pr.Progress, unit: str, language: str | None = None
) -> list[tuple[str, str]]:
    """The numbers a target's judgement actually uses, as (label, value) in the active language: 新增 the baseline,
    the latest and the new since the baseline; 翻番 the multiple reached; vs the average the province's value; 每年
    the years met of the years elapsed; the projection where there is one; the completion formula. Read off the
    method's result (plans.progress), never recomputed."""

    def amount(value: float) -> str:
        return f"{exact(value)} {unit}".strip()

    def computed(value: float) -> str:
        return f"{computed_number(value)} {unit}".strip()

    rows: list[tuple[str, str]] = []
    with _language(language):
        label = {key: str(words) for key, words in FIGURE_LABELS.items()}
        y0, t = result.baseline_year_used, result.year
        if spec.kind == v.PER_YEAR:
            if result.years_met is not None and result.years_elapsed is not None:
                met = {"met": result.years_met, "elapsed": result.years_elapsed}
                rows.append((label["years_met"], label["years_met_value"] % met))
        elif spec.kind == v.CUMULATIVE_NEW:
            if result.baseline_level is not None and y0 is not None:
                rows.append((label["baseline"] % {"year": y0}, amount(result.baseline_level)))
            if result.actual is not None and t is not None:
                rows.append((label["latest"] % {"year": t}, amount(result.actual)))
            if result.measured is not None:
                rows.append((label["added"], computed(result.measured)))
        elif spec.kind == v.RELATIVE_TO_AVERAGE and spec.compares == v.COMPARES_GROWTH:
            if result.observed_growth is not None and result.required_growth is not None and y0 is not None:
                rows.append((label["growth"] % {"year": y0}, share_text(result.observed_growth)))
                rows.append((label["parent_growth"] % {"year": y0}, share_text(result.required_growth)))
        else:
            if result.baseline_used is not None and y0 is not None and spec.kind != v.ANNUAL_GROWTH_RATE:
                rows.append((label["baseline"] % {"year": y0}, amount(result.baseline_used)))
            if result.actual is not None and t is not None:
                rows.append((label["latest"] % {"year": t}, amount(result.actual)))
            if result.parent_value is not None and t is not None:
                rows.append((label["parent"] % {"year": t}, amount(result.parent_value)))
            if result.multiple_reached is not None:
                multiple = {"multiple": computed_number(result.multiple_reached)}
                rows.append((label["multiple"], label["multiple_value"] % multiple))
            if spec.kind == v.ANNUAL_GROWTH_RATE and result.observed_growth is not None and y0 is not None:
                rows.append((label["growth"] % {"year": y0}, share_text(result.observed_growth)))
        if result.projected_value is not None and spec.kind in (v.LEVEL, v.MULTIPLE_OF_BASELINE, v.CUMULATIVE_NEW):
            rows.append((label["projection"] % {"year": spec.target_year}, computed(result.projected_value)))
        formula = completion_formula(spec, result)
        if formula:
            rows.append((label["completion"], formula))
    return rows
