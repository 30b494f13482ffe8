"""Published evaluations: frozen snapshots, the stage of values (预计值 / 统计值), the pages, the API, the command."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from imports.service import commit
from indicators.models import ActualsImport, Indicator, ObservationChange
from indicators.services import observation_set
from plans import published as pub
from plans.evaluation import plan_evaluation
from plans.models import Plan, PublishedEvaluation, PublishedEvaluationFrozen
from tests.conftest import _user
from tests.spreadsheets import assert_at, csv_bytes, imported, refused, store, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhengzhou() -> Plan:
    return Plan.objects.get(slug="zhengzhou")


def _rd(plan: Plan) -> Any:
    snapshot = pub.build_snapshot(plan, 2025, "final")
    return next(row for row in snapshot["plans"][0]["rows"] if row["indicator"] == "rd_intensity")


def _stage(adcode: str, year: int) -> str:
    obs = stored(adcode, "rd_intensity", year)
    assert obs is not None
    return obs.stage


def _publisher() -> User:
    user = _user("pat", "410000", staff=True, group="provincial_staff")
    user.user_permissions.add(Permission.objects.get(codename="add_publishedevaluation"))
    return user


def test_the_snapshot_holds_what_the_evaluation_computes(zhengzhou: Plan) -> None:
    store("410100", "rd_intensity", 2024, "3.1", origin="manual")
    record = pub.publish(plan=zhengzhou, year=2025, kind="final", user=None)
    evaluation = plan_evaluation(zhengzhou, 2025)
    part = record.snapshot["plans"][0]
    assert part["counts"] == dict(evaluation.counts)
    assert [row["target"] for row in part["rows"]] == [row.target.pk for row in evaluation.rows]
    for frozen, row in zip(part["rows"], evaluation.rows, strict=True):
        assert frozen["status"] == row.status
        assert frozen["actual_year"] == row.progress.year
        assert frozen["completion"] == (pytest.approx(row.completion) if row.completion is not None else None)
        assert frozen["status_label"]["zh-hans"] and frozen["status_label"]["en"]
    value = next(x for x in record.snapshot["values"] if x["indicator"] == "rd_intensity" and x["year"] == 2024)
    assert (value["value"], value["origin"], value["stage"], value["is_demo"]) == ("3.1", "manual", "final", False)


def test_a_published_evaluation_never_changes(zhengzhou: Plan) -> None:
    record = pub.publish(plan=zhengzhou, year=2025, kind="final", user=None, title="终期评估")
    record.title = "changed"
    with pytest.raises(PublishedEvaluationFrozen):
        record.save()
    with pytest.raises(PublishedEvaluationFrozen):
        record.delete()
    with pytest.raises(PublishedEvaluationFrozen):
        PublishedEvaluation.objects.filter(pk=record.pk).update(title="x")
    with pytest.raises(PublishedEvaluationFrozen):
        PublishedEvaluation.objects.filter(pk=record.pk).delete()
    assert PublishedEvaluation.objects.get(pk=record.pk).title == "终期评估"


def test_the_detail_page_keeps_the_old_figure_and_the_comparison_shows_both(
    zhengzhou: Plan, bob_client: Client
) -> None:
    observation_set(
        region=zhengzhou.region,
        indicator=Indicator.objects.get(code="rd_intensity"),
        year=2025,
        value=Decimal("2.91"),
        origin="manual",
        stage="estimate",
    )
    record = pub.publish(plan=zhengzhou, year=2025, kind="final", user=None)
    assert _rd(zhengzhou)["is_estimate"]
    assert record.snapshot["has_estimate"]
    obs = stored("410100", "rd_intensity", 2025)
    assert obs is not None
    observation_set(
        region=obs.region, indicator=obs.indicator, year=2025, value=Decimal("3.47"), origin="manual", stage="final"
    )
    detail = bob_client.get(reverse("published-evaluation", args=[record.pk])).content.decode()
    assert "2.91" in detail and "3.47" not in detail
    assert "已发布" in detail
    page = bob_client.get(reverse("published-evaluation-compare", args=[record.pk])).content.decode()
    assert "2.91" in page and "3.47" in page
    assert "预计值 → 统计值" in page
    comparison = pub.compare(record)
    assert any(value.finalised for value in comparison.values)
    assert comparison.changed_rows
    data = bob_client.get(reverse("published-evaluation-compare-data", args=[record.pk, "csv"]))
    assert data.status_code == 200 and "3.47" in data.content.decode("utf-8-sig")


def test_a_city_official_cannot_publish(zhengzhou: Plan, charlie_client: Client) -> None:
    before = PublishedEvaluation.objects.count()
    response = charlie_client.post(reverse("publish-evaluation"), {"plan": zhengzhou.pk, "year": 2025, "kind": "final"})
    assert response.status_code == 403
    assert PublishedEvaluation.objects.count() == before
    page = charlie_client.get(reverse("plan-evaluation", args=[zhengzhou.pk]) + "?year=2025").content.decode()
    assert reverse("publish-evaluation") not in page


def test_province_staff_publish_from_the_evaluation_page(zhengzhou: Plan) -> None:
    client = Client()
    client.force_login(_publisher())
    page = client.get(reverse("plan-evaluation", args=[zhengzhou.pk]) + "?year=2025").content.decode()
    assert reverse("publish-evaluation") in page
    response = client.post(reverse("publish-evaluation"), {"plan": zhengzhou.pk, "year": 2025, "kind": "final"})
    record = PublishedEvaluation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("published-evaluation", args=[record.pk])
    assert record.published_by is not None and record.published_by.username == "pat"
    assert "终期评估" in record.title or "Final" in record.title


def test_the_staff_group_gets_the_publish_right() -> None:
    call_command("create_demo_users", "--force", stdout=io.StringIO())
    group = Group.objects.get(name="provincial_staff")
    assert group.permissions.filter(codename="add_publishedevaluation").exists()
    assert not Group.objects.get(name="city_official").permissions.filter(codename="add_publishedevaluation").exists()


def test_the_api_returns_the_snapshot(zhengzhou: Plan, charlie_client: Client) -> None:
    record = pub.publish(plan=zhengzhou, year=2025, kind="final", user=None)
    listing = charlie_client.get("/api/v1/evaluations/published/").json()
    assert listing["results"][0]["id"] == record.pk and "snapshot" not in listing["results"][0]
    detail = charlie_client.get(f"/api/v1/evaluations/published/{record.pk}/").json()
    assert detail["snapshot"] == record.snapshot
    assert Client().get(f"/api/v1/evaluations/published/{record.pk}/").status_code == 401


def test_the_command_is_idempotent_with_if_absent() -> None:
    store("410100", "rd_intensity", 2024, "3.0")  # a demo value
    out = io.StringIO()
    args = ["publish_evaluation", "--province", "--year", "2025", "--kind", "final", "--if-absent"]
    call_command(*args, stdout=out)
    call_command(*args, stdout=out)
    record = PublishedEvaluation.objects.get()
    assert record.plan is None and record.region.adcode == "410000"
    assert [part["plan"]["slug"] for part in record.snapshot["plans"]] == list(
        Plan.objects.order_by("region__adcode", "period_start", "pk").values_list("slug", flat=True)
    )
    assert "演示数据" in record.title
    assert any(x["is_demo"] for x in record.snapshot["values"])
    assert "already published" in out.getvalue()


# ------------------------------------------------------------------------------------------------ stage of values


def test_the_importer_reads_the_stage_column_and_history_keeps_a_stage_change(bob: User) -> None:
    header = ["地区", "指标", "年份", "数值", "数据性质"]
    imported(csv_bytes([header, ["410100", "研发投入强度", 2023, "2.9", "预计值"]]), "a.csv", user=bob)
    assert _stage("410100", 2023) == "estimate"
    imported(csv_bytes([header, ["410100", "研发投入强度", 2023, "2.9", "统计值"]]), "b.csv", user=bob)
    assert _stage("410100", 2023) == "final"
    change = ObservationChange.objects.filter(region__adcode="410100", indicator__code="rd_intensity", year=2023)
    latest = change.order_by("-id").first()
    assert latest is not None
    assert (latest.action, latest.old_value, latest.new_value) == ("update", latest.new_value, latest.new_value)
    assert (latest.old_stage, latest.new_stage) == ("estimate", "final")


def test_a_bad_stage_names_its_row_and_column(bob: User) -> None:
    header = ["地区", "指标", "年份", "数值", "数据性质"]
    errors = refused(csv_bytes([header, ["410100", "研发投入强度", 2023, "2.9", "大概"]]), "c.csv", user=bob)
    assert len(errors) == 1
    assert_at(errors[0], 2, 4)
    assert "数据性质" in errors[0].text_en and "预计值" in errors[0].text_zh
    assert "stage" in errors[0].text_en


def test_pages_mark_estimates(zhengzhou: Plan, bob_client: Client) -> None:
    observation_set(
        region=zhengzhou.region,
        indicator=Indicator.objects.get(code="rd_intensity"),
        year=2025,
        value=Decimal("2.93"),
        origin="manual",
        stage="estimate",
    )
    page = bob_client.get(reverse("plan-evaluation", args=[zhengzhou.pk]) + "?year=2025").content.decode()
    assert "estimate-tag" in page and "预计" in page
    api = bob_client.get("/api/v1/observations/", {"region": "410100", "indicator": "rd_intensity", "year": "2025"})
    assert api.json()["results"][0]["stage"] == "estimate"


def test_the_upload_form_sets_the_default_stage(bob_client: Client) -> None:
    data = csv_bytes([["地区", "指标", "年份", "数值"], ["410100", "研发投入强度", 2022, "2.4"]])
    upload = SimpleUploadedFile("d.csv", data, content_type="text/csv")
    response = bob_client.post(reverse("import-upload"), {"file": upload, "region": "", "stage": "estimate"})
    assert response.status_code == 302
    pk = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])

    record = ActualsImport.objects.get(pk=pk)
    commit(record, user=record.uploaded_by)
    assert _stage("410100", 2022) == "estimate"


def test_a_stage_change_alone_is_a_change_in_the_admin_path() -> None:
    indicator = Indicator.objects.get(code="rd_intensity")
    region = Plan.objects.get(slug="zhengzhou").region
    observation_set(region=region, indicator=indicator, year=2021, value=Decimal("2.3"), origin="manual")
    _, action = observation_set(
        region=region, indicator=indicator, year=2021, value=Decimal("2.3"), origin="manual", stage="estimate"
    )
    assert action == "update"
    change = ObservationChange.objects.filter(region=region, indicator=indicator, year=2021).order_by("-id").first()
    assert change is not None and (change.old_stage, change.new_stage) == ("final", "estimate")
    _, again = observation_set(
        region=region, indicator=indicator, year=2021, value=Decimal("2.3"), origin="manual", stage="estimate"
    )
    assert again is None


def test_published_estimates_are_stored_as_estimates() -> None:
    call_command("load_published", stdout=io.StringIO())
    assert _stage("410100", 2025) == "estimate"  # the source calls it 预计值
    assert _stage("410100", 2024) == "final"


def test_downloads_carry_the_stage(zhengzhou: Plan, bob_client: Client) -> None:
    indicator = Indicator.objects.get(code="rd_intensity")
    observation_set(
        region=zhengzhou.region, indicator=indicator, year=2024, value=Decimal("3.0"), origin="manual", stage="estimate"
    )
    text = bob_client.get(reverse("city-data", args=["410100", "csv"])).content.decode("utf-8-sig")
    assert "数据性质" in text.splitlines()[0]
    assert "预计值" in text


def test_the_history_page_shows_a_stage_change(bob_client: Client) -> None:
    indicator = Indicator.objects.get(code="rd_intensity")
    region = Plan.objects.get(slug="zhengzhou").region
    for stage in ("estimate", "final"):
        observation_set(
            region=region, indicator=indicator, year=2021, value=Decimal("2.3"), origin="manual", stage=stage
        )
    page = bob_client.get(reverse("value-history", args=["410100", "rd_intensity"])).content.decode()
    assert "stage-change" in page and "预计值 → 统计值" in page


def test_the_admin_edits_the_stage_and_the_history_keeps_it(alice_client: Client) -> None:
    indicator = Indicator.objects.get(code="rd_intensity")
    region = Plan.objects.get(slug="zhengzhou").region
    obs, _ = observation_set(region=region, indicator=indicator, year=2022, value=Decimal("2.4"), origin="manual")
    inline = {"changes-TOTAL_FORMS": "0", "changes-INITIAL_FORMS": "0", "changes-MAX_NUM_FORMS": "1000"}
    url = reverse("admin:indicators_observation_change", args=[obs.pk])
    body = {"value": "2.4", "source": "", "note": "", "origin": "manual", "stage": "estimate"} | inline
    assert alice_client.post(url, body).status_code == 302
    assert _stage("410100", 2022) == "estimate"
    change = ObservationChange.objects.filter(observation=obs).order_by("-id").first()
    assert change is not None and (change.old_stage, change.new_stage) == ("final", "estimate")


def test_the_provinces_final_evaluation_covers_the_plans_of_its_period_only(zhengzhou: Plan) -> None:
    """A 15th-period plan (made here: none is loaded) has 2025 as its baseline year; the province's evaluation as of
    2025 is the 14th period's and leaves it out."""
    fifteenth = Plan.objects.create(
        slug="test-zhengzhou-15",
        region=zhengzhou.region,
        title="测试：十五五规划",
        period_start=2026,
        period_end=2030,
        source_text="测试",
    )
    covered = {plan.pk for plan in pub.scope_plans(None, 2025)}
    assert fifteenth.pk not in covered
    assert covered == set(Plan.objects.filter(period_end=2025).values_list("pk", flat=True))
    assert pub.scope_plans(None, 2027) == [fifteenth]
    snapshot = pub.build_snapshot(None, 2025, "final")
    assert fifteenth.pk not in {part["plan"]["id"] for part in snapshot["plans"]}
