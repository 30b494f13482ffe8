"""The review queue: what a submitted import would change against the approved values, and how many targets it
would turn lagging. Approving and returning are in imports.service (they write)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from cities.access import reviewable_regions
from imports.service import Preview, stored_preview
from indicators.models import ActualsImport, SubmittedValue
from plans import vocabulary as v
from plans.selectors import evaluate_targets, targets_for

# The statuses a reviewer should notice an import moving a target into.
BEHIND = frozenset({v.LAGGING, v.FAR_BEHIND, v.REGRESSING, v.NOT_ACHIEVED})


def reviewable_imports(user: User | AnonymousUser) -> QuerySet[ActualsImport]:
    """Imports with values in regions the user may review (every import for a superuser)."""
    imports = ActualsImport.objects.select_related("region", "uploaded_by", "reviewed_by")
    if user.is_authenticated and user.is_superuser:
        return imports
    regions = reviewable_regions(user)
    touching = SubmittedValue.objects.filter(region__in=regions).values("actuals_import")
    return imports.filter(Q(pk__in=touching))


def review_queue(user: User | AnonymousUser) -> QuerySet[ActualsImport]:
    """Submitted imports waiting for this reviewer, oldest first."""
    return reviewable_imports(user).filter(status=ActualsImport.Status.SUBMITTED).order_by("committed_at", "pk")


def own_open_imports(user: User | AnonymousUser) -> QuerySet[ActualsImport]:
    """The user's own imports awaiting review or returned to them (for their home page)."""
    if not user.is_authenticated:
        return ActualsImport.objects.none()
    statuses = [ActualsImport.Status.SUBMITTED, ActualsImport.Status.RETURNED]
    return ActualsImport.objects.filter(uploaded_by=user, status__in=statuses).order_by("-committed_at", "-pk")


def lagging_after(record: ActualsImport) -> int:
    """How many targets of the regions it touches this import's values would turn lagging (滞后, 明显滞后, 倒退 or
    未实现) that are not so on the approved values alone."""
    regions = set(record.submitted_values.values_list("region_id", flat=True))
    indicators = set(record.submitted_values.values_list("indicator_id", flat=True))
    if not regions:
        return 0
    targets = list(targets_for().filter(plan__region_id__in=regions, indicator_id__in=indicators).order_by("pk"))
    before = {item.target.pk: item.status for item in evaluate_targets(targets)}
    after = evaluate_targets(targets, submitted_imports=[record.pk])
    return sum(1 for item in after if item.status in BEHIND and before[item.target.pk] not in BEHIND)


@dataclass(frozen=True)
class Review:
    record: ActualsImport
    preview: Preview  # the file compared with the approved values as they are now
    lagging: int

    @property
    def stale(self) -> bool:
        """The approved values moved since the submission: approving would be refused."""
        return self.preview.digest != self.record.change_digest


def review(record: ActualsImport) -> Review:
    # The values read at the upload (not the file parsed again), compared with the approved values now. The rights
    # were checked at submission; compared as the operator so a later change of rights is no error.
    preview = stored_preview(record, user=None)
    return Review(record, preview, lagging_after(record))
