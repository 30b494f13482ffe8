"""{% verdict_form statement year as form %}: the verdict form of one statement of a city page card (a qualitative
target), its field ids unique on the page; `year` the page's default evaluation year (read once for every card)."""

from __future__ import annotations

from django import template

from dashboard.pages import Statement
from dashboard.verdicts import VerdictForm, verdict_form

register = template.Library()


@register.simple_tag(name="verdict_form")
def statement_verdict_form(statement: Statement, year: int) -> VerdictForm:
    target = statement.item.target
    return verdict_form(target, year=year, auto_id=f"id_%s_verdict_{target.pk}")
