"""Candidate targets from a plan's text (plans.proposals, manage.py propose_targets): the five reviewed plans as
the yardstick, and documents written here in wordings and layouts the five do not use (a 15th-period plan)."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from plans import fixture_schema as fx
from plans import vocabulary as v
from plans.proposals import Candidate, evaluate_fixtures, propose

INDICATORS = fx.load_indicators()


@pytest.mark.parametrize("path", fx.plan_paths(), ids=lambda p: p.stem)
def test_every_quote_is_exact_and_starts_on_its_line(path: Path) -> None:
    plan = fx.load_plan(path, {row.code for row in INDICATORS})
    candidates = propose(plan.text, INDICATORS)
    assert candidates
    for c in candidates:
        assert fx.quote_starts_on_line(plan.text, c.quote, c.line), (c.line, c.quote)


def test_recall_and_precision_on_the_five_plans_do_not_fall() -> None:
    """Measured against the reviewed fixtures (the report is in bench/results/proposals-latest.md); the floors sit
    a little under today's figures so that a change which loses targets fails here."""
    scores = evaluate_fixtures()
    targets = sum(s.targets for s in scores)
    assert sum(s.recalled for s in scores) / targets >= 0.75
    assert sum(s.precise for s in scores) / sum(s.candidates for s in scores) >= 0.85


FIFTEENTH = """某市“十五五”科技创新规划

第一章 发展基础

“十四五”期间，全市高新技术企业达到 4000 家，技术合同成交额达到 300 亿元。

第二章 发展目标

到2030年，全市研发经费投入强度达到 3.2%，高新技术企业突破 6000 家，技术合同成交额年均增长 10%，新培育科技型中小企业 2000 家，每年实施重大科技专项 30 项以上，规模以上工业企业研发活动全覆盖。

全社会研发投入强度高于全省平均水平，每万人口高价值发明专利拥有量比2025年翻一番。

某市“十五五”科技创新主要指标

序号\t指标名称\t2025年基期值\t2030年目标值\t属性
1\t全社会研发经费投入强度（%）\t2.6\t3.2\t预期性
2\t国家级创新平台（家）\t8\t12-15\t预期性

序号

指标

2025年

2030年

1

技术合同成交额(亿元)

300

500
"""  # noqa: E501 — a plan's paragraph is one long line


def _one(candidates: list[Candidate], line: int, code: str) -> Candidate:
    found = [c for c in candidates if c.line == line and c.indicator_code == code]
    assert len(found) == 1, [(c.line, c.indicator, c.indicator_code) for c in candidates]
    return found[0]


def test_a_new_plan_in_new_wording() -> None:
    candidates = propose(FIFTEENTH, INDICATORS)
    goals = 9  # the line of 到2030年…
    assert all(c.line != 5 for c in candidates), "the 14th period's achievements are baselines, not targets"
    rd = _one(candidates, goals, "rd_intensity")
    assert (rd.kind, rd.comparator, rd.target_value, rd.unit, rd.target_year) == (
        v.LEVEL, v.AT_LEAST, Decimal("3.2"), "%", 2030,
    )  # fmt: skip
    assert rd.section == v.GOALS and rd.quote == "全市研发经费投入强度达到 3.2%"
    firms = _one(candidates, goals, "hightech_firms")
    assert (firms.kind, firms.target_value, firms.unit) == (v.LEVEL, Decimal(6000), "家")
    growth = _one(candidates, goals, "tech_contract_turnover")
    assert (growth.kind, growth.target_value) == (v.ANNUAL_GROWTH_RATE, Decimal(10))
    smes = _one(candidates, goals, "tech_smes")
    assert (smes.kind, smes.target_value) == (v.CUMULATIVE_NEW, Decimal(2000))
    projects = _one(candidates, goals, "major_st_projects")
    assert (projects.kind, projects.target_value) == (v.PER_YEAR, Decimal(30))
    coverage = _one(candidates, goals, "enterprise_rd_activity_coverage")
    assert coverage.kind == v.QUALITATIVE
    average = _one(candidates, 11, "rd_intensity")
    assert (average.kind, average.comparator, average.target_value) == (v.RELATIVE_TO_AVERAGE, v.MORE_THAN, None)
    patents = _one(candidates, 11, "high_value_patents_per_10k")
    assert (patents.kind, patents.target_value) == (v.MULTIPLE_OF_BASELINE, Decimal(2))
    assert patents.indicator == "每万人口高价值发明专利拥有量"  # the name, without "比2025年"
    assert len(candidates) == 11  # nothing but the eleven aims: no review figure, no year read as an amount


def test_tables_tab_separated_and_one_cell_per_line() -> None:
    candidates = propose(FIFTEENTH, INDICATORS)
    row = _one(candidates, 16, "rd_intensity")
    assert row.section == v.TABLE and row.quote == "1\t全社会研发经费投入强度（%）\t2.6\t3.2"
    assert (row.baseline_year, row.baseline_value, row.target_year, row.target_value, row.unit) == (
        2025, Decimal("2.6"), 2030, Decimal("3.2"), "%",
    )  # fmt: skip
    ranged = [c for c in candidates if c.line == 17]
    assert len(ranged) == 1
    assert (ranged[0].comparator, ranged[0].target_value, ranged[0].target_value_max) == (
        v.RANGE, Decimal(12), Decimal(15),
    )  # fmt: skip
    cells = [c for c in candidates if c.section == v.TABLE and c.indicator_code == "tech_contract_turnover"]
    assert len(cells) == 1
    assert cells[0].quote == "1\n\n技术合同成交额(亿元)\n\n300\n\n500"
    assert (cells[0].baseline_value, cells[0].target_value, cells[0].unit) == (Decimal(300), Decimal(500), "亿元")


@pytest.mark.django_db
def test_the_command_prints_json_with_the_documented_fields(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text(FIFTEENTH, encoding="utf-8")
    out = io.StringIO()
    call_command("propose_targets", str(path), "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert rows and set(rows[0]) >= {
        "line", "quote", "indicator", "indicator_code", "unit", "kind", "comparator", "baseline_year",
        "baseline_value", "target_year", "target_value", "target_value_max", "section",
    }  # fmt: skip
    assert any(r["line"] == 9 and r["indicator_code"] == "rd_intensity" and r["target_value"] == 3.2 for r in rows)
    for r in rows:
        assert fx.quote_starts_on_line(FIFTEENTH, r["quote"], r["line"]), r
