"""Writing a target's explanation (plans.TargetExplanation): only who may write the target's region, and every
edit a new row, so the earlier versions stay."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

from cities.access import can_write
from plans.models import Target, TargetExplanation


def may_explain(user: User | AnonymousUser, target: Target) -> bool:
    return can_write(user, target.plan.region)


def explanation_add(
    *,
    target: Target,
    year: int,
    user: User | AnonymousUser,
    situation: str,
    outlook: str,
    causes: str,
    measures: str,
    propose_revision: bool = False,
    revised_target: Decimal | None = None,
) -> TargetExplanation:
    """A new version of the target's explanation for `year` (the earlier ones are kept)."""
    if not may_explain(user, target):
        raise PermissionDenied
    return TargetExplanation.objects.create(
        target=target,
        year=year,
        situation=situation.strip(),
        outlook=outlook.strip(),
        causes=causes.strip(),
        measures=measures.strip(),
        propose_revision=propose_revision,
        revised_target=revised_target if propose_revision else None,
        author=user if isinstance(user, User) else None,
    )
