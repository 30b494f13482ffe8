"""A revised target on the pages: the status against both (按原目标 / 按调整后目标) on the city card, the indicator,
plan and evaluation pages, the downloads and the drafted report; the chart draws both targets; the history lists
the revision; a demonstration revision is labelled 演示数据."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from docx import Document

from plans.models import Target, TargetRevision
from plans.revisions import DEMO_TARGET, revision_add
from tests.spreadsheets import store

pytestmark = pytest.mark.django_db

SLUG, KEY = DEMO_TARGET
TITLE = "郑州市人大常委会关于调整规划指标的决定"
NUMBER = "郑常〔2023〕2号"


@pytest.fixture
def revised() -> TargetRevision:
    target = Target.objects.get(plan__slug=SLUG, key=KEY)  # baseline 5486 (2020), ≥ 8000 (2025)
    store("410100", target.indicator.code, 2023, "6800", origin="manual")  # lagging against 8000, ahead of 7200
    return revision_add(
        target=target,
        user=None,
        as_operator=True,
        target_value=Decimal("7200"),
        effective_from=datetime.date(2023, 1, 1),
        document_title=TITLE,
        document_number=NUMBER,
        reason="中期评估后按程序调整",
    )


def both(html: str) -> bool:
    return "按原目标" in html and "按调整后目标" in html


def _section(html: str, target: Target) -> str:
    start = html.index(f'id="target-{target.pk}"')
    end = html.find("</li>", start)
    return html[start:end]


def test_the_city_card_shows_both_statuses_the_revised_target_and_the_history(
    bob_client: Client, revised: TargetRevision
) -> None:
    html = bob_client.get("/cities/410100/").content.decode()
    card = _section(html, revised.target)
    assert both(card)
    assert "滞后" in card and "快于预期" in card  # against 8000 / against 7200
    assert "7200" in card and TITLE in card and NUMBER in card and "中期评估后按程序调整" in card
    assert "2023-01-01" in card
    assert "演示数据" not in card  # a real revision is not labelled demo
    other = Target.objects.filter(plan__slug=SLUG).exclude(pk=revised.target.pk).first()
    assert other is not None and not both(_section(html, other))


def _figure(html: str, code: str) -> dict[str, Any]:
    found = re.search(rf'<script id="figure-{code}" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None
    figure: dict[str, Any] = json.loads(found.group(1))
    return figure


def test_the_chart_draws_the_original_dashed_grey_and_the_revised_solid(
    bob_client: Client, revised: TargetRevision
) -> None:
    html = bob_client.get("/cities/410100/").content.decode()
    data = _figure(html, revised.target.indicator.code)["data"]
    traces = {trace["name"]: trace for trace in data if trace.get("mode") == "lines"}
    original, new = traces["原目标"], traces["调整后目标"]
    assert original["y"] == [8000.0, 8000.0] and original["line"]["dash"] == "dash"
    assert original["line"]["color"] == "#9aa5b1"
    assert new["y"][0] == 7200.0 and "dash" not in new["line"]
    assert original["x"][-1] == new["x"][-1] == 2025
    [star] = [trace for trace in data if trace.get("marker", {}).get("symbol") == "star"]
    assert star["y"] == [7200.0] and star["showlegend"] is False  # the star is the revised target's


def test_the_indicator_evaluation_and_plan_pages_show_both(bob_client: Client, revised: TargetRevision) -> None:
    target = revised.target
    indicator = bob_client.get(f"/indicators/{target.indicator.code}/", {"year": 2023}).content.decode()
    assert both(indicator)
    evaluation = bob_client.get(f"/plans/{target.plan_id}/evaluation/", {"year": 2023})
    html = evaluation.content.decode()
    assert both(html) and TITLE in html
    # The counts use the revised status.
    [row] = [row for row in evaluation.context["evaluation"].rows if row.target.pk == target.pk]
    assert row.status == "ahead" and row.item.status_original == "lagging"
    assert both(bob_client.get(f"/plans/{target.plan_id}/").content.decode())
    # Before the revision takes effect, the evaluation judges the original alone.
    before = bob_client.get(f"/plans/{target.plan_id}/evaluation/", {"year": 2022}).content.decode()
    assert not both(before)


def test_the_downloads_and_the_report_give_both(bob_client: Client, revised: TargetRevision) -> None:
    target = revised.target
    response = bob_client.get(f"/plans/{target.plan_id}/evaluation.xlsx", {"year": 2023})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [[str(cell) if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    header = next(row for row in rows if "按原目标" in row)
    line = next(row for row in rows if row[1] == target.label)
    assert line[header.index("按原目标")] == "滞后" and line[header.index("按调整后目标")] == "快于预期"
    assert TITLE in line[header.index("目标调整：文件、文号、施行日期、理由、记录人")]
    data = bob_client.get("/cities/410100/data.csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(data)))
    assert "按调整后目标" in table[0]
    assert any(row[2] == target.label and "快于预期" in row for row in table[1:])
    document = Document(io.BytesIO(bob_client.get(f"/plans/{target.plan_id}/report.docx", {"year": 2023}).content))
    cells = [cell.text for row in document.tables[0].rows for cell in row.cells]
    assert any("按原目标：滞后" in text and "按调整后目标：快于预期" in text for text in cells)
    assert any("7200" in text and NUMBER in text for text in cells)


def test_the_demo_revision_is_labelled_demo_data_wherever_shown(bob_client: Client) -> None:
    call_command("load_demo_revisions", stdout=io.StringIO())
    record = TargetRevision.objects.get(demo=True)
    card = _section(bob_client.get("/cities/410100/").content.decode(), record.target)
    assert both(card) and "演示数据" in card and "演示：调整示例，非真实文件" in card
    row = bob_client.get("/api/v1/progress/", {"region": "410100", "page_size": "1000"}).json()["results"]
    [mine] = [r for r in row if r["target"] == record.target.pk]
    assert mine["revision"]["demo"] is True


FORM = {
    "target_value": "7200",
    "effective_from": "2024-01-01",
    "document_title": TITLE,
    "document_number": NUMBER,
    "reason": "中期评估后按程序调整",
}


def test_provincial_staff_record_a_revision_on_its_page(bob_client: Client) -> None:
    target = Target.objects.get(plan__slug=SLUG, key=KEY)
    url = f"/targets/{target.pk}/revision/"
    page = bob_client.get(url)
    assert page.status_code == 200 and 'class="revision-form"' in page.content.decode()
    bad = bob_client.post(url, FORM | {"comparator": "range", "target_value_max": "7000"})
    assert bad.status_code == 400 and "新的上限值" in bad.content.decode()
    assert not TargetRevision.objects.exists()
    response = bob_client.post(url, FORM)
    assert response.status_code == 302 and response["Location"].endswith(f"#target-{target.pk}")
    record = TargetRevision.objects.get()
    assert record.recorded_by is not None and record.recorded_by.username == "bob"
    assert TITLE in bob_client.get(url).content.decode()
    assert f'href="{url}"' in bob_client.get("/cities/410100/").content.decode()  # the card links it


def test_a_city_official_reads_the_revisions_but_never_records_one(charlie_client: Client) -> None:
    target = Target.objects.get(plan__slug=SLUG, key=KEY)  # charlie's own city
    url = f"/targets/{target.pk}/revision/"
    page = charlie_client.get(url)
    assert page.status_code == 200 and 'class="revision-form"' not in page.content.decode()
    assert charlie_client.post(url, FORM).status_code == 403
    assert not TargetRevision.objects.exists()
