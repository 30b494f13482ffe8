"""The words of the progress evaluation: status labels and notes, in Chinese and in English.

plans.progress returns codes; this module words them. Kept apart so the method stays free of Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from plans import consistency
from plans import progress as pr
from plans import vocabulary as v

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
