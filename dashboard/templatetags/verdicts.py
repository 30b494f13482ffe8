"""{% verdict_form card year as form %}: the verdict form of one city page card (a qualitative target), its field
ids unique on the page; `year` the page's default evaluation year (read once for every card)."""

from __future__ import annotations

from django import template

from dashboard.pages import Card
from dashboard.verdicts import VerdictForm, verdict_form

register = template.Library()


@register.simple_tag(name="verdict_form")
def card_verdict_form(card: Card, year: int) -> VerdictForm:
    target = card.item.target
    return verdict_form(target, year=year, auto_id=f"id_%s_verdict_{target.pk}")
