"""A region and the regions below it: one rule (cities.selectors.subtree_q) for write rights, plans and targets."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.db.models import Q

from cities.access import writable_regions
from cities.models import Membership, Region
from cities.selectors import subtree_q
from plans.models import Plan, Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def county() -> Region:
    """中原区, a county-level district of Zhengzhou: the third level."""
    return Region.objects.create(
        adcode="410102",
        name_zh="中原区",
        name_en="Zhongyuan",
        level=Region.Level.COUNTY,
        parent=Region.objects.get(adcode="410100"),
    )


def test_it_covers_the_region_its_children_and_grandchildren(county: Region) -> None:
    henan, zhengzhou = Region.objects.get(adcode="410000"), Region.objects.get(adcode="410100")
    below_henan = set(Region.objects.filter(subtree_q(henan)).values_list("adcode", flat=True))
    assert below_henan == set(Region.objects.values_list("adcode", flat=True))
    below_zhengzhou = set(Region.objects.filter(subtree_q(zhengzhou)).values_list("adcode", flat=True))
    assert below_zhengzhou == {"410100", "410102"}
    assert list(Region.objects.filter(subtree_q(county)).values_list("adcode", flat=True)) == ["410102"]


def test_a_county_plan_counts_for_its_city_and_province(county: Region) -> None:
    plan = Plan.objects.create(
        slug="zhongyuan-14th", region=county, title="中原区十四五科技创新规划", period_start=2021, period_end=2025
    )
    for adcode in ("410000", "410100", "410102"):
        assert plan in Plan.objects.filter(subtree_q(Region.objects.get(adcode=adcode), "region"))
    assert plan not in Plan.objects.filter(subtree_q(Region.objects.get(adcode="410200"), "region"))


def test_it_is_the_same_sql_as_the_three_equalities_it_replaced() -> None:
    """No subquery and no extra query: the pinned query counts of the pages and the API rest on it."""
    r = Region.objects.get(adcode="410100")
    cases = [
        (Region.objects.filter(subtree_q(r)), Region.objects.filter(Q(pk=r.pk) | Q(parent=r) | Q(parent__parent=r))),
        (
            Plan.objects.filter(subtree_q(r, "region")),
            Plan.objects.filter(Q(region=r) | Q(region__parent=r) | Q(region__parent__parent=r)),
        ),
        (
            Target.objects.filter(subtree_q(r, "plan__region")),
            Target.objects.filter(Q(plan__region=r) | Q(plan__region__parent=r) | Q(plan__region__parent__parent=r)),
        ),
    ]
    for new, old in cases:
        assert str(new.query) == str(old.query)


def test_write_rights_follow_it(county: Region) -> None:
    user = User.objects.create_user("dora")
    user.user_permissions.add(Permission.objects.get(codename="import_actuals"))
    Membership.objects.create(user=user, region=Region.objects.get(adcode="410100"))
    user = User.objects.get(pk=user.pk)  # a fresh permission cache
    assert set(writable_regions(user).values_list("adcode", flat=True)) == {"410100", "410102"}
