"""{% verdict_form card as form %}: the verdict form of one city page card (a qualitative target), its field ids
unique on the page."""

from __future__ import annotations

from django import template

from dashboard.pages import Card
from dashboard.verdicts import VerdictForm, verdict_form

register = template.Library()


@register.simple_tag(name="verdict_form")
def card_verdict_form(card: Card) -> VerdictForm:
    target = card.item.target
    return verdict_form(target, auto_id=f"id_%s_verdict_{target.pk}")
