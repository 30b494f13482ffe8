"""Revised targets (plans.TargetRevision): a target adjusted mid-plan through the formal procedure — the proposal
by the first quarter of the plan's fourth year, approved by the people's congress standing committee (人大常委会)
or the government, by a document with its number, taking effect on a date, for a reason.

The original target stays and is judged too: for an as-of year the revision in force is the latest whose year of
effect is at most that year (`in_force`); the target is then judged against a revised copy of itself, built in
memory and never saved (`revised_target`), by the same method (plans.selectors.evaluate_targets). The headline
status — counts, summaries, colours — is the revised one when a revision is in force.

Who records one: who holds ``plans.add_targetrevision`` (the provincial-staff group) and works for a province
whose region holds the target's; superusers. City officials never (their region is not a province). Every
revision is a new row; a saved one is never edited or deleted.
"""

from __future__ import annotations

import copy
import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cities.access import home_region
from cities.models import Region
from cities.selectors import subtree_q
from plans import vocabulary as v
from plans.models import Target, TargetRevision

REVISION_PERMISSION = "plans.add_targetrevision"

# The demonstration revision load_demo_revisions records (演示数据): never presented as a real document.
DEMO_REASON = "演示：调整示例，非真实文件。用于展示规划中期调整目标后按原目标、按调整后目标两种口径的评估。"
DEMO_TITLE = "演示：调整示例，非真实文件（规划指标调整示例）"
DEMO_NUMBER = "演示〔2024〕1号"
DEMO_EFFECTIVE = datetime.date(2024, 1, 1)
# One target of one plan (plan slug, target key), its value lowered by a tenth.
DEMO_TARGET = ("zhengzhou", "table-13-tech-smes")


def may_record_revision(user: User | AnonymousUser, target: Target) -> bool:
    """The permission, and a province (whose region holds the target's) as the user's region; a superuser."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.has_perm(REVISION_PERMISSION):
        return False
    home = home_region(user)
    if home is None or home.level != Region.Level.PROVINCE:
        return False
    return Region.objects.filter(subtree_q(home), pk=target.plan.region_id).exists()


def may_record_any_revision(user: User | AnonymousUser) -> bool:
    """Whether the user records revisions at all (the city page offers the form then): no query for most users."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.has_perm(REVISION_PERMISSION)))


def in_force(revisions: Iterable[TargetRevision], year: int | None) -> TargetRevision | None:
    """The revision in force as of `year`: the latest (by date of effect, then recording) whose year of effect is
    at most `year`; the latest of all when `year` is None (the latest data); None when none applies yet."""
    applicable = [r for r in revisions if year is None or r.effective_from.year <= year]
    if not applicable:
        return None
    return max(applicable, key=lambda r: (r.effective_from, r.recorded_at, r.pk or 0))


def revisions_by_target(target_ids: Iterable[int]) -> dict[int, list[TargetRevision]]:
    """Every revision of these targets, oldest first, in one query."""
    grouped: dict[int, list[TargetRevision]] = defaultdict(list)
    ids = set(target_ids)
    if not ids:
        return grouped
    records = TargetRevision.objects.filter(target_id__in=ids).select_related("recorded_by")
    for record in records.order_by("target_id", "effective_from", "recorded_at", "id"):
        grouped[record.target_id].append(record)
    return grouped


def revised_target(target: Target, revision: TargetRevision) -> Target:
    """A copy of the target as revised, in memory only (never saved: its save refuses): the revision's value, and
    its kind, comparator and target year where it gives one. Same pk, plan and indicator as the original."""
    revised = copy.copy(target)
    revised._state = copy.copy(target._state)
    revised.kind = revision.kind or target.kind
    revised.comparator = revision.comparator or target.comparator
    revised.target_year = revision.target_year or target.target_year
    revised.target_value = revision.target_value
    revised.target_value_max = revision.target_value_max if revised.comparator == v.RANGE else None
    revised.save = _refuse_save  # type: ignore[method-assign]
    return revised


def _refuse_save(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a revised target is a copy in memory: record a TargetRevision instead")


def revision_add(
    *,
    target: Target,
    user: User | AnonymousUser | None,
    as_operator: bool = False,
    target_value: Decimal | None,
    effective_from: datetime.date,
    document_title: str,
    reason: str,
    document_number: str = "",
    target_value_max: Decimal | None = None,
    kind: str = "",
    comparator: str = "",
    target_year: int | None = None,
    demo: bool = False,
) -> TargetRevision:
    """A new revision of `target` (the earlier ones are kept), recorded by `user`. PermissionDenied without the
    right, unless `as_operator` (the operator at the shell: the demo loader); ValidationError by field
    (TargetRevision.clean)."""
    if not as_operator and (user is None or not may_record_revision(user, target)):
        raise PermissionDenied(_("Only provincial staff with the right to record revisions may revise a target."))
    record = TargetRevision(
        target=target,
        kind=kind or "",
        comparator=comparator or "",
        target_value=target_value,
        target_value_max=target_value_max,
        target_year=target_year,
        document_title=document_title.strip(),
        document_number=document_number.strip(),
        effective_from=effective_from,
        reason=reason.strip(),
        recorded_by=user if isinstance(user, User) else None,
        demo=demo,
    )
    record.save()  # full_clean first: the errors by field
    return record


def demo_revision(user: User | None = None) -> tuple[TargetRevision | None, bool]:
    """The demonstration revision (demo=True, 演示数据) on one target of one plan, recorded as `user` (the demo
    province user, if any); (record, created). Idempotent: (the existing one, False) when it is there; (None, False)
    when the plan or the target is not loaded."""
    slug, key = DEMO_TARGET
    target = Target.objects.select_related("plan").filter(plan__slug=slug, key=key).first()
    if target is None or target.target_value is None:
        return None, False
    existing = target.revisions.filter(demo=True).first()
    if existing is not None:
        return existing, False
    record = revision_add(
        target=target,
        user=user,
        as_operator=True,
        target_value=(target.target_value * Decimal("0.9")).quantize(Decimal("1")),
        effective_from=DEMO_EFFECTIVE,
        document_title=DEMO_TITLE,
        document_number=DEMO_NUMBER,
        reason=DEMO_REASON,
        demo=True,
    )
    return record, True
