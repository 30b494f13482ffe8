"""The evaluation table of a plan (中期/终期评估): the page, the .xlsx export, the counts and the summary."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from cities.cells import safe_text
from cities.models import Region
from indicators.models import Indicator, Observation
from indicators.services import ObservationWrite, observation_set, observations_write_many
from plans.evaluation import plan_evaluation
from plans.models import Plan, Target

SLUGS = ["zhengzhou", "kaifeng", "xinxiang", "luohe", "nanyang"]
ROW = re.compile(r'<tr id="target-(\d+)" class="pace-(\w+)">')
DEMO_BANNER = "下表部分实际值为演示数据"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fixture_target_count(slug: str) -> int:
    path = Path(settings.BASE_DIR) / "fixtures" / "plans" / f"{slug}.yaml"
    with path.open(encoding="utf-8") as handle:
        return len(yaml.safe_load(handle)["targets"])


def put(adcode: str, code: str, values: dict[int, str], origin: str = Observation.Origin.IMPORT) -> None:
    region = Region.objects.get(adcode=adcode)
    indicator = Indicator.objects.get(code=code)
    for year, value in values.items():
        observation_set(
            region=region, indicator=indicator, year=year, value=Decimal(value), source="测试", origin=origin
        )


def zhengzhou_actuals() -> None:
    """Actuals for six of Zhengzhou's indicators, chosen so that each status appears (see the expected counts)."""
    put("410100", "rd_intensity", {2020: "2.31", 2023: "2.71"})  # 2 targets: q = 0.966 → on schedule
    put("410100", "hightech_firms", {2020: "2922", 2023: "10500"})  # 3 targets: ≥ 10000 in 2023 → achieved early
    put("410100", "national_key_labs", {2023: "6"})  # 2 targets: still 6 of 9 → p = 0 → far behind
    put("410100", "tech_contract_turnover", {2023: "200"})  # 2 targets: below the 212.8 baseline → moving away
    put("410100", "hightech_industry_share", {2023: "68"})  # 2 targets: p = 0.5, q = 0.833 → lagging
    put("410100", "science_literacy", {2025: "18"})  # table-07 ≥ 17.8 in 2025 → achieved (goals-07 not quantified)


# Zhengzhou's 27 targets with the actuals above, counted by hand from the fixture file. As of 2024 (a mid-term
# evaluation): achieved early 3, ahead or on schedule 2, lagging 2, far behind 2, moving away 2, not quantified 3, no
# data 13 (the 2025 science literacy actual is not used).
ZHENGZHOU_2024 = (
    "截至2024年，27项目标中：3项提前实现，2项基本符合预期，2项滞后，2项明显滞后，2项倒退，3项未量化，13项暂无数据。"
)
# As of 2025 (the final evaluation, the default year: science literacy has a 2025 actual) a target is judged in its
# target year: the eight not met whose latest actual is from 2023 get no final verdict (暂无数据), the three met
# early stay met, science literacy is achieved.
ZHENGZHOU_2025 = "截至2025年，27项目标中：3项提前实现，1项已实现，3项未量化，20项暂无数据。"


def page(client: Client, plan: Plan, **params: str | int) -> str:
    response = client.get(f"/plans/{plan.pk}/evaluation/", params)
    assert response.status_code == 200
    return response.content.decode()


def workbook(client: Client, plan: Plan, **params: str | int) -> Worksheet:
    response = client.get(f"/plans/{plan.pk}/evaluation.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert isinstance(sheet, Worksheet)
    return sheet


def header_row(sheet: Worksheet, first: str = "序号") -> int:
    [index] = [row[0].row for row in sheet.iter_rows() if row[0].value == first]
    return int(index)


def data_rows(sheet: Worksheet, first: str = "序号") -> list[tuple[Any, ...]]:
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows(min_row=header_row(sheet, first) + 1)]


# ------------------------------------------------------------------------------------------------ the page


@pytest.mark.parametrize("slug", SLUGS)
def test_the_evaluation_page_of_every_plan_opens(bob_client: Client, slug: str) -> None:
    plan = Plan.objects.get(slug=slug)
    html = page(bob_client, plan)
    rows = ROW.findall(html)
    assert len(rows) == fixture_target_count(slug) == plan.targets.count()
    assert {int(pk) for pk, _status in rows} == set(plan.targets.values_list("pk", flat=True))
    # No actuals in the test database: every target is without data (or states no number), in a final
    # evaluation of the last year; the sentence counts each under its own status.
    unquantified = plan.targets.filter(kind="qualitative", target_value__isnull=True).count()
    assert {status for _pk, status in rows} == {"no_data", "not_quantified"} - (
        {"not_quantified"} if not unquantified else set()
    )
    total = fixture_target_count(slug)
    counted = f"{unquantified}项未量化，{total - unquantified}项暂无数据" if unquantified else f"{total}项暂无数据"
    assert f"截至2025年，{total}项目标中：{counted}。" in html
    assert "终期评估（2025年）" in html
    assert DEMO_BANNER not in html


def test_the_page_counts_and_summarises_by_hand(bob_client: Client) -> None:
    zhengzhou_actuals()
    plan = Plan.objects.get(slug="zhengzhou")
    response = bob_client.get(f"/plans/{plan.pk}/evaluation/", {"year": 2024})
    html = response.content.decode()
    assert ZHENGZHOU_2024 in html
    assert response.context["evaluation"].counts == {
        "achieved_early": 3,
        "achieved": 0,
        "ahead": 0,
        "on_schedule": 2,
        "partly_achieved": 0,
        "lagging": 2,
        "far_behind": 2,
        "regressing": 2,
        "not_achieved": 0,
        "not_quantified": 3,
        "no_data": 13,
    }
    statuses = dict(ROW.findall(html))
    by_key = {t.key: str(t.pk) for t in plan.targets.all()}
    assert statuses[by_key["table-12-hightech-firms"]] == "achieved_early"
    assert statuses[by_key["goals-rd-intensity"]] == "on_schedule"
    assert statuses[by_key["table-06-tech-contract-turnover"]] == "regressing"
    assert statuses[by_key["table-09-national-key-labs"]] == "far_behind"
    assert statuses[by_key["goals-hightech-industry-share"]] == "lagging"
    assert statuses[by_key["goals-science-literacy"]] == "not_quantified"  # counted apart, not as "no data"
    assert "未量化" in html


def test_the_final_evaluation_judges_the_target_year(bob_client: Client) -> None:
    """A target not met whose latest actual is older than the target year gets no final verdict, and says why."""
    zhengzhou_actuals()
    plan = Plan.objects.get(slug="zhengzhou")
    response = bob_client.get(f"/plans/{plan.pk}/evaluation/")
    html = response.content.decode()
    assert response.context["evaluation"].year == 2025
    assert ZHENGZHOU_2025 in html
    statuses = dict(ROW.findall(html))
    by_key = {t.key: str(t.pk) for t in plan.targets.all()}
    assert statuses[by_key["table-12-hightech-firms"]] == "achieved_early"  # met in 2023: stays met
    assert statuses[by_key["table-07-science-literacy"]] == "achieved"
    for key in ("goals-rd-intensity", "table-06-tech-contract-turnover", "goals-hightech-industry-share"):
        assert statuses[by_key[key]] == "no_data"
    assert "没有目标年2025年的实际值（最新为2023年）：尚无终期结论。" in html


def test_the_year_selects_the_evaluation_year(bob_client: Client) -> None:
    zhengzhou_actuals()
    plan = Plan.objects.get(slug="zhengzhou")
    html = page(bob_client, plan, year=2024)
    assert ZHENGZHOU_2024 in html
    assert "中期评估（截至2024年）" in html
    assert '<option value="2024" selected>' in html
    assert f'href="/plans/{plan.pk}/evaluation.xlsx?year=2024"' in html
    early = page(bob_client, plan, year=2020)
    assert "截至2020年，27项目标中：3项未量化，24项暂无数据。" in early


def test_the_default_year_is_the_latest_actual_of_the_plans_region(bob_client: Client) -> None:
    put("410100", "rd_intensity", {2020: "2.31", 2022: "2.56"})
    put("410200", "rd_intensity", {2024: "1.5"})  # another region's later year does not count
    plan = Plan.objects.get(slug="zhengzhou")
    assert "中期评估（截至2022年）" in page(bob_client, plan)


def test_counts_add_up_and_agree_with_the_api_for_every_plan(bob_client: Client) -> None:
    """Actuals for every indicator of every city and the province, 2019–2024, in a pattern that spreads the
    statuses; each plan's counts must add up to its targets and match the statuses the API reports."""
    regions = list(Region.objects.filter(adcode__in=["410000", "410100", "410200", "410700", "411100", "411300"]))
    indicators = sorted(set(Target.objects.values_list("indicator_id", flat=True)))
    writes = [
        ObservationWrite(
            region.pk, indicator_id, year, Decimal((index * 7 + year * 3 + region.pk) % 40 + 1), "测试", "", None
        )
        for region in regions
        for index, indicator_id in enumerate(indicators)
        for year in range(2019, 2025)
        if (index + year) % 5 != 0  # some years missing
    ]
    observations_write_many(writes, origin=Observation.Origin.IMPORT, user=None, reason="")
    for slug in SLUGS:
        plan = Plan.objects.get(slug=slug)
        evaluation = bob_client.get(f"/plans/{plan.pk}/evaluation/", {"year": 2023}).context["evaluation"]
        assert sum(evaluation.counts.values()) == len(evaluation.rows) == fixture_target_count(slug)
        query: dict[str, str | int] = {"region": plan.region.adcode, "plan": plan.pk, "year": 2023, "page_size": 1000}
        api = bob_client.get("/api/v1/progress/", query).json()["results"]
        expected = dict.fromkeys(evaluation.counts, 0)
        for row in api:
            expected[row["status"]] += 1
        assert evaluation.counts == expected, slug
        assert len([c for c in expected.values() if c]) >= 3, expected  # the pattern really spreads them


def test_it_speaks_chinese_even_to_an_english_browser_and_english_when_chosen(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    response = bob_client.get(f"/plans/{plan.pk}/evaluation/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "项暂无数据" in response.content.decode()
    assert bob_client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    html = page(bob_client, plan)
    assert "As of 2025, of 27 targets: 3 not quantified, 24 no data." in html
    assert "Final evaluation, 2025" in html and "项暂无数据" not in html


def test_it_shows_the_demo_banner_only_when_a_shown_actual_is_demo(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    put("410100", "rd_intensity", {2020: "2.31"}, origin=Observation.Origin.DEMO)
    put("410100", "rd_intensity", {2023: "2.71"})
    assert DEMO_BANNER not in page(bob_client, plan)  # the demo value is the baseline year's, not the one shown
    sheet = workbook(bob_client, plan)
    assert not any(row[15] == "是" for row in data_rows(sheet))
    assert all(cell.value != "含演示数据：非真实统计数据。" for cell in sheet["A"])

    put("410100", "rd_intensity", {2023: "2.71"}, origin=Observation.Origin.DEMO)
    html = page(bob_client, plan)
    assert DEMO_BANNER in html and '<span class="demo-tag">演示</span>' in html
    assert html.count('<span class="demo-tag">') == 2  # the table row and the goals sentence on R&D intensity
    sheet = workbook(bob_client, plan)
    assert "含演示数据：非真实统计数据。" in [cell.value for cell in sheet["A"]]
    assert sum(1 for row in data_rows(sheet) if row[15] == "是") == 2
    # As of 2022 the actual shown is the 2020 one, demo too; 2019 is before the plan's years (refused).
    assert DEMO_BANNER in page(bob_client, plan, year=2022)
    assert bob_client.get(f"/plans/{plan.pk}/evaluation/", {"year": 2019}).status_code == 400


@pytest.mark.parametrize("url", ["/plans/{pk}/evaluation/", "/plans/{pk}/evaluation.xlsx"])
def test_it_refuses_a_year_that_is_not_a_year(bob_client: Client, url: str) -> None:
    plan = Plan.objects.get(slug="luohe")
    # The plan's years: its baseline year 2020 to its last year 2025.
    for year in ["abc", "1948", "1999", "2019", "2026", "2101", "99999", "２０２３", "-2023", "2023.0"]:
        response = bob_client.get(url.format(pk=plan.pk), {"year": year})
        assert response.status_code == 400, year
        assert "年份须为2020至2025之间的数字" in response.content.decode()
    assert bob_client.get(url.format(pk=plan.pk), {"year": "2020"}).status_code == 200
    assert bob_client.get(url.format(pk=999999)).status_code == 404


@pytest.mark.parametrize("url", ["/plans/{pk}/evaluation/", "/plans/{pk}/evaluation.xlsx"])
def test_it_sends_anonymous_users_to_login(db: None, client: Client, url: str) -> None:
    response = client.get(url.format(pk=Plan.objects.get(slug="luohe").pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_evaluation_pages_are_read_only(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="luohe")
    assert bob_client.post(f"/plans/{plan.pk}/evaluation/").status_code == 405
    assert bob_client.post(f"/plans/{plan.pk}/evaluation.xlsx").status_code == 405


# ------------------------------------------------------------------------------------------------ the workbook


@pytest.mark.parametrize("slug", SLUGS)
def test_the_workbook_of_every_plan_opens(bob_client: Client, slug: str) -> None:
    plan = Plan.objects.get(slug=slug)
    response = bob_client.get(f"/plans/{plan.pk}/evaluation.xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="evaluation-{slug}-2025.xlsx"'
    sheet = workbook(bob_client, plan)
    assert sheet.title == "评估表"
    header = [cell.value for cell in sheet[header_row(sheet)]]
    assert "指标" in header and "完成程度" in header and "状态" in header
    assert plan.title in str(sheet["A1"].value)
    total = fixture_target_count(slug)
    assert str(sheet["A2"].value).startswith(f"截至2025年，{total}项目标中：")
    rows = data_rows(sheet)
    assert len(rows) == total
    assert [row[0] for row in rows] == list(range(1, total + 1))
    labels = list(plan.targets.order_by("position").values_list("label", flat=True))
    assert [row[1] for row in rows] == labels
    assert all(row[11] in {"暂无数据", "未量化"} for row in rows)


def test_the_workbook_holds_numbers_as_numbers(bob_client: Client) -> None:
    zhengzhou_actuals()
    plan = Plan.objects.get(slug="zhengzhou")
    sheet = workbook(bob_client, plan, year=2023)
    page_summary = bob_client.get(f"/plans/{plan.pk}/evaluation/", {"year": 2023}).context["evaluation"].summary
    assert sheet["A2"].value == page_summary and "项提前实现" in page_summary
    header = [cell.value for cell in sheet[header_row(sheet)]]
    assert header == [
        "序号",
        "指标",
        "单位",
        "基期",
        "基期年份",
        "目标",
        "目标水平",
        "最新实际值",
        "实际值年份",
        "序时进度应达值",
        "完成程度",
        "状态",
        "趋势",
        "目标年预测值",
        "所需年均增速",
        "演示数据或待审核",  # the column also marks submitted values (include=submitted)
        "所在部分",
        "原文（行号）",
        "说明",
        "按原目标",  # a revised target (plans.TargetRevision): the status against both, the revision
        "按调整后目标",
        "调整后目标",
        "目标调整：文件、文号、施行日期、理由、记录人",
        "完成情况",
        "趋势判断（能否在目标年实现）",
        "原因分析",
        "是否建议调整",
        "建议调整后的目标（按目标单位）",
        "下一步措施",
        "情况说明：年度、填写人、时间",
        "评审结论",
        "评审结论：依据",
        "评审结论：评估年份、结论日期、评审人、记录时间",
        "实际值的数据性质",
    ]
    keys = list(plan.targets.order_by("position").values_list("key", flat=True))
    first = header_row(sheet) + 1 + keys.index("table-01-rd-intensity")
    cells = sheet[first]
    values = [cell.value for cell in cells]
    p = (2.71 - 2.31) / (3.0 - 2.31)
    assert values[1] == Target.objects.get(plan=plan, key="table-01-rd-intensity").label
    assert values[2] == "%"
    assert values[3] == pytest.approx(2.31) and values[4] == 2020
    assert values[6] == pytest.approx(3.0)
    assert values[7] == pytest.approx(2.71) and values[8] == 2023
    assert values[9] == pytest.approx(2.31 + 0.6 * 0.69)
    assert isinstance(values[10], float) and values[10] == pytest.approx(p)
    assert cells[10].number_format == "0.0%"
    assert values[11] == "基本符合预期" and values[12] == "按期可实现"
    assert values[14] == pytest.approx((3.0 / 2.71) ** 0.5 - 1) and cells[14].number_format == "0.0%"
    for row in data_rows(sheet):
        for column in (3, 6, 7, 9, 10, 13, 14):
            assert row[column] is None or isinstance(row[column], int | float), (row, column)


def test_the_workbook_follows_the_chosen_language(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="kaifeng")
    bob_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    sheet = workbook(bob_client, plan)
    header = [cell.value for cell in sheet[header_row(sheet, "No.")]]
    assert "Indicator" in header and "Completion" in header
    assert str(sheet["A2"].value).startswith("As of 2025, of 36 targets: ")
    assert len(data_rows(sheet, "No.")) == fixture_target_count("kaifeng")


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+86 371", "'+86 371"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("全社会研发投入 = 25", "全社会研发投入 = 25"),
        ("", ""),
    ],
)
def test_safe_text_never_starts_a_formula(text: str, safe: str) -> None:
    assert safe_text(text) == safe


def test_the_workbook_escapes_text_that_looks_like_a_formula(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="luohe")
    label = '=HYPERLINK("http://evil.example/","点击")'
    target = plan.targets.order_by("position").first()
    assert target is not None
    Target.objects.filter(pk=target.pk).update(label=label, quote="=1+1 原文")
    sheet = workbook(bob_client, plan)
    first = sheet[header_row(sheet) + 1]
    assert first[1].value == "'" + label and first[1].data_type == "s"
    assert str(first[17].value).startswith("'=1+1 原文")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_workbook_survives_control_characters_in_the_text(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="luohe")
    target = plan.targets.order_by("position").first()
    assert target is not None
    Target.objects.filter(pk=target.pk).update(quote="第一页\f第二页", note="x\x0by")
    sheet = workbook(bob_client, plan)
    assert "第一页" in str(sheet[header_row(sheet) + 1][17].value)


@pytest.mark.django_db
def test_the_report_command_prints_the_tables_as_markdown() -> None:
    zhengzhou_actuals()
    out = io.StringIO()
    call_command("evaluation_report", "--year", "2024", "--year", "2025", "--plan", "zhengzhou", stdout=out)
    text = out.getvalue()
    assert text.count("| 序号 | 指标 |") == 2  # one table per year
    assert ZHENGZHOU_2024 in text and ZHENGZHOU_2025 in text
    as_of_2025 = text[text.index("截至 2025 年") :]
    # Zhengzhou's first table row (全社会研发经费支出占GDP的比重 ≥ 3 %), 2.71 in 2023: no verdict in the final one
    row = next(line for line in as_of_2025.splitlines() if line.startswith("| 1 |"))
    assert "2.71（2023）" in row and "暂无数据" in row and "尚无终期结论" in row
    assert "开封" not in text  # --plan


def test_binding_targets_expected_to_be_missed_are_warned_of(bob_client: Client) -> None:
    """约束性 targets not met and missed or projected to fall short are listed first; anticipatory ones never."""
    zhengzhou_actuals()
    plan = Plan.objects.get(slug="zhengzhou")
    regressing = plan.targets.get(key="table-06-tech-contract-turnover")  # 200 in 2023, below the 212.8 baseline
    met = plan.targets.get(key="table-12-hightech-firms")  # 10500 in 2023: met early
    Target.objects.filter(pk__in=[regressing.pk, met.pk]).update(attribute="约束性")
    evaluation = plan_evaluation(plan, 2024)
    assert [row.target.pk for row in evaluation.early_warnings] == [regressing.pk]
    assert ("约束性", 2, "1项提前实现，1项倒退") in [(w, n, c) for w, n, c in evaluation.attributes]
    html = page(bob_client, plan, year=2024)
    section = html[html.index('id="early-warnings"') : html.index("</section>", html.index('id="early-warnings"'))]
    assert f'href="#target-{regressing.pk}"' in section and f'href="#target-{met.pk}"' not in section
    assert "约束性：2项目标：1项提前实现，1项倒退。" in html
