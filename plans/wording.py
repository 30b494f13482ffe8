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

from indicators.numbers import plain
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
