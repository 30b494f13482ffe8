"""Plan periods (十四五, 十五五): every plan belongs to one; the 15th period exists before its plans arrive."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from plans import fixture_schema as fx
from plans.models import Plan, PlanPeriod


@pytest.mark.django_db
def test_the_periods_are_loaded_and_every_plan_belongs_to_the_14th() -> None:
    periods = list(PlanPeriod.objects.values_list("code", "name_zh", "first_year", "last_year", "baseline_year"))
    assert periods == [("14", "十四五", 2021, 2025, 2020), ("15", "十五五", 2026, 2030, 2025)]
    assert set(Plan.objects.values_list("period__code", flat=True)) == {"14"}
    assert not PlanPeriod.objects.get(code="15").plans.exists()  # its plans are being issued: empty slots
    fourteenth = PlanPeriod.objects.get(code="14")
    assert fourteenth.covers(2021) and fourteenth.covers(2025) and not fourteenth.covers(2026)


def _plan_file(tmp_path: Path, first: int, last: int, period: str | None = None) -> fx.PlanFile:
    document = tmp_path / "documents" / "probe.txt"
    document.parent.mkdir(exist_ok=True)
    document.write_text("到2030年，探针达到3亿元。\n", encoding="utf-8")
    header = [
        "plan:",
        "  slug: probe",
        '  region: "410100"',
        "  title: 探针规划",
        f"  period_start: {first}",
        f"  period_end: {last}",
        "  document: documents/probe.txt",
    ]
    if period:
        header.append(f'  period: "{period}"')
    path = tmp_path / "plans" / "probe.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join([*header, "targets: []", ""]), encoding="utf-8")
    return fx.load_plan(path, set())


def test_a_plan_takes_the_period_holding_its_first_year(tmp_path: Path) -> None:
    periods = fx.load_periods()
    assert fx.period_of(_plan_file(tmp_path, 2026, 2030), periods).name_zh == "十五五"
    assert fx.period_of(_plan_file(tmp_path, 2021, 2025, period="14"), periods).name_zh == "十四五"


@pytest.mark.parametrize(
    ("first", "last", "period", "message"),
    [
        (2024, 2028, None, "not within 十四五"),
        (2026, 2030, "14", "not within 十四五"),
        (2031, 2035, None, "no period holds its first year 2031"),
        (2026, 2030, "16", "unknown period '16'"),
    ],
)
def test_a_plan_outside_its_period_is_refused(
    tmp_path: Path, first: int, last: int, period: str | None, message: str
) -> None:
    with pytest.raises(fx.FixtureError, match=message):
        fx.period_of(_plan_file(tmp_path, first, last, period), fx.load_periods())


def test_overlapping_periods_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "periods.yaml"
    path.write_text(
        "periods:\n"
        "  - {code: '14', name_zh: 十四五, name_en: 14th, first_year: 2021, last_year: 2025}\n"
        "  - {code: '15', name_zh: 十五五, name_en: 15th, first_year: 2025, last_year: 2030}\n",
        encoding="utf-8",
    )
    with pytest.raises(fx.FixtureError, match="not after the period before it"):
        fx.load_periods(path)


def test_the_api_names_each_plans_period_and_filters_by_it(charlie_client: Client) -> None:
    response = charlie_client.get("/api/v1/plans/", {"period__code": "14"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 5
    assert {(r["period"], r["period_name_zh"], r["kind"]) for r in results} == {("14", "十四五", "sci_tech")}
    assert charlie_client.get("/api/v1/plans/", {"period__code": "15"}).json()["count"] == 0
