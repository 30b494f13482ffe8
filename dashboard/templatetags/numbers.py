"""Numbers as the plans print them (800, not 8E+2 or 800.000000), and status words linked to their rule."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from indicators.numbers import exact as exact_number
from indicators.numbers import plain as plain_number
from plans import wording
from plans.evaluation import figure_text
from plans.evaluation import stated_target as stated_target_text
from plans.models import Target
from plans.progress import Progress, is_finite

register = template.Library()


@register.filter
def plain(value: Decimal | None) -> str:
    return "—" if value is None else plain_number(value)


@register.filter
def exact(value: float | None, unit: str = "") -> str:
    """A stored value (an actual, a baseline, a target) exactly as stored, with the unit when given: 1367.42."""
    text = exact_number(value)
    return text if text == "—" or not unit else f"{text} {unit}"


@register.filter
def computed(value: float | None) -> str:
    """A computed figure of a chart's table (plan path, projection): four significant digits but never fewer than
    two decimals, so a path passing through a stored 1367.42 reads 1367.42, not 1367."""
    if not is_finite(value):
        return "—"
    assert value is not None  # noqa: S101 — is_finite checked it
    digits = len(str(int(abs(value)))) if abs(value) >= 1 else 0
    return plain_number(round(Decimal(repr(value)), max(2, 4 - digits)))


@register.filter
def figure(value: float | None, unit: str = "") -> str:
    """A computed figure (progress evaluation): four significant digits, with the unit when given."""
    return figure_text(value, unit)


@register.filter
def percent(value: float | None) -> str:
    """A share or a growth rate as a percentage: 0.4567 → 45.7 %."""
    return "—" if not is_finite(value) else f"{value * 100:.1f}%"  # type: ignore[operator]


@register.filter
def stated_target(target: Target) -> str:
    return stated_target_text(target)


@register.filter
def status_label(result: Progress) -> str:
    """The status word (提前实现, 滞后, …) in the active language."""
    return wording.status_label(result)


@register.filter
def status_help(status: str) -> str:
    """The address of a status's explanation on the help page: /help/#status-lagging."""
    return f"{reverse('help')}#status-{status}"


@register.simple_tag
def status_badge(status: str) -> SafeString:
    """A status word as every page shows it: its colour, and a link to the rule that gives it (the help page)."""
    return format_html(
        '<a class="status-link" href="{}"><span class="badge pace-{}">{}</span></a>',
        status_help(status),
        status,
        wording.status_word(status),
    )


@register.filter
def trend_label(result: Progress) -> str:
    """The trend word (可按期实现, 需加快, …) in the active language."""
    return wording.trend_label(result)


@register.simple_tag
def rank_change(change: int | None) -> SafeString:
    """Places gained (↑2) or lost (↓1) since the year before, → for none; nothing without a rank that year."""
    if change is None:
        return SafeString("")
    if change == 0:
        return format_html('<span class="rank-same" title="{}">→</span>', _("same rank as the year before"))
    if change > 0:
        gained = _("places gained since the year before")
        return format_html('<span class="rank-up" title="{}">↑{}</span>', gained, change)
    lost = _("places lost since the year before")
    return format_html('<span class="rank-down" title="{}">↓{}</span>', lost, -change)
