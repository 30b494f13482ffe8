"""The words of the progress evaluation: status labels and notes, in Chinese and in English.

plans.progress returns codes; this module words them. Kept apart so the method stays free of Django.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from indicators.numbers import exact, plain
from plans import consistency
from plans import progress as pr
from plans import vocabulary as v
from plans.models import Target

# The word of every status code (plans.vocabulary.STATUSES), in the order of the legends.
STATUS_LABELS: Mapping[str, Promise] = {
    v.ACHIEVED_EARLY: _("Achieved early"),
    v.ACHIEVED: _("Achieved"),
    v.AHEAD: _("Ahead of schedule"),
    v.ON_SCHEDULE: _("On schedule"),
    v.PARTLY_ACHIEVED: _("Partly achieved"),
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
    pr.NOTE_STALE_ACTUAL: _("The latest actual is from %(year)s, %(as_of)s being the year of the evaluation."),
    pr.NOTE_NO_TARGET_YEAR_ACTUAL: _(
        "No actual for the target year %(target_year)s (the latest is from %(year)s): no final verdict yet."
    ),
    pr.NOTE_VERDICT: _("Status from the reviewer's verdict for %(year)s."),
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


# The comparator before a number; "about" and "range" are worded around it instead.
_SIGNS: Mapping[str, str] = {v.AT_LEAST: "≥", v.MORE_THAN: ">", v.EQUAL: "=", v.AT_MOST: "≤"}
# Units written against the number ("10%"); every other unit after a space ("800 家").
_TIGHT_UNITS = ("%", "‰")


def _amount(value: Decimal, unit: str) -> str:
    number = plain(value)
    if not unit:
        return number
    return f"{number}{unit}" if unit in _TIGHT_UNITS else f"{number} {unit}"


def _bound(target: Target, unit: str) -> str:
    """The number and its comparator: "≥ 800 家", "1–2 家", "800 家左右"."""
    assert target.target_value is not None  # noqa: S101 — the callers checked it
    if target.comparator == v.RANGE and target.target_value_max is not None:
        return _amount(target.target_value, "") + "–" + _amount(target.target_value_max, unit)
    if target.comparator == v.ABOUT:
        return str(_("about %(value)s") % {"value": _amount(target.target_value, unit)})
    return f"{_SIGNS.get(target.comparator, '')} {_amount(target.target_value, unit)}".strip()


def _relative(target: Target) -> str:
    growth = target.compares == v.COMPARES_GROWTH
    if target.comparator == v.MORE_THAN:
        what = _("average annual growth above the provincial average") if growth else _("above the provincial average")
    elif target.comparator == v.AT_MOST:
        what = _("at most the provincial average growth") if growth else _("at most the provincial average")
    else:
        what = (
            _("average annual growth at least the provincial average")
            if growth
            else _("at least the provincial average")
        )
    return str(what)


def _stated(target: Target) -> str:
    if target.kind == v.RELATIVE_TO_AVERAGE:
        return _relative(target)
    if target.target_value is None:
        return str(_("qualitative, no number stated"))
    if target.kind == v.MULTIPLE_OF_BASELINE:
        multiple = plain(target.target_value)
        if target.comparator == v.RANGE and target.target_value_max is not None:
            multiple = f"{multiple}–{plain(target.target_value_max)}"
        times = str(_("%(multiple)s × the baseline") % {"multiple": multiple})
        if target.comparator == v.ABOUT:
            return str(_("about %(value)s") % {"value": times})
        return f"{_SIGNS.get(target.comparator, '')} {times}".strip()
    if target.kind == v.QUALITATIVE and target.unit == "%" and target.target_value == 100:
        return str(_("full coverage"))
    bound = _bound(target, target.unit)
    if target.kind == v.ANNUAL_GROWTH_RATE:
        return str(_("average annual growth %(bound)s") % {"bound": bound})
    if target.kind == v.CUMULATIVE_NEW:
        return str(_("%(bound)s added over the period") % {"bound": bound})
    if target.kind == v.PER_YEAR:
        return str(_("%(bound)s every year") % {"bound": bound})
    return bound


def target_text(target: Target, language: str | None = None) -> str:
    """A target as the plan states it, whole: "≥ 800 家（2025）", "年均增长 ≥ 10%（2025）", "高于全省平均水平（2025）",
    "全覆盖（2025）", "≥ 基期值的 2 倍（2025）", "定性目标，未给数值（2025）" — never a comparator or a unit without
    its number."""
    with _language(language):
        return str(_("%(target)s (%(year)s)") % {"target": _stated(target), "year": target.target_year})


@dataclass(frozen=True)
class NotePart:
    """A piece of a target's note as a reader sees it; `target_id` when it names another target of the plan."""

    text: str
    target_id: int | None = None


@dataclass(frozen=True)
class TargetRef:
    """What a note's mention of a target key ("goals-hightech-firms-350") becomes: its row and printed name."""

    target_id: int
    number: int
    label: str


# A key as the fixture files write them: target keys ("goals-hightech-firms-350", "table-07"), indicator codes
# ("enterprise_rd_activity_coverage").
_KEY = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+(?![A-Za-z0-9_-])")


def readable_note(
    note: str, targets: Mapping[str, TargetRef], indicators: Mapping[str, str], language: str | None = None
) -> list[NotePart]:
    """A target's note without internal keys: another target's key becomes its row and name (第12项“高新技术企业”,
    linked), an indicator code its name; the rest of the note is kept as written. The keys stay in the admin."""
    parts: list[NotePart] = []
    start = 0
    with _language(language):
        for match in _KEY.finditer(note):
            key = match.group(0)
            ref, name = targets.get(key), indicators.get(key)
            if ref is None and name is None:
                continue
            if match.start() > start:
                parts.append(NotePart(note[start : match.start()]))
            if ref is not None:
                text = str(_("No. %(number)s “%(label)s”") % {"number": ref.number, "label": ref.label})
                parts.append(NotePart(text, ref.target_id))
            else:
                parts.append(NotePart(f"“{name}”"))
            start = match.end()
    if start < len(note):
        parts.append(NotePart(note[start:]))
    return parts


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
