"""{% explanation_form statement as form %}: the form of one statement of a city page card, its field ids unique
on the page and filled with the current explanation (saving makes a new version)."""

from __future__ import annotations

from django import template

from dashboard.explanations import ExplanationForm
from dashboard.pages import Statement

register = template.Library()


@register.simple_tag
def explanation_form(card: Statement) -> ExplanationForm:
    return ExplanationForm(instance=card.explanation, auto_id=f"id_%s_{card.item.target.pk}")
