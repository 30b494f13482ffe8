"""The evaluation report drafted as a Word document: what it states agrees with the evaluation, it holds the
city's explanations and the charts, and LibreOffice opens it (as Word and WPS do)."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from docx import Document

from plans import vocabulary as v
from plans.evaluation import attribute_summary, plan_evaluation
from plans.explanations import explanation_add
from plans.models import Plan

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def demo(db: None) -> None:
    call_command("load_demo_actuals", verbosity=0, stdout=io.StringIO())


def _open(response: object) -> object:
    assert response.status_code == 200, response  # type: ignore[attr-defined]
    assert response["Content-Type"] == DOCX  # type: ignore[index]
    return Document(io.BytesIO(response.content))  # type: ignore[attr-defined]


def _paragraphs(document: object) -> list[str]:
    return [p.text for p in document.paragraphs]  # type: ignore[attr-defined]


@pytest.mark.usefixtures("demo")
def test_the_plan_report_states_what_the_evaluation_states(bob_client: Client) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    evaluation = plan_evaluation(plan, 2024)
    document = _open(bob_client.get(f"/plans/{plan.pk}/report.docx", {"year": 2024}))
    paragraphs = _paragraphs(document)
    assert paragraphs[0] == f"{plan.title} {evaluation.title}"
    assert evaluation.summary in paragraphs
    assert any("演示数据" in p for p in paragraphs)  # demo values never pass for real statistics
    for word, count, counts in attribute_summary(evaluation.rows):
        assert f"{word}：{count}项目标：{counts}。" in paragraphs
    table = document.tables[0]  # type: ignore[attr-defined]
    main = [row for row in evaluation.rows if row.target.section == v.TABLE]
    assert len(table.rows) == 1 + len(main) == 15
    for cells, row in zip(table.rows[1:], main, strict=True):
        texts = [cell.text for cell in cells.cells]
        assert texts[0] == row.target.label
        assert texts[2] == (row.target.attribute or "—")
        assert texts[7] == row.status_label
    assert len(document.inline_shapes) >= 5  # type: ignore[attr-defined]  # the main indicators' charts


@pytest.mark.usefixtures("demo")
def test_a_lagging_target_carries_the_citys_explanation(bob_client: Client, charlie: User) -> None:
    plan = Plan.objects.get(slug="zhengzhou")
    lagging = [row for row in plan_evaluation(plan, 2024).rows if row.status in v.NEEDS_EXPLANATION]
    assert lagging, "the demo data has lagging targets in Zhengzhou"
    explained, unexplained = lagging[0].target, lagging[1:]
    explanation_add(
        target=explained, year=2024, user=charlie, situation="完成约六成", outlook="难以按期实现",
        causes="龙头企业研发投入下降", measures="实施研发费用后补助", propose_revision=True, revised_target=Decimal(2),
    )  # fmt: skip
    paragraphs = _paragraphs(_open(bob_client.get(f"/plans/{plan.pk}/report.docx", {"year": 2024})))
    assert "原因分析：龙头企业研发投入下降" in " ".join(paragraphs).replace("Causes (原因分析)", "原因分析")
    if unexplained:
        assert any("尚未" in p or "not explained" in p for p in paragraphs)


@pytest.mark.usefixtures("demo")
def test_the_province_report_holds_every_plan(charlie_client: Client) -> None:
    document = _open(charlie_client.get("/report.docx", {"year": 2024}))
    text = "\n".join(_paragraphs(document))
    for plan in Plan.objects.all():
        assert plan.title in text
        assert plan_evaluation(plan, 2024).summary in text
    assert len(document.tables[0].rows) == 1 + Plan.objects.count()  # type: ignore[attr-defined]
    assert not document.inline_shapes  # type: ignore[attr-defined]  # the plans' own reports have the charts


def test_the_reports_need_a_login_and_a_plausible_year(client: Client, bob_client: Client) -> None:
    plan = Plan.objects.get(slug="luohe")
    for url in (f"/plans/{plan.pk}/report.docx", "/report.docx"):
        assert client.get(url).status_code == 302
        assert bob_client.get(url, {"year": "abc"}).status_code == 400
    assert bob_client.get("/plans/999999/report.docx").status_code == 404


@pytest.mark.usefixtures("demo")
def test_libreoffice_opens_the_report(bob_client: Client, tmp_path: Path) -> None:
    """Converting it with LibreOffice (what WPS and Word read, it reads) gives the report's text back."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is installed by `make ensure-libreoffice` (the test target runs it)"
    plan = Plan.objects.get(slug="xinxiang")
    path = tmp_path / "report.docx"
    path.write_bytes(bob_client.get(f"/plans/{plan.pk}/report.docx", {"year": 2023}).content)
    subprocess.run(  # noqa: S603 — our own file, a fixed command
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "txt:Text",
         "--outdir", str(tmp_path), str(path)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    text = (tmp_path / "report.txt").read_text(encoding="utf-8-sig")
    assert plan.title in text
    assert plan_evaluation(plan, 2023).summary in text
