"""Who may write which region's actual values.

A user belongs to one region (Membership). With the permission ``indicators.import_actuals`` they write that
region and every region below it: a city official their city (and its counties), provincial staff the province
itself and all its cities. Superusers write everywhere. Nothing else grants write access.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from cities.models import Membership, Region
from cities.selectors import subtree_q

IMPORT_PERMISSION = "indicators.import_actuals"
# Locking a region × year (or a whole year) against changes: provincial staff and superusers.
LOCK_PERMISSION = "indicators.lock_periods"


def writable_regions(user: User | AnonymousUser) -> QuerySet[Region]:
    if not user.is_authenticated or not user.is_active:
        return Region.objects.none()
    if user.is_superuser:
        return Region.objects.all()
    if not user.has_perm(IMPORT_PERMISSION):
        return Region.objects.none()
    membership = Membership.objects.filter(user=user).select_related("region").first()
    if membership is None:
        return Region.objects.none()
    return Region.objects.filter(subtree_q(membership.region))


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
