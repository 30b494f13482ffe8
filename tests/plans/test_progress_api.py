"""The progress API (GET /api/v1/progress/) and the plan consistency API (GET /api/v1/plans/{id}/consistency/).

Every figure checked here is computed again in the test from the formulas of docs/methodology.md, never by
calling plans.progress: the API must agree with an independent computation.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import SettingsWrapper
from rest_framework.authtoken.models import Token

from cities.models import Region
from indicators.models import Indicator, Observation
from indicators.services import ObservationWrite, observation_set, observations_write_many
from plans.api import ProgressRowSerializer
from plans.models import Plan, Target

URL = "/api/v1/progress/"
FIXTURES = Path(django_settings.BASE_DIR) / "fixtures" / "plans"
CITIES = {"410100": "zhengzhou", "410200": "kaifeng", "410700": "xinxiang", "411100": "luohe", "411300": "nanyang"}

ROW_FIELDS = {
    "target",
    "region",
    "indicator",
    "kind",
    "year",
    "actual",
    "baseline_used",
    "baseline_year_used",
    "target_level",
    "expected",
    "time_share",
    "progress_share",
    "pace_ratio",
    "pace_status",
    "trend_ratio",
    "trend_status",
    "projected_value",
    "required_annual_growth",
    "achieved",
    "status_label_zh",
    "status_label_en",
    "notes",
}
NUMBER_FIELDS = {
    "actual",
    "measured",
    "baseline_used",
    "target_level",
    "expected",
    "time_share",
    "progress_share",
    "pace_ratio",
    "observed_growth",
    "required_growth",
    "trend_ratio",
    "projected_value",
    "required_annual_growth",
    "required_per_year",
}
PACE = {"achieved", "ahead", "on_schedule", "lagging", "far_behind", "regressing", "no_data"}
TREND = {
    "achieved",
    "on_track",
    "acceleration_needed",
    "limited_progress",
    "deterioration",
    "insufficient_data",
    "not_applicable",
}


def close(value: float) -> Any:
    return pytest.approx(value, abs=1e-6)


def fixture_target_count(slug: str) -> int:
    """How many targets the reviewed fixture file lists: counted from the file, not from the database."""
    with (FIXTURES / f"{slug}.yaml").open(encoding="utf-8") as handle:
        return len(yaml.safe_load(handle)["targets"])


def put(adcode: str, code: str, values: dict[int, str], origin: str = Observation.Origin.IMPORT) -> None:
    """Store actuals the way every write goes: through indicators.services (history kept)."""
    region = Region.objects.get(adcode=adcode)
    indicator = Indicator.objects.get(code=code)
    for year, value in values.items():
        observation_set(
            region=region, indicator=indicator, year=year, value=Decimal(value), source="测试", origin=origin
        )


def results(client: Client, **params: str | int) -> list[dict[str, Any]]:
    query: dict[str, str | int] = {**params, "page_size": 1000}
    response = client.get(URL, query)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return list(body["results"])


def target(slug: str, key: str) -> Target:
    return Target.objects.select_related("plan__region", "indicator").get(plan__slug=slug, key=key)


def row_of(client: Client, slug: str, key: str, **params: str | int) -> dict[str, Any]:
    t = target(slug, key)
    [row] = [
        r
        for r in results(client, region=t.plan.region.adcode, indicator=t.indicator.code, **params)
        if r["target"] == t.pk
    ]
    assert (row["region"], row["indicator"], row["target_key"]) == (t.plan.region.adcode, t.indicator.code, key)
    return row


def note_codes(row: dict[str, Any]) -> list[str]:
    return [note["code"] for note in row["notes"]]


# ------------------------------------------------------------------------------------------------ figures


def test_it_computes_a_level_target_as_the_method_says(bob_client: Client) -> None:
    """Zhengzhou, R&D intensity 2.31 (2020) → 3.0 (2025); actuals 2.31, 2.42, 2.56, 2.71."""
    put("410100", "rd_intensity", {2020: "2.31", 2021: "2.42", 2022: "2.56", 2023: "2.71"})
    b, level, a_t, t, y0, yt = 2.31, 3.0, 2.71, 2023, 2020, 2025
    s = (t - y0) / (yt - y0)
    p = (a_t - b) / (level - b)
    q = p / s
    g_obs = (a_t / b) ** (1 / (t - y0)) - 1
    g_req = (level / b) ** (1 / (yt - y0)) - 1
    r = g_obs / g_req
    assert 0.90 <= q < 1.05 and r >= 0.95  # on schedule, on track: the expected statuses below follow from these

    row = row_of(bob_client, "zhengzhou", "table-01-rd-intensity")
    assert (row["kind"], row["year"], row["as_of"], row["baseline_year_used"]) == ("level", 2023, None, 2020)
    assert row["actual"] == close(a_t) and row["measured"] == close(a_t)
    assert row["baseline_used"] == close(b) and row["target_level"] == close(level)
    assert row["time_share"] == close(0.6) and row["time_share"] == close(s)
    assert row["progress_share"] == close(p) and row["progress_share"] == close(0.4 / 0.69)
    assert row["pace_ratio"] == close(q)
    assert row["expected"] == close(b + s * (level - b))
    assert row["observed_growth"] == close(g_obs)
    assert row["required_growth"] == close(g_req)
    assert row["trend_ratio"] == close(r)
    assert row["projected_value"] == close(a_t * (1 + g_obs) ** (yt - t))
    assert row["required_annual_growth"] == close((level / a_t) ** (1 / (yt - t)) - 1)
    assert row["required_per_year"] is None
    assert (row["pace_status"], row["status_label_zh"], row["status_label_en"]) == (
        "on_schedule",
        "基本符合预期",
        "On schedule",
    )
    assert (row["trend_status"], row["trend_label_zh"], row["trend_label_en"]) == ("on_track", "按期可实现", "On track")
    assert (row["achieved"], row["achieved_early"]) == (False, False)
    assert row["notes"] == []  # stated baseline, no year missing: nothing to explain


def test_it_computes_a_doubling_and_calls_it_achieved_early(bob_client: Client) -> None:
    """Kaifeng, high-tech firms 翻一番 from 126: L = 252; actuals 126, 160, 205, 240, 262."""
    put("410200", "hightech_firms", {2020: "126", 2021: "160", 2022: "205", 2023: "240", 2024: "262"})
    b, level, y0, yt = 126.0, 2 * 126.0, 2020, 2025

    row = row_of(bob_client, "kaifeng", "goals-hightech-firms-double", year=2023)
    a_t, t = 240.0, 2023
    s, p = (t - y0) / (yt - y0), (a_t - b) / (level - b)
    g_obs, g_req = (a_t / b) ** (1 / 3) - 1, 2 ** (1 / 5) - 1
    assert p / s >= 1.05
    assert (row["kind"], row["year"], row["as_of"]) == ("multiple_of_baseline", 2023, 2023)
    assert row["target_level"] == close(252) and row["baseline_used"] == close(126)
    assert row["progress_share"] == close(114 / 126) and row["pace_ratio"] == close(p / s)
    assert row["expected"] == close(126 + 0.6 * 126)
    assert row["observed_growth"] == close(g_obs) and row["required_growth"] == close(g_req)
    assert row["trend_ratio"] == close(g_obs / g_req)
    assert row["projected_value"] == close(a_t * (1 + g_obs) ** 2)
    assert row["required_annual_growth"] == close((252 / 240) ** 0.5 - 1)
    assert (row["pace_status"], row["status_label_zh"], row["status_label_en"]) == (
        "ahead",
        "快于预期",
        "Ahead of schedule",
    )
    assert row["trend_status"] == "on_track"
    assert row["achieved"] is False

    latest = row_of(bob_client, "kaifeng", "goals-hightech-firms-double")  # default: the latest data (2024)
    assert (latest["year"], latest["actual"], latest["as_of"]) == (2024, 262, None)
    assert latest["time_share"] == close(0.8)
    assert latest["progress_share"] == close(136 / 126) and latest["pace_ratio"] == close(136 / 126 / 0.8)
    assert latest["required_annual_growth"] == close(252 / 262 - 1)  # negative: the level already suffices
    assert latest["projected_value"] == close(262 * (262 / 126) ** (1 / 4))
    assert (latest["achieved"], latest["achieved_early"]) == (True, True)
    assert (latest["pace_status"], latest["trend_status"]) == ("achieved", "achieved")
    assert (latest["status_label_zh"], latest["status_label_en"]) == ("提前实现", "Achieved early")
    assert (latest["trend_label_zh"], latest["trend_label_en"]) == ("已实现", "Achieved")

    # The plain 350 target of the same indicator reads the same actuals against its own level.
    plain = row_of(bob_client, "kaifeng", "goals-hightech-firms-350")
    assert plain["target_level"] == close(350)
    assert plain["progress_share"] == close((262 - 126) / (350 - 126))
    assert plain["pace_ratio"] == close((262 - 126) / (350 - 126) / 0.8)
    assert plain["pace_status"] == "lagging" and plain["status_label_zh"] == "滞后"


def test_it_computes_an_amount_added_on_a_stock(bob_client: Client) -> None:
    """Xinxiang, 新培育 400 high-tech firms from 402 (a stock): the amount added is A_t − 402."""
    put("410700", "hightech_firms", {2020: "402", 2021: "480", 2022: "560", 2023: "610"})
    added, n, s = 610 - 402, 400.0, 3 / 5
    p = added / n
    assert 0.5 <= p / s < 0.9

    row = row_of(bob_client, "xinxiang", "goals-new-hightech-firms")
    assert (row["kind"], row["year"], row["actual"], row["baseline_year_used"]) == ("cumulative_new", 2023, 610, 2020)
    assert row["measured"] == close(added)
    assert row["baseline_used"] == close(0) and row["target_level"] == close(n)
    assert row["time_share"] == close(s) and row["progress_share"] == close(p) and row["pace_ratio"] == close(p / s)
    assert row["expected"] == close(s * n)
    assert row["projected_value"] == close(added * (2025 - 2020) / (2023 - 2020))
    assert row["required_per_year"] == close((n - added) / (2025 - 2023))
    assert row["required_annual_growth"] == close(((402 + 400) / 610) ** 0.5 - 1)
    assert (row["pace_status"], row["status_label_zh"], row["status_label_en"]) == ("lagging", "滞后", "Lagging")
    assert (row["trend_status"], row["trend_ratio"], row["observed_growth"]) == ("not_applicable", None, None)
    assert row["achieved"] is False


def test_it_computes_an_average_annual_growth_rate_from_the_level_series(bob_client: Client) -> None:
    """Luohe, R&D expenditure 年均增长 12 %; the level series in 亿元: 16.15, 17.9, 19.6, 21.4."""
    put("411100", "rd_expenditure", {2020: "16.15", 2021: "17.9", 2022: "19.6", 2023: "21.4"})
    b, a_t, rate = 16.15, 21.4, 0.12
    level = b * (1 + rate) ** 5
    g = (a_t / b) ** (1 / 3) - 1
    q = g / rate
    assert 0.5 <= q < 0.9 and 0.6 <= q < 0.95  # lagging; acceleration needed

    row = row_of(bob_client, "luohe", "goals-rd-expenditure-growth")
    assert (row["kind"], row["unit"], row["year"], row["baseline_year_used"]) == (
        "annual_growth_rate",
        "亿元",
        2023,
        2020,
    )
    assert row["baseline_used"] == close(b)
    assert row["target_level"] == close(level) and round(row["target_level"], 2) == 28.46
    assert row["time_share"] == close(0.6)
    assert row["observed_growth"] == close(g) and row["required_growth"] == close(0.12)
    assert row["pace_ratio"] == close(q) and row["trend_ratio"] == close(q)
    assert row["expected"] == close(b * (1 + rate) ** 3)
    assert row["progress_share"] == close((a_t - b) / (level - b))
    assert row["projected_value"] == close(a_t * (1 + g) ** 2)
    assert row["required_annual_growth"] == close((level / a_t) ** 0.5 - 1)
    assert (row["pace_status"], row["status_label_zh"], row["status_label_en"]) == ("lagging", "滞后", "Lagging")
    assert (row["trend_status"], row["trend_label_zh"]) == ("acceleration_needed", "需加快进度")
    assert row["achieved"] is False
    # The plan's "baseline" of a growth target is a rate: B comes from the 2020 actual, and a note says so.
    [note] = row["notes"]
    assert note["code"] == "baseline_from_actuals" and "2020" in note["text_zh"] and "2020" in note["text_en"]

    # The level statement of the same sentence, 突破 25 亿元 from the stated 16.15.
    level_row = row_of(bob_client, "luohe", "goals-rd-expenditure")
    assert level_row["progress_share"] == close((a_t - b) / (25 - b))
    assert level_row["pace_ratio"] == close((a_t - b) / (25 - b) / 0.6)
    assert level_row["required_growth"] == close((25 / b) ** (1 / 5) - 1)


def test_it_compares_with_the_provincial_average_of_the_same_year(bob_client: Client) -> None:
    """Kaifeng R&D intensity 'above the provincial average', baseline 1.05; Henan 1.64 … 1.96."""
    put("410200", "rd_intensity", {2020: "1.05", 2021: "1.10", 2022: "1.12", 2023: "1.15", 2024: "1.25"})
    put("410000", "rd_intensity", {2020: "1.64", 2021: "1.73", 2022: "1.86", 2023: "1.96"})
    b, a_t, province, s = 1.05, 1.15, 1.96, 0.6
    p = (a_t - b) / (province - b)
    assert p / s < 0.5

    row = row_of(bob_client, "kaifeng", "goals-rd-intensity-above-avg")
    # 2024 has no provincial value: t is the latest year both have, and a note says why.
    assert (row["kind"], row["year"], row["actual"]) == ("relative_to_average", 2023, 1.15)
    assert row["target_level"] == close(province) and row["baseline_used"] == close(b)
    assert row["progress_share"] == close(p) and row["pace_ratio"] == close(p / s)
    assert row["expected"] == close(b + s * (province - b))
    assert (row["pace_status"], row["status_label_zh"], row["status_label_en"]) == (
        "far_behind",
        "明显滞后",
        "Far behind",
    )
    assert (row["trend_status"], row["projected_value"]) == ("not_applicable", None)
    assert row["achieved"] is False
    assert note_codes(row) == ["no_parent_value"] and "2024" in row["notes"][0]["text_zh"]

    # Above the province in a year: achieved (">" is literal).
    put("410200", "rd_intensity", {2023: "1.97"})
    above = row_of(bob_client, "kaifeng", "goals-rd-intensity-above-avg", year=2023)
    assert (above["pace_status"], above["achieved"], above["achieved_early"]) == ("achieved", True, True)
    assert above["status_label_zh"] == "提前实现"


def test_it_counts_the_years_of_a_per_year_target(bob_client: Client) -> None:
    """Kaifeng, ≥ 20 major S&T projects every year: 22, 18, 25 → two of three years met."""
    put("410200", "major_st_projects", {2021: "22", 2022: "18", 2023: "25"})
    row = row_of(bob_client, "kaifeng", "goals-major-st-projects")
    assert (row["kind"], row["year"], row["actual"], row["baseline_year_used"]) == ("per_year", 2023, 25, 2020)
    assert (row["years_met"], row["years_counted"]) == (2, 3)
    assert row["pace_ratio"] == close(2 / 3)
    assert row["progress_share"] == close(2 / 5) and row["time_share"] == close(3 / 5)
    assert row["target_level"] == close(20) and row["expected"] == close(20)
    assert (row["pace_status"], row["status_label_zh"], row["status_label_en"]) == ("lagging", "滞后", "Lagging")
    assert (row["achieved"], row["trend_status"]) == (False, "not_applicable")


def test_it_reads_a_rank_as_lower_is_better(bob_client: Client) -> None:
    """Kaifeng, provincial rank 保十 (≤ 10) and 进五 (≤ 5), no stated baseline; ranks 14, 13, 12, 11."""
    put("410200", "st_assessment_provincial_rank", {2020: "14", 2021: "13", 2022: "12", 2023: "11"})
    b, a_t = 14.0, 11.0
    g_obs = (a_t / b) ** (1 / 3) - 1
    assert g_obs < 0

    top10 = row_of(bob_client, "kaifeng", "body-assessment-rank-top10")
    g_req = (10 / b) ** (1 / 5) - 1
    assert top10["baseline_used"] == close(14) and top10["baseline_year_used"] == 2020
    assert note_codes(top10) == ["baseline_from_actuals"]
    assert top10["progress_share"] == close((a_t - b) / (10 - b)) and top10["progress_share"] == close(0.75)
    assert top10["pace_ratio"] == close(0.75 / 0.6)
    assert top10["observed_growth"] == close(g_obs) and top10["required_growth"] == close(g_req)
    assert top10["trend_ratio"] == close(g_obs / g_req) and top10["trend_ratio"] > 0
    assert top10["projected_value"] == close(a_t * (1 + g_obs) ** 2)
    assert top10["required_annual_growth"] == close((10 / a_t) ** 0.5 - 1)
    assert (top10["pace_status"], top10["status_label_zh"], top10["status_label_en"]) == (
        "ahead",
        "快于预期",
        "Ahead of schedule",
    )
    assert (top10["trend_status"], top10["achieved"]) == ("on_track", False)

    top5 = row_of(bob_client, "kaifeng", "body-assessment-rank-top5")
    g_req5 = (5 / b) ** (1 / 5) - 1
    assert top5["pace_ratio"] == close((a_t - b) / (5 - b) / 0.6)
    assert top5["trend_ratio"] == close(g_obs / g_req5) and g_obs / g_req5 < 0.6
    assert (top5["pace_status"], top5["trend_status"]) == ("lagging", "limited_progress")

    # Rank 9 in 2024: 9 ≤ 10 is met before 2025 — achieved early; 9 > 5 is not.
    put("410200", "st_assessment_provincial_rank", {2024: "9"})
    assert row_of(bob_client, "kaifeng", "body-assessment-rank-top10")["status_label_en"] == "Achieved early"
    assert row_of(bob_client, "kaifeng", "body-assessment-rank-top5")["achieved"] is False
    # A rank moving the wrong way (up) is a deterioration, and the pace regresses.
    put("410200", "st_assessment_provincial_rank", {2024: "16"})
    worse = row_of(bob_client, "kaifeng", "body-assessment-rank-top10")
    assert (worse["pace_status"], worse["trend_status"], worse["status_label_zh"]) == (
        "regressing",
        "deterioration",
        "倒退",
    )


# ------------------------------------------------------------------------------------------------ shape


def test_every_row_has_the_documented_fields_and_numbers_are_numbers(bob_client: Client) -> None:
    put("410100", "rd_intensity", {2020: "2.31", 2021: "2.42", 2023: "2.71"})
    put("410200", "hightech_firms", {2020: "126", 2023: "240"})
    put("410200", "major_st_projects", {2021: "22", 2022: "18"})
    put("411100", "rd_expenditure", {2020: "16.15", 2023: "21.4"})
    put("410700", "hightech_firms", {2020: "402", 2023: "610"})
    rows = results(bob_client, region="410000")
    assert rows
    numbers_seen = set()
    for row in rows:
        assert set(row) >= ROW_FIELDS, ROW_FIELDS - set(row)
        assert row["pace_status"] in PACE and row["trend_status"] in TREND
        assert row["status_label_zh"] and row["status_label_en"]
        assert row["achieved"] in (True, False, None)
        assert isinstance(row["target"], int) and isinstance(row["notes"], list)
        for name in NUMBER_FIELDS:
            value = row[name]
            assert value is None or (isinstance(value, int | float) and not isinstance(value, bool)), (name, value)
            if value is not None:
                assert math.isfinite(value)
                numbers_seen.add(name)
        assert row["year"] is None or isinstance(row["year"], int)
        for note in row["notes"]:
            assert set(note) == {"code", "text_zh", "text_en"} and note["text_zh"] and note["text_en"]
    # The actuals above make every figure appear somewhere, so the type check above covered each of them.
    assert numbers_seen == NUMBER_FIELDS
    # The rows are sent as built; the serializer that documents them in the OpenAPI schema names exactly their keys.
    documented = set(ProgressRowSerializer().fields)
    assert all(set(row) == documented for row in rows), documented ^ set(rows[0])


def test_it_reports_no_data_without_actuals(bob_client: Client) -> None:
    assert not Observation.objects.exists()  # the test database holds no demo actuals
    rows = results(bob_client, region="410000")
    assert len(rows) == Target.objects.count()
    for row in rows:
        assert row["pace_status"] == "no_data"
        assert row["trend_status"] in {"insufficient_data", "not_applicable"}
        assert (row["achieved"], row["achieved_early"], row["year"], row["actual"]) == (None, False, None, None)
        assert row["status_label_zh"] in {"暂无数据", "未量化"}
        assert row["is_demo"] is False and row["actual_origin"] is None
    by_kind = {row["kind"]: row for row in rows}
    assert by_kind["level"]["trend_status"] == "insufficient_data"
    assert by_kind["cumulative_new"]["trend_status"] == "not_applicable"


# ------------------------------------------------------------------------------------------------ rows and filters


def test_it_returns_one_row_per_target_of_a_city(bob_client: Client) -> None:
    rows = results(bob_client, region="410100")
    expected = fixture_target_count("zhengzhou")
    assert len(rows) == expected == Target.objects.filter(plan__region__adcode="410100").count()
    assert len({row["target"] for row in rows}) == expected
    assert {row["region"] for row in rows} == {"410100"}


def test_the_province_returns_every_citys_targets(bob_client: Client) -> None:
    rows = results(bob_client, region="410000")
    assert len(rows) == sum(fixture_target_count(slug) for slug in CITIES.values()) == Target.objects.count()
    assert len({row["target"] for row in rows}) == len(rows)
    counts = {code: sum(1 for row in rows if row["region"] == code) for code in CITIES}
    assert counts == {code: fixture_target_count(slug) for code, slug in CITIES.items()}
    # A page holds 100 rows unless asked for more.
    first = bob_client.get(URL, {"region": "410000"}).json()
    assert first["count"] == len(rows) and len(first["results"]) == 100 and first["next"]


def test_it_filters_by_plan_and_indicator(bob_client: Client) -> None:
    luohe = Plan.objects.get(slug="luohe")
    rows = results(bob_client, region="410000", plan=luohe.pk)
    assert len(rows) == fixture_target_count("luohe")
    assert {(row["plan"], row["region"]) for row in rows} == {(luohe.pk, "411100")}

    rows = results(bob_client, region="410000", indicator="hightech_firms")
    assert {row["indicator"] for row in rows} == {"hightech_firms"}
    assert len(rows) == Target.objects.filter(indicator__code="hightech_firms").count()
    assert {row["region"] for row in rows} == set(CITIES)

    rows = results(bob_client, region="410000", plan=luohe.pk, indicator="hightech_firms")
    assert {row["target_key"] for row in rows} == {
        "goals-hightech-firms",
        "goals-hightech-firms-growth",
        "body-hightech-firms-doubling",
    }


def test_the_year_sets_the_evaluation_year(bob_client: Client) -> None:
    put("410100", "rd_intensity", {2020: "2.31", 2021: "2.42", 2022: "2.56", 2023: "2.71"})
    row = row_of(bob_client, "zhengzhou", "table-01-rd-intensity", year=2022)
    assert (row["as_of"], row["year"], row["actual"]) == (2022, 2022, 2.56)  # the 2023 actual is ignored
    assert row["time_share"] == close(0.4)
    assert row["progress_share"] == close((2.56 - 2.31) / (3.0 - 2.31))
    assert row["pace_ratio"] == close((2.56 - 2.31) / (3.0 - 2.31) / 0.4)

    before = row_of(bob_client, "zhengzhou", "table-01-rd-intensity", year=2019)
    assert (before["year"], before["actual"], before["pace_status"]) == (None, None, "no_data")
    assert note_codes(before) == ["no_actual"]

    after = row_of(bob_client, "zhengzhou", "table-01-rd-intensity", year=2030)
    assert (after["as_of"], after["year"], after["actual"]) == (2030, 2023, 2.71)
    assert "judged_at_target_year" in note_codes(after)


def test_it_marks_demo_data(bob_client: Client) -> None:
    put("410100", "rd_intensity", {2020: "2.31", 2023: "2.71"}, origin=Observation.Origin.DEMO)
    put("410100", "hightech_firms", {2020: "2922"}, origin=Observation.Origin.DEMO)
    put("410100", "hightech_firms", {2023: "5000"}, origin=Observation.Origin.IMPORT)
    demo = row_of(bob_client, "zhengzhou", "table-01-rd-intensity")
    assert (demo["year"], demo["is_demo"], demo["actual_origin"]) == (2023, True, "demo")
    real = row_of(bob_client, "zhengzhou", "table-12-hightech-firms")
    # The baseline year's demo value is not the actual shown: the row is real data.
    assert (real["year"], real["is_demo"], real["actual_origin"]) == (2023, False, "import")
    early = row_of(bob_client, "zhengzhou", "table-12-hightech-firms", year=2020)
    assert (early["year"], early["is_demo"], early["actual_origin"]) == (2020, True, "demo")


def test_the_thresholds_setting_takes_effect(bob_client: Client, settings: SettingsWrapper) -> None:
    put("410100", "rd_intensity", {2020: "2.31", 2023: "2.71"})
    q = (2.71 - 2.31) / (3.0 - 2.31) / 0.6  # 0.966
    assert row_of(bob_client, "zhengzhou", "table-01-rd-intensity")["pace_status"] == "on_schedule"
    settings.PROGRESS_THRESHOLDS = {**django_settings.PROGRESS_THRESHOLDS, "ahead": q - 0.01}
    row = row_of(bob_client, "zhengzhou", "table-01-rd-intensity")
    assert (row["pace_status"], row["status_label_en"]) == ("ahead", "Ahead of schedule")
    settings.PROGRESS_THRESHOLDS = {"on_schedule": q + 0.01}  # a partial dict: other keys keep their defaults
    assert row_of(bob_client, "zhengzhou", "table-01-rd-intensity")["pace_status"] == "lagging"


# ------------------------------------------------------------------------------------------------ errors and access


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "region"),
        ({"region": "41010"}, "region"),
        ({"region": "999999"}, "region"),
        ({"region": "410100", "year": "abc"}, "year"),
        ({"region": "410100", "year": "3000"}, "year"),
        ({"region": "410100", "indicator": "no_such_indicator"}, "indicator"),
        ({"region": "410100", "plan": "999999"}, "plan"),
        ({"region": "410100", "plan": "abc"}, "plan"),
    ],
)
def test_it_rejects_bad_parameters(bob_client: Client, params: dict[str, str], field: str) -> None:
    response = bob_client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {field}, body
    assert body[field] and all(isinstance(message, str) and message for message in body[field])


def test_it_names_the_unknown_region(bob_client: Client) -> None:
    body = bob_client.get(URL, {"region": "999999"}).json()
    assert "999999" in body["region"][0]


def test_it_requires_login(client: Client) -> None:
    response = client.get(URL, {"region": "410100"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_it_accepts_a_token(bob: User) -> None:
    token = Token.objects.create(user=bob)
    client = Client(headers={"Authorization": f"Token {token.key}"})
    assert client.get(URL, {"region": "410100"}).status_code == 200


def test_it_is_read_only(bob: User, bob_client: Client) -> None:
    token = Token.objects.create(user=bob)
    scripted = Client(headers={"Authorization": f"Token {token.key}"}, enforce_csrf_checks=True)
    assert scripted.post(URL, {"region": "410100"}).status_code == 405
    assert bob_client.post(URL, {"region": "410100"}).status_code == 405
    assert bob_client.delete(URL).status_code == 405
    # A browser session without the CSRF token is refused before the method is even looked at.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(bob)
    assert browser.post(URL, {"region": "410100"}).status_code == 403


def test_a_city_official_may_read_the_province(charlie_client: Client) -> None:
    assert len(results(charlie_client, region="410000")) == Target.objects.count()


# ------------------------------------------------------------------------------------------------ queries


def _progress_queries(client: Client, region: str) -> list[str]:
    query: dict[str, str | int] = {"region": region, "page_size": 1000}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, query)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_it_reads_with_a_fixed_number_of_queries(bob_client: Client) -> None:
    """The query count is the same for one city (27 targets) and the province (every target), and stays the
    same after thousands of actuals are added. The queries are:
    1. the session, 2. the user (session authentication),
    3. the region named by ?region=, 4. the default period (no ?period=: the latest with actuals), 5. the data
    version (the key of the cached result), 6. the targets, 7. their plans with region and parent region joined,
    8. their indicators, 9. every actual of those regions (and the province, for relative targets) and
    indicators, in one query, 10. the reviewers' verdicts on the qualitative targets among them, 11. the targets'
    revisions. Served from the cache, only the first five."""
    city = _progress_queries(bob_client, "410100")
    province = _progress_queries(bob_client, "410000")
    assert len(city) == len(province) == 11, province
    assert len(_progress_queries(bob_client, "410000")) == 5

    regions = list(Region.objects.filter(adcode__in=[*CITIES, "410000"]))
    indicator_ids = sorted(set(Target.objects.values_list("indicator_id", flat=True)))
    writes = [
        ObservationWrite(region.pk, indicator_id, year, Decimal(year - 2000 + index), "测试", "", None)
        for region in regions
        for index, indicator_id in enumerate(indicator_ids)
        for year in range(2019, 2025)
    ]
    observations_write_many(writes, origin=Observation.Origin.IMPORT, user=None, reason="")
    assert Observation.objects.count() == len(writes) > 3000

    after = _progress_queries(bob_client, "410000")
    assert len(after) == len(province)
    # Filters add only their own look-up.
    query: dict[str, str | int] = {
        "region": "410000",
        "indicator": "rd_intensity",
        "plan": Plan.objects.get(slug="luohe").pk,
    }
    with CaptureQueriesContext(connection) as queries:
        bob_client.get(URL, query)
    # ... and no target of R&D intensity is qualitative: no verdicts to read.
    assert len(queries.captured_queries) == len(province) + 2 - 1


# ------------------------------------------------------------------------------------------------ consistency API


def consistency(client: Client, slug: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/plans/{Plan.objects.get(slug=slug).pk}/consistency/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["results"])
    return list(body["results"])


def finding(findings: list[dict[str, Any]], code: str, first: str, second: str) -> dict[str, Any]:
    [found] = [f for f in findings if f["code"] == code and (f["first"]["key"], f["second"]["key"]) == (first, second)]
    for side in ("first", "second"):
        t = Target.objects.get(pk=found[side]["id"])
        assert found[side]["quote"] == t.quote and found[side]["quote_line"] == t.quote_line and t.quote
        assert found[side]["label"] == t.label
    assert found["message_zh"] and found["message_en"] and found["message_zh"] != found["message_en"]
    return found


def test_it_lists_where_luohe_contradicts_itself(bob_client: Client) -> None:
    findings = consistency(bob_client, "luohe")
    implied = 16.15 * 1.12**5
    f = finding(findings, "growth_vs_level", "goals-rd-expenditure-growth", "goals-rd-expenditure")
    assert f["implied"] == close(implied) and f["stated"] == close(25) and f["base"] == close(16.15)
    assert f["difference"] == close((implied - 25) / 25)
    assert "28.46" in f["message_zh"] and "25" in f["message_zh"] and "16.15" in f["message_zh"]
    assert "28.46" in f["message_en"] and "13.8%" in f["message_en"]
    assert f["first"]["kind"] == "annual_growth_rate" and f["second"]["kind"] == "level"
    assert "年均增长12%" in f["first"]["quote"] and "突破25亿元" in f["second"]["quote"]
    # The transcribers flagged the same pair: it is reported once, by the rule that explains it.
    pairs = [frozenset((x["first"]["key"], x["second"]["key"])) for x in findings]
    assert len(pairs) == len(set(pairs))
    assert pairs.count(frozenset(("goals-rd-expenditure-growth", "goals-rd-expenditure"))) == 1


def test_it_lists_where_nanyang_contradicts_itself(bob_client: Client) -> None:
    findings = consistency(bob_client, "nanyang")
    f = finding(findings, "new_vs_stock", "body-innovation-platforms-new", "table-02-innovation-platforms")
    assert (f["implied"], f["stated"], f["base"]) == (close(764 + 500), close(1000), close(764))
    assert f["difference"] == close((1264 - 1000) / 1000)
    assert "1264" in f["message_zh"] and "1000" in f["message_en"]
    f = finding(findings, "baseline_restated", "body-tech-contracts", "table-09-tech-contracts")
    assert (f["implied"], f["stated"]) == (close(27.9), close(13))
    assert f["difference"] == close((27.9 - 13) / 13)
    assert "27.9" in f["message_zh"] and "13" in f["message_en"]


def test_it_lists_kaifengs_doubling_against_350(bob_client: Client) -> None:
    findings = consistency(bob_client, "kaifeng")
    f = finding(findings, "multiple_vs_level", "goals-hightech-firms-double", "goals-hightech-firms-350")
    assert (f["implied"], f["stated"], f["base"]) == (close(2 * 126), close(350), close(126))
    assert f["difference"] == close((252 - 350) / 350)
    assert "252" in f["message_en"] and "350" in f["message_en"] and "28.0%" in f["message_en"]


def test_the_consistency_api_needs_login_and_a_plan(client: Client, bob_client: Client) -> None:
    plan = Plan.objects.get(slug="luohe")
    anonymous = client.get(f"/api/v1/plans/{plan.pk}/consistency/")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Token"
    assert bob_client.get("/api/v1/plans/999999/consistency/").status_code == 404
    assert bob_client.post(f"/api/v1/plans/{plan.pk}/consistency/").status_code == 405


def test_zhengzhou_has_no_disagreement(bob_client: Client) -> None:
    assert consistency(bob_client, "zhengzhou") == []


def test_it_gives_the_numbers_each_judgement_uses_and_the_completion_written_out(bob_client: Client) -> None:
    put("410700", "hightech_firms", {2020: "402", 2024: "690"})
    new = row_of(bob_client, "xinxiang", "goals-new-hightech-firms")
    assert (new["baseline_level"], new["actual"], new["measured"]) == (402.0, 690.0, 288.0)
    assert new["completion_formula"] == "(690 − 402) ÷ 400 = 72 %"
    doubling = row_of(bob_client, "xinxiang", "body-hightech-doubling")
    assert doubling["multiple_reached"] == close(690 / 402)
    level = row_of(bob_client, "xinxiang", "table-06-hightech-firms")  # on schedule, projected short of 800
    assert level["disagreement"] == "on_pace_but_off_track"
    assert level["disagreement_zh"] == "按序时进度基本符合预期，按当前趋势难以实现"
    assert new["disagreement"] is None and new["disagreement_en"] == ""
    put("411100", "rd_intensity", {2020: "1", 2023: "1.55"})
    put("410000", "rd_intensity", {2020: "1.64", 2023: "1.83"})
    average = row_of(bob_client, "luohe", "goals-rd-intensity")
    assert average["parent_value"] == 1.83 and average["actual"] == 1.55
