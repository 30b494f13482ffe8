"""The reporting calendar: when a value is due and overdue (at the edges), and each position's state from what is
stored — approved beats submitted beats returned, demo data counts as nothing."""

from __future__ import annotations

import datetime
import importlib
import re
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import User
from pytest_django.fixtures import SettingsWrapper

from cities.models import Region
from imports.service import send_back
from indicators.models import ActualsImport, Indicator
from plans import completeness as c
from plans import fixture_schema
from plans.models import Target
from plans.services import fixtures_load
from tests.spreadsheets import csv_bytes, imported, long, store

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def quick_settings(settings: SettingsWrapper, tmp_path: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REPORTING_GRACE_MONTHS = 1


def indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def zhengzhou() -> Region:
    return Region.objects.get(adcode="410100")


def state(code: str, year: int, today: datetime.date, record: str | None = None) -> str:
    return c.reporting_state(indicator(code), year, today=today, record=record)


# ------------------------------------------------------------------------------------------------ the rule


def test_the_catalogue_defaults_put_rd_figures_in_september_and_bulletin_figures_in_april() -> None:
    assert (indicator("rd_intensity").release_month, indicator("rd_intensity").release_lag_years) == (9, 1)
    assert indicator("tech_contract_turnover").release_month == 4
    assert indicator("hightech_firms").release_month == 3  # the default: the bureau's own registers


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2025, 8, 31), c.NOT_DUE),  # the day before the release month
        (D(2025, 9, 1), c.DUE),  # its first day
        (D(2025, 9, 30), c.DUE),  # the last day of the grace month
        (D(2025, 10, 1), c.OVERDUE),  # the grace is over
        (D(2030, 1, 1), c.OVERDUE),
    ],
)
def test_rd_intensity_2024_is_due_in_september_2025_and_overdue_from_october(
    today: datetime.date, expected: str
) -> None:
    assert state("rd_intensity", 2024, today) == expected


def test_the_grace_of_a_december_release_ends_in_the_next_year() -> None:
    assert c.due_date(indicator("national_innovative_city_rank"), 2024) == D(2025, 12, 1)
    assert c.overdue_date(indicator("national_innovative_city_rank"), 2024) == D(2026, 1, 1)
    assert state("national_innovative_city_rank", 2024, D(2025, 12, 31)) == c.DUE
    assert state("national_innovative_city_rank", 2024, D(2026, 1, 1)) == c.OVERDUE


def test_the_grace_period_and_the_lag_are_settings_of_the_rule(settings: SettingsWrapper) -> None:
    settings.REPORTING_GRACE_MONTHS = 2
    assert state("rd_intensity", 2024, D(2025, 10, 31)) == c.DUE
    assert state("rd_intensity", 2024, D(2025, 11, 1)) == c.OVERDUE
    edited = indicator("rd_intensity")
    edited.release_lag_years, edited.release_month = 2, 1
    edited.save()
    assert state("rd_intensity", 2024, D(2025, 12, 31)) == c.NOT_DUE
    assert state("rd_intensity", 2024, D(2026, 1, 1)) == c.DUE


@pytest.mark.parametrize("record", [c.APPROVED, c.SUBMITTED, c.RETURNED])
def test_what_is_stored_decides_whatever_the_day(record: str) -> None:
    assert state("rd_intensity", 2024, D(2025, 1, 1), record) == record
    assert state("rd_intensity", 2024, D(2027, 1, 1), record) == record


def test_load_plans_keeps_the_release_month_the_bureau_edited() -> None:
    edited = indicator("rd_intensity")
    edited.release_month = 10
    edited.save()
    fixtures_load()
    assert indicator("rd_intensity").release_month == 10


# ------------------------------------------------------------------------------------------ the positions


def test_a_region_owes_each_indicator_of_its_plan_for_each_plan_year_not_the_baseline_year() -> None:
    found = c.positions([zhengzhou()], today=D(2026, 12, 1))
    plan_indicators = set(Target.objects.filter(plan__region=zhengzhou()).values_list("indicator__code", flat=True))
    assert {p.indicator.code for p in found} == plan_indicators
    assert {p.year for p in found} == {2021, 2022, 2023, 2024, 2025}
    assert len(found) == len(plan_indicators) * 5
    assert c.positions([Region.objects.get(adcode="410000")], today=D(2026, 12, 1)) == []  # no plan, nothing owed


def _one(code: str, year: int, today: datetime.date) -> c.Position:
    [position] = [p for p in c.positions([zhengzhou()], today=today, year=year) if p.indicator.code == code]
    return position


def test_demo_data_is_still_owed_and_a_real_value_is_approved() -> None:
    store("410100", "rd_intensity", 2023, "2.4")  # demo
    assert _one("rd_intensity", 2023, D(2026, 1, 1)).state == c.OVERDUE
    store("410100", "rd_intensity", 2023, "2.5", origin="manual")
    assert _one("rd_intensity", 2023, D(2026, 1, 1)).state == c.APPROVED
    assert _one("rd_intensity", 2023, D(2024, 1, 1)).state == c.APPROVED  # even before it was due


def test_submitted_returned_and_approved_imports(charlie: User, bob: User) -> None:
    today = D(2026, 12, 1)
    _, first = imported(csv_bytes(long(["410100", "研发投入强度", 2023, 2.5])), "a.csv", user=charlie)
    assert first.status == ActualsImport.Status.SUBMITTED
    assert _one("rd_intensity", 2023, today).state == c.SUBMITTED
    send_back(first, reviewer=bob, comment="请核对")
    returned = _one("rd_intensity", 2023, today)
    assert (returned.state, returned.returned_import) == (c.RETURNED, first)
    assert returned in c.to_do([zhengzhou()], today=today)
    # The corrected file, sent again: submitted again; the returned one no longer counts.
    imported(csv_bytes(long(["410100", "研发投入强度", 2023, 2.6])), "b.csv", user=charlie)
    assert _one("rd_intensity", 2023, today).state == c.SUBMITTED
    # The province's own import is approved at once.
    imported(csv_bytes(long(["410100", "研发投入强度", 2023, 2.6])), "c.csv", user=bob)
    assert _one("rd_intensity", 2023, today).state == c.APPROVED
    assert _one("rd_intensity", 2022, today).state == c.OVERDUE  # the other years are untouched


def test_the_to_do_list_holds_due_overdue_and_returned_only_overdue_first() -> None:
    store("410100", "rd_intensity", 2024, "2.5", origin="manual")
    items = c.to_do([zhengzhou()], today=D(2026, 3, 15))
    states = [p.state for p in items]
    assert set(states) <= {c.OVERDUE, c.DUE}
    assert c.DUE in states and c.OVERDUE in states  # 2025 registers are due in March 2026, 2024 figures overdue
    assert states == sorted(states, key=[c.OVERDUE, c.DUE].index)
    assert all(p.year <= 2025 for p in items)
    assert not any(p.indicator.code == "rd_intensity" and p.year == 2024 for p in items)
    assert not any(p.indicator.code == "rd_intensity" and p.year == 2025 for p in items)  # not due before Sept


def test_the_default_year_is_the_latest_one_due() -> None:
    regions = [zhengzhou()]
    assert c.default_year(regions, today=D(2026, 12, 1)) == 2025
    assert c.default_year(regions, today=D(2026, 2, 28)) == 2024  # nothing of 2025 is due before March 2026
    assert c.default_year(regions, today=D(2026, 3, 1)) == 2025
    assert c.default_year(regions, today=D(2020, 1, 1)) == 2021  # nothing due yet: the first year


def test_the_board_counts_each_region(charlie: User) -> None:
    store("410100", "rd_intensity", 2023, "2.5", origin="manual")
    imported(csv_bytes(long(["410100", "高新技术企业数量", 2023, 5200])), "a.csv", user=charlie)
    cities = list(Region.objects.filter(level="city").order_by("adcode"))
    board = c.board(cities, 2023, today=D(2026, 12, 1))
    assert {row.region.adcode for row in board.rows} == {"410100", "410200", "410700", "411100", "411300"}
    row = next(row for row in board.rows if row.region.adcode == "410100")
    assert (row.counts[c.APPROVED], row.counts[c.SUBMITTED]) == (1, 1)
    assert row.counts[c.OVERDUE] == row.owed - 2
    assert sum(1 for cell in row.cells if cell is not None) == row.owed
    assert len(row.cells) == len(board.indicators)
    assert board.totals[c.APPROVED] == 1


def test_the_migration_gave_existing_databases_the_defaults_of_the_fixture() -> None:
    # A frozen copy in the migration (it must not change with the file): the same months, at the time of writing.
    migration = importlib.import_module("indicators.migrations.0006_indicator_release_month")
    months = {row.code: row.release_month for row in fixture_schema.load_indicators()}
    for month, codes in migration.RELEASE_MONTHS.items():
        assert {months[code] for code in codes} == {month}
    assert {code for code, month in months.items() if month != 3} == set().union(*migration.RELEASE_MONTHS.values())


@pytest.mark.parametrize(
    ("calendar", "message"),
    [
        ({"groups": [{"month": 13, "indicators": ["x_one"]}]}, "month must be a whole number from 1 to 12"),
        ({"groups": [{"month": 9, "lag": -1, "indicators": ["x_one"]}]}, "lag must be a whole number from 0 to 5"),
        ({"groups": [{"month": 9, "indicators": ["x_unknown"]}]}, "unknown indicator code 'x_unknown'"),
        (
            {"groups": [{"month": 9, "indicators": ["x_one"]}, {"month": 4, "indicators": ["x_one"]}]},
            "x_one is already in another group",
        ),
    ],
)
def test_the_fixture_refuses_a_bad_release_calendar(tmp_path: Path, calendar: dict[str, object], message: str) -> None:
    path = tmp_path / "indicators.yaml"
    row = {"code": "x_one", "name_zh": "测试", "name_en": "Test", "unit": "%", "direction": "higher"}
    row["measure"] = "ratio"
    path.write_text(yaml.safe_dump({"indicators": [row], "release_calendar": calendar}), encoding="utf-8")
    with pytest.raises(fixture_schema.FixtureError, match=re.escape(message)):
        fixture_schema.load_indicators(path)


def test_an_indicator_in_no_group_gets_the_default(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    row = {"code": "x_one", "name_zh": "测试", "name_en": "Test", "unit": "%", "direction": "higher"}
    row["measure"] = "ratio"
    path.write_text(
        yaml.safe_dump({"indicators": [row], "release_calendar": {"default": {"month": 5, "lag": 2}}}), encoding="utf-8"
    )
    [loaded] = fixture_schema.load_indicators(path)
    assert (loaded.release_month, loaded.release_lag_years) == (5, 2)
