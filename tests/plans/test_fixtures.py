"""Fidelity of the plan fixtures to their documents.

The tables are parsed here independently of the fixture files (straight from the document text), so a row
missing from a fixture, or a value typed differently from the document, fails a test.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from indicators.models import Indicator, IndicatorAlias, normalize_name
from plans import fixture_schema as fx
from plans.models import Plan, Target

SLUGS = ["xinxiang", "kaifeng", "zhengzhou", "nanyang", "luohe"]
REQUIRED_CODES = [
    "rd_intensity",
    "rd_expenditure",
    "hightech_firms",
    "tech_smes",
    "tech_contract_turnover",
    "hightech_industry_share",
    "high_value_patents_per_10k",
    "enterprise_rd_to_revenue",
    "science_literacy",
    "national_key_labs",
]
# (plan, table title, layout, number of rows as printed)
TABLES = [
    ("xinxiang", "新乡市“十四五”科技创新预期性指标", "tabs", 7),
    ("zhengzhou", "郑州市“十四五”科技创新预期性指标", "cells", 14),
    ("nanyang", "南阳市“十四五”科技创新预期目标", "tabs", 11),
]
NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:\s*[-－—–]\s*(\d+(?:\.\d+)?))?")


def document(slug: str) -> str:
    return (fx.FIXTURES_DIR / "documents" / f"{slug}.txt").read_text(encoding="utf-8")


def parse_table(text: str, title: str, layout: str) -> list[tuple[int, str, str, str]]:
    """Rows (number, indicator as printed, baseline cell, target cell) of the table under ``title``."""
    lines = text[text.index(title) + len(title) :].split("\n")
    rows = []
    if layout == "tabs":
        started = False
        for line in lines:
            if not line.strip():
                continue
            cells = line.split("\t")
            if cells[0].startswith("序号"):
                started = True
                continue
            if started and cells[0].isdigit() and len(cells) >= 4:
                rows.append((int(cells[0]), cells[1], cells[2], cells[3]))
            elif started:
                break
    else:  # one cell per line: 序号 / 指标 / 2020年 / 2025年 / 数据来源
        cells = [line.strip() for line in lines if line.strip()]
        assert cells[:5] == ["序号", "指标", "2020年", "2025年", "数据来源"]
        i = 5
        while i + 4 < len(cells) and cells[i].isdigit():
            rows.append((int(cells[i]), cells[i + 1], cells[i + 2], cells[i + 3]))
            i += 5
    return rows


def leading_numbers(cell: str) -> tuple[Decimal | None, Decimal | None]:
    match = NUMBER.match(cell)
    if not match:
        return None, None
    low, high = match.groups()
    return Decimal(low), (Decimal(high) if high else None)


@pytest.mark.parametrize("slug", SLUGS)
def test_it_quotes_every_target_exactly_on_its_line(db: None, slug: str) -> None:
    plan = Plan.objects.get(slug=slug)
    text = document(slug)
    assert plan.source_text == text
    targets = list(plan.targets.all())
    assert targets, f"{slug} has no targets"
    for t in targets:
        assert t.quote in text, f"{slug}/{t.key}: quote is not in the document"
        assert fx.quote_starts_on_line(text, t.quote, t.quote_line), f"{slug}/{t.key}: wrong line {t.quote_line}"
        if t.baseline_quote:
            assert t.baseline_quote in text, f"{slug}/{t.key}: baseline quote is not in the document"


@pytest.mark.parametrize(("slug", "title", "layout", "row_count"), TABLES)
def test_it_holds_every_table_row_as_printed(db: None, slug: str, title: str, layout: str, row_count: int) -> None:
    rows = parse_table(document(slug), title, layout)
    assert [no for no, *_ in rows] == list(range(1, row_count + 1))
    table_targets = {t.key: t for t in Target.objects.filter(plan__slug=slug, section=Target.Section.TABLE)}
    assert len(table_targets) == row_count
    for no, name, base_cell, target_cell in rows:
        matches = [t for key, t in table_targets.items() if key.startswith(f"table-{no:02d}-")]
        assert len(matches) == 1, f"{slug} row {no} ({name}): expected one target, found {len(matches)}"
        t = matches[0]
        assert t.label == name
        assert name in t.quote and target_cell in t.quote
        assert t.attribute == Target.Attribute.ANTICIPATORY
        value, value_max = leading_numbers(target_cell)
        assert t.target_value == value, f"{slug} row {no}: target {t.target_value} != printed {target_cell}"
        assert t.target_value_max == value_max
        if value_max is not None:
            assert t.comparator == Target.Comparator.RANGE
        base, _ = leading_numbers(base_cell)
        assert t.baseline_value == base, f"{slug} row {no}: baseline {t.baseline_value} != printed {base_cell}"
        assert t.baseline_year == 2020
        assert t.target_year == 2025


def test_it_reads_growth_rate_rows_as_growth_of_the_level_indicator(db: None) -> None:
    for slug, key_prefix in [("xinxiang", "table-01-"), ("nanyang", "table-01-")]:
        t = Target.objects.get(plan__slug=slug, key__startswith=key_prefix)
        assert t.kind == Target.Kind.ANNUAL_GROWTH_RATE
        assert t.indicator.code == "rd_expenditure"
        assert t.baseline_value is not None  # the baseline growth rate is kept as stated


@pytest.mark.parametrize(
    ("slug", "first_line", "last_line"),
    [("kaifeng", 51, 51), ("luohe", 31, 35), ("xinxiang", 51, 53), ("zhengzhou", 106, 112), ("nanyang", 55, 67)],
)
def test_it_captures_every_number_of_the_goals_section(db: None, slug: str, first_line: int, last_line: int) -> None:
    """Each number printed in the goals paragraphs appears in the quote of a goals target of that plan."""
    # Numbers that are names, not targets: Nanyang's “6+N”产业布局.
    not_targets = {"nanyang": {"6"}}.get(slug, set())
    lines = document(slug).split("\n")[first_line - 1 : last_line]
    quotes = " ".join(Target.objects.filter(plan__slug=slug, section="goals").values_list("quote", flat=True))
    quoted_numbers = set(re.findall(r"\d+(?:\.\d+)?", quotes))
    missing = []
    for line in lines:
        for number in re.findall(r"\d+(?:\.\d+)?", line):
            if number in {"2020", "2025", "2035"} or number in not_targets:
                continue
            if number not in quoted_numbers:
                missing.append(number)
    assert not missing, f"{slug}: numbers of the goals section not in any goals target: {missing}"


def test_it_has_the_indicator_codes_of_the_api_contract(db: None) -> None:
    codes = set(Indicator.objects.values_list("code", flat=True))
    assert set(REQUIRED_CODES) <= codes


def test_it_knows_rd_intensity_under_all_its_names(db: None) -> None:
    for name in ["研发投入强度", "R&D经费投入强度", "全社会研发经费支出占GDP的比重", "研发经费投入强度（%）"]:
        normalized = normalize_name(name)
        by_alias = IndicatorAlias.objects.filter(normalized=normalized).values_list("indicator__code", flat=True)
        by_name = [i.code for i in Indicator.objects.all() if normalize_name(i.name_zh) == normalized]
        assert [*by_alias, *by_name] == ["rd_intensity"], name


def test_it_names_every_conflict_on_both_sides_with_a_note(db: None) -> None:
    conflicted = Target.objects.filter(conflicts_with__isnull=False).distinct()
    assert conflicted.exists()
    for t in conflicted:
        assert t.note, f"{t.plan.slug}/{t.key}: a conflict needs a note"
        for other in t.conflicts_with.all():
            assert t in other.conflicts_with.all()
            assert other.plan_id == t.plan_id


def test_it_records_the_xinxiang_hightech_sum_that_does_not_add_up(db: None) -> None:
    table = Target.objects.get(plan__slug="xinxiang", key="table-06-hightech-firms")
    assert (table.baseline_value, table.target_value) == (Decimal(402), Decimal(800))
    others = list(table.conflicts_with.values_list("kind", "target_value"))
    assert (Target.Kind.CUMULATIVE_NEW, Decimal(400)) in others


def test_it_keeps_values_only_where_the_kind_allows_none(db: None) -> None:
    valueless = Target.objects.filter(target_value__isnull=True)
    assert set(valueless.values_list("kind", flat=True)) <= {"relative_to_average", "qualitative"}
    assert Target.objects.filter(kind="relative_to_average").exists()


def test_it_refuses_a_quote_that_is_not_in_the_document(tmp_path: pytest.TempPathFactory) -> None:
    plan_file = fx.FIXTURES_DIR / "plans" / "luohe.yaml"
    broken = plan_file.read_text(encoding="utf-8").replace("quote: ", "quote: 伪造", 1)
    (tmp_path / "plans").mkdir()  # type: ignore[operator]
    (tmp_path / "plans" / "luohe.yaml").write_text(broken, encoding="utf-8")  # type: ignore[operator]
    (tmp_path / "documents").symlink_to(fx.FIXTURES_DIR / "documents")  # type: ignore[operator]
    codes = {row.code for row in fx.load_indicators()}
    with pytest.raises(fx.FixtureError, match="not an exact substring"):
        fx.load_plan(tmp_path / "plans" / "luohe.yaml", codes)  # type: ignore[operator]
