"""Reads about the region tree: which regions lie under which."""

from __future__ import annotations

from django.db.models import Q

from cities.models import Region

# Province → city → county: a region has at most two levels below it.
DEPTH = len(Region.Level)


def subtree_q(region: Region, prefix: str = "") -> Q:
    """A filter for `region` and every region below it, on the region reached through `prefix`.

    ``Region.objects.filter(subtree_q(home))`` is the region and its descendants;
    ``Plan.objects.filter(subtree_q(region, "region"))`` their plans; ``Target.objects.filter(subtree_q(region,
    "plan__region"))`` their targets. One OR of equalities on the parent chain (no subquery, no extra query).
    """
    q = Q()
    for level in range(DEPTH):
        path = "__".join([*([prefix] if prefix else []), *(["parent"] * level)])
        q |= Q(**{path: region}) if path else Q(pk=region.pk)
    return q
