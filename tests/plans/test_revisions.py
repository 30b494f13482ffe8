"""Revised targets (plans.TargetRevision): the rules a revision obeys, its immutability, which one is in force for
an as-of year, the judgement against both the original and the revised target (computed again here from the
stored numbers), the API's fields, the POST and its permission, and the demo loader."""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import translation

from plans import vocabulary as v
from plans.admin import TargetRevisionInline
from plans.models import RevisionImmutable, Target, TargetRevision
from plans.revisions import DEMO_REASON, DEMO_TARGET, in_force, may_record_revision, revision_add
from plans.selectors import evaluate_targets, thresholds
from tests.conftest import _user
from tests.spreadsheets import store

pytestmark = pytest.mark.django_db

SLUG, KEY = DEMO_TARGET  # Zhengzhou, 国家科技型中小企业数量: baseline 5486 (2020), target ≥ 8000 (2025)
ACTUAL_2023 = "6800"


def smes() -> Target:
    return Target.objects.select_related("plan__region", "indicator").get(plan__slug=SLUG, key=KEY)


def revise(target: Target, value: str = "7200", *, on: str = "2024-01-01", **fields: Any) -> TargetRevision:
    values: dict[str, Any] = {
        "target_value": Decimal(value),
        "effective_from": datetime.date.fromisoformat(on),
        "document_title": "关于调整规划指标的决定",
        "document_number": "常发〔2024〕3号",
        "reason": "中期评估后按程序调整",
    }
    return revision_add(target=target, user=None, as_operator=True, **(values | fields))


def problems(target: Target, **fields: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        revise(target, **fields)
    return caught.value.message_dict


# --------------------------------------------------------------------------------------------------- the model


def test_a_range_whose_upper_value_is_below_the_value_is_refused_naming_the_field_in_both_languages() -> None:
    target = smes()
    found = problems(target, comparator=v.RANGE, target_value_max=Decimal("7000"))
    assert list(found) == ["target_value_max"]
    assert "新的上限值" in found["target_value_max"][0] and "7000" in found["target_value_max"][0]
    with translation.override("en"):
        found = problems(target, comparator=v.RANGE, target_value_max=Decimal("7000"))
    assert found["target_value_max"][0].startswith("New upper value: 7000 is below the new target value 7200")
    assert not TargetRevision.objects.exists()


def test_each_rule_names_its_field() -> None:
    target = smes()
    with translation.override("en"):
        assert "target_value_max" in problems(target, comparator=v.RANGE)  # a range needs its upper value
        assert "target_value_max" in problems(target, target_value_max=Decimal("9000"))  # only ranges have one
        assert "target_value" in problems(target, target_value=None)  # a level needs its number
        assert "target_year" in problems(target, target_year=2030)  # outside the plan period 2021–2025
        assert "effective_from" in problems(target, on="2019-06-01")  # before the plan period
        assert "document_title" in problems(target, document_title="  ")
        assert "reason" in problems(target, reason="")
        assert "kind" in problems(target, kind="no_such_kind")
    # A qualitative kind needs no number; a range with its bounds in order is fine.
    assert revise(target, comparator=v.RANGE, target_value_max=Decimal("7600")).new_comparator == v.RANGE
    assert TargetRevision.objects.count() == 1


def test_a_saved_revision_is_never_changed_or_deleted() -> None:
    record = revise(smes())
    record.target_value = Decimal("1")
    with pytest.raises(RevisionImmutable):
        record.save()
    with pytest.raises(RevisionImmutable):
        record.delete()
    record.refresh_from_db()
    assert record.target_value == Decimal("7200")
    assert TargetRevision.objects.count() == 1


def test_the_revision_in_force_is_the_latest_whose_year_has_come() -> None:
    target = smes()
    first = revise(target, "7500", on="2023-03-01")
    second = revise(target, "7200", on="2024-07-01")
    revisions = list(target.revisions.all())
    assert in_force(revisions, 2022) is None
    assert in_force(revisions, 2023) == first
    assert in_force(revisions, 2024) == second
    assert in_force(revisions, 2025) == second
    assert in_force(revisions, None) == second
    judged = {year: evaluate_targets([smes()], as_of=year)[0] for year in (2022, 2023, 2024)}
    assert judged[2022].revision is None and judged[2022].status_revised is None
    assert judged[2023].revision == first and judged[2023].spec.target_value == 7500
    assert judged[2024].revision == second and judged[2024].spec.target_value == 7200
    assert [r.pk for r in judged[2024].revisions] == [first.pk, second.pk]  # the history, oldest first


def _status(actual: float, baseline: float, level: float, year: int, base_year: int, target_year: int) -> str:
    """The pace status by the formulas of docs/methodology.md §6, from the stored numbers."""
    limits = thresholds()
    if actual >= level:
        return v.ACHIEVED_EARLY if year < target_year else v.ACHIEVED
    p = (actual - baseline) / (level - baseline)
    q = p / ((year - base_year) / (target_year - base_year))
    if q < 0:
        return v.REGRESSING
    if q >= limits.ahead:
        return v.AHEAD
    if q >= limits.on_schedule:
        return v.ON_SCHEDULE
    return v.LAGGING if q >= limits.lagging else v.FAR_BEHIND


def test_the_target_is_judged_against_the_original_and_the_revised_target() -> None:
    target = smes()
    store("410100", target.indicator.code, 2023, ACTUAL_2023, origin="manual")
    record = revise(target, "7200", on="2023-01-01")
    [item] = evaluate_targets([smes()], as_of=2023)
    actual, base = float(ACTUAL_2023), float(target.baseline_value or 0)
    assert target.baseline_year is not None
    original = _status(actual, base, float(target.target_value or 0), 2023, target.baseline_year, target.target_year)
    revised = _status(actual, base, float(record.target_value or 0), 2023, target.baseline_year, target.target_year)
    assert original != revised  # the example tells the two apart
    assert item.status_original == original
    assert item.status_revised == revised
    assert item.status == revised  # the headline (counts, colours) is the revised one
    assert item.original_progress.target_level == float(target.target_value or 0) == 8000
    assert item.revised is not None and item.revised.target_value == Decimal("7200")
    # The revised copy lives in memory: the stored target is untouched, and the copy cannot be saved.
    assert Target.objects.get(pk=target.pk).target_value == target.target_value
    with pytest.raises(RuntimeError):
        item.revised.save()


# ------------------------------------------------------------------------------------------------------ the API


def test_the_api_returns_the_revision_and_both_statuses(bob_client: Client) -> None:
    target = smes()
    store("410100", target.indicator.code, 2023, ACTUAL_2023, origin="manual")
    record = revise(target, "7200", on="2023-01-01")
    rows = bob_client.get("/api/v1/progress/", {"region": "410100", "year": "2023", "page_size": "1000"}).json()
    [row] = [row for row in rows["results"] if row["target"] == target.pk]
    assert row["revision"]["id"] == record.pk
    assert row["revision"]["target_value"] == 7200
    assert row["revision"]["document_number"] == "常发〔2024〕3号"
    assert row["revision"]["effective_from"] == "2023-01-01" and row["revision"]["year"] == 2023
    assert row["revision"]["demo"] is False
    assert (row["status_original"], row["status_revised"]) == (v.LAGGING, v.AHEAD)
    assert row["status"] == v.AHEAD
    others = [row for row in rows["results"] if row["target"] != target.pk]
    assert all(row["revision"] is None and row["status_revised"] is None for row in others)
    assert all(row["status_original"] == row["status"] for row in others)
    # Before the revision's year: not in force.
    rows = bob_client.get("/api/v1/progress/", {"region": "410100", "year": "2022", "page_size": "1000"}).json()
    [row] = [row for row in rows["results"] if row["target"] == target.pk]
    assert row["revision"] is None and row["status_revised"] is None
    detail = bob_client.get(f"/api/v1/targets/{target.pk}/").json()
    assert detail["revision"]["id"] == record.pk and [r["id"] for r in detail["revisions"]] == [record.pk]
    assert detail["status_original"] == v.LAGGING and detail["status_revised"] == v.AHEAD
    listed = bob_client.get("/api/v1/targets/", {"plan": str(target.plan_id), "page_size": "100"}).json()["results"]
    assert {row["id"]: row["status_revised"] for row in listed}[target.pk] == v.AHEAD
    history = bob_client.get(f"/api/v1/targets/{target.pk}/revisions/").json()
    assert history["count"] == 1 and history["results"][0]["reason"] == "中期评估后按程序调整"


BODY: dict[str, Any] = {
    "target_value": "7200",
    "effective_from": "2024-01-01",
    "document_title": "郑州市人大常委会关于调整规划指标的决定",
    "document_number": "郑常〔2024〕5号",
    "reason": "中期评估后调整",
}


def _post(client: Client, target: Target, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
    response = client.post(
        f"/api/v1/targets/{target.pk}/revisions/", data=json.dumps(body), content_type="application/json"
    )
    return response.status_code, response.json()


def test_provincial_staff_record_a_revision_through_the_api(bob: User, bob_client: Client) -> None:
    target = smes()
    status, body = _post(bob_client, target, BODY)
    assert status == 201, body
    record = TargetRevision.objects.get()
    assert record.recorded_by == bob and record.target == target and record.target_value == Decimal("7200")
    assert body["recorded_by"] == "bob" and body["kind"] == target.kind  # blank kind: unchanged
    # A bad one: 400 naming the field, nothing written.
    status, body = _post(bob_client, target, BODY | {"comparator": v.RANGE, "target_value_max": "7000"})
    assert status == 400 and "target_value_max" in body
    assert TargetRevision.objects.count() == 1


def test_a_city_official_may_never_record_a_revision(charlie: User, charlie_client: Client) -> None:
    target = smes()  # charlie's own city
    before = list(TargetRevision.objects.values_list("pk", flat=True))
    status, _body = _post(charlie_client, target, BODY)
    assert status == 403
    # Even holding the permission: a city official's region is not a province.
    charlie.user_permissions.add(Permission.objects.get(codename="add_targetrevision"))
    charlie = User.objects.get(pk=charlie.pk)  # permissions are cached on the instance
    assert charlie.has_perm("plans.add_targetrevision")
    assert not may_record_revision(charlie, target)
    with pytest.raises(PermissionDenied):
        revision_add(target=target, user=charlie, target_value=Decimal("1"), effective_from=datetime.date(2024, 1, 1),
                     document_title="x", reason="y")  # fmt: skip
    assert _post(charlie_client, target, BODY)[0] == 403
    assert list(TargetRevision.objects.values_list("pk", flat=True)) == before
    assert Target.objects.get(pk=target.pk).target_value == target.target_value


def test_provincial_staff_hold_the_permission_through_their_group(bob: User) -> None:
    assert bob.has_perm("plans.add_targetrevision")
    assert may_record_revision(bob, smes())
    dave = _user("dave", "410200", group="city_official")
    assert not dave.has_perm("plans.add_targetrevision")


# ------------------------------------------------------------------------------------------------- the demo one


def test_the_demo_loader_records_one_flagged_revision_once_and_load_plans_none() -> None:
    call_command("load_plans", stdout=io.StringIO())
    assert not TargetRevision.objects.exists()  # never loaded as a plan fact
    for _ in range(2):
        call_command("load_demo_revisions", stdout=io.StringIO())
    record = TargetRevision.objects.get()
    assert record.demo is True and record.target == smes()
    assert "演示：调整示例，非真实文件" in record.reason and record.reason == DEMO_REASON
    assert "演示" in record.document_title and "演示" in record.document_number
    call_command("load_plans", stdout=io.StringIO())
    assert TargetRevision.objects.get() == record  # reloading the plans keeps it (the target is updated in place)


def test_the_target_admin_lists_the_revisions_read_only(alice: User, alice_client: Client, charlie: User) -> None:
    record = revise(smes())
    url = f"/admin/plans/target/{record.target_id}/change/"
    html = alice_client.get(url).content.decode()
    assert record.document_title in html and record.reason in html
    inline = TargetRevisionInline(Target, admin.site)
    request = RequestFactory().get(url)
    request.user = alice
    assert inline.has_add_permission(request, record.target)  # a new one may be added
    assert not inline.has_change_permission(request, record.target)  # the saved ones are read-only
    assert not inline.has_delete_permission(request, record.target)
    request.user = charlie
    assert not inline.has_add_permission(request, record.target)
