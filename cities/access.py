"""Who may write which region's actual values.

A user belongs to one region (Membership). With the permission ``indicators.import_actuals`` they write that
region and every region below it: a city official their city (and its counties), provincial staff the province
itself and all its cities. Superusers write everywhere. Nothing else grants write access.

Reviewing (approving or returning a submitted import) works the same way with ``indicators.review_actuals``
(the provincial-staff group): the reviewer's region and every region below it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from cities.models import Membership, Region
from cities.selectors import subtree_q

IMPORT_PERMISSION = "indicators.import_actuals"
# Locking a region × year (or a whole year) against changes: provincial staff and superusers.
LOCK_PERMISSION = "indicators.lock_periods"
REVIEW_PERMISSION = "indicators.review_actuals"


def writable_regions(user: User | AnonymousUser) -> QuerySet[Region]:
    return _regions_with(user, IMPORT_PERMISSION)


def reviewable_regions(user: User | AnonymousUser) -> QuerySet[Region]:
    """The regions whose submitted values the user may approve or return."""
    return _regions_with(user, REVIEW_PERMISSION)


def can_review_all(user: User | AnonymousUser | None, region_ids: Iterable[int]) -> bool:
    """May the user approve values of every one of these regions? None (the operator at the shell): yes."""
    if user is None:
        return True
    wanted = set(region_ids)
    return len(wanted) == reviewable_regions(user).filter(pk__in=wanted).count()


def submitted_regions(user: User | AnonymousUser) -> QuerySet[Region]:
    """The regions whose values awaiting review (submitted, not yet approved) the user may see: those they write or
    review — a city official their city, provincial staff the province and every city, a superuser every region.
    Another region's submitted values are nobody else's business (?include=submitted adds only these)."""
    return writable_regions(user) | reviewable_regions(user)


def submitted_scope(user: User | AnonymousUser) -> frozenset[int]:
    """The ids of submitted_regions(user): what evaluate_targets lays over the approved values, and part of the
    cache key of every page that shows them."""
    return frozenset(submitted_regions(user).values_list("pk", flat=True))


def _regions_with(user: User | AnonymousUser, permission: str) -> QuerySet[Region]:
    if not user.is_authenticated or not user.is_active:
        return Region.objects.none()
    if user.is_superuser:
        return Region.objects.all()
    if not user.has_perm(permission):
        return Region.objects.none()
    membership = Membership.objects.filter(user=user).select_related("region").first()
    if membership is None:
        return Region.objects.none()
    return Region.objects.filter(subtree_q(membership.region))


def may_import(user: User | AnonymousUser) -> bool:
    """Has the import right: then the user writes their home region (and those below it). No query beyond the
    permissions, which the user object caches."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(IMPORT_PERMISSION))


def can_write(user: User | AnonymousUser, region: Region) -> bool:
    return writable_regions(user).filter(pk=region.pk).exists()


def home_region(user: User | AnonymousUser) -> Region | None:
    """The region a user works for (the default region of their uploads), if any."""
    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user).select_related("region").first()
    return membership.region if membership else None


def can_lock(user: User | AnonymousUser) -> bool:
    """May lock and unlock periods (indicators.PeriodLock): the permission, or a superuser (has_perm says so)."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(LOCK_PERMISSION))
