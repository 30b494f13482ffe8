"""A database created at the previous layout migrates forward with every row kept.

BEFORE is the set of leaf migrations of the project's apps at the commit before the restructuring (9167862~1:
``git ls-tree -r --name-only 9167862~1 | grep migrations``). The test migrates the test database back to it,
writes one row of every kind through the historical models of that state (a region and its province, a user
and their membership, an indicator and its alias, a plan, two targets in conflict, an import record, an actual
with a change in its history), migrates to the latest migrations, and reads every row back with the same
values. Migrations added since (none yet) run forwards here on real rows, on SQLite and on PostgreSQL.

A migration that renames or moves a model says where its rows went in NOW (historical label → current label);
one that renames a column says so in RENAMED. A new column is fine: only the columns of BEFORE are compared.
Reverse migrations must exist (the test unapplies everything after BEFORE first).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

# The leaves at 9167862~1. imports and dashboard were no apps then: none of their migrations was applied.
BEFORE: list[tuple[str, str | None]] = [
    ("cities", "0001_initial"),
    ("indicators", "0002_actuals_import"),
    ("plans", "0002_target_compares"),
    ("imports", None),
    ("dashboard", None),
    ("config", None),
]

# Where each model of BEFORE lives now (app_label.ModelName), and renamed columns per model: {old: new}.
NOW: dict[str, str] = {}
RENAMED: dict[str, dict[str, str]] = {}
# Values a data migration changes on purpose, per model and column: {old: new}. Imports committed before the review
# cycle wrote approved values (indicators 0004).
CONVERTED: dict[str, dict[str, dict[Any, Any]]] = {"indicators.ActualsImport": {"status": {"committed": "approved"}}}

ROOT = Path(__file__).resolve().parents[2]


def _executor() -> MigrationExecutor:
    """A fresh executor: it reads what is applied when it is made."""
    return MigrationExecutor(connection)


@pytest.fixture
def at_before() -> Iterator[Apps]:
    """The database migrated back to BEFORE, and the historical models of that state; afterwards (also when the
    test fails) migrated to the latest state again, for the tests that run after this one."""
    try:
        executor = _executor()
        executor.migrate(BEFORE)
        yield executor.loader.project_state([(app, name) for app, name in BEFORE if name is not None]).apps
    finally:
        executor = _executor()
        executor.migrate(executor.loader.graph.leaf_nodes())


def _write_rows(apps: Apps) -> dict[str, list[int]]:
    """One row of every kind, through the historical models (plain model classes: no save() of today's code).
    Adcodes and keys of their own, so the rows of the session's fixtures (present or flushed) do not matter."""
    model = apps.get_model
    user = model("auth", "User").objects.create(username="migration-probe", password="!", email="probe@example.org")
    province = model("cities", "Region").objects.create(
        adcode="990000", name_zh="迁移省", name_en="Migration Province", level="province"
    )
    city = model("cities", "Region").objects.create(
        adcode="990100", name_zh="迁移市", name_en="Migration City", level="city", parent=province
    )
    membership = model("cities", "Membership").objects.create(user=user, region=city)
    indicator = model("indicators", "Indicator").objects.create(
        code="migration_probe",
        name_zh="迁移探针指标",
        name_en="Migration probe",
        unit="亿元",
        direction="higher",
        measure="flow",
        description="只为迁移测试",
    )
    alias = model("indicators", "IndicatorAlias").objects.create(indicator=indicator, name="探针", normalized="探针")
    plan = model("plans", "Plan").objects.create(
        slug="migration-probe",
        region=city,
        title="迁移市“十四五”科技创新规划",
        document_number="迁政〔2021〕1号",
        issue_date=datetime.date(2021, 6, 30),
        period_start=2021,
        period_end=2025,
        source_text="第一行\n到2025年，探针达到3亿元。\n年均增长15%。\n",
    )
    Target = model("plans", "Target")
    level = Target.objects.create(
        plan=plan,
        key="table-01-probe",
        position=1,
        indicator=indicator,
        label="探针（亿元）",
        kind="level",
        comparator=">=",
        baseline_year=2020,
        baseline_value=Decimal("1.500000"),
        baseline_note="2020年实际",
        baseline_quote="2020年1.5亿元",
        target_year=2025,
        target_value=Decimal("3.000000"),
        unit="亿元",
        compares="level",
        section="table",
        attribute="预期性",
        quote="到2025年，探针达到3亿元。",
        quote_line=2,
        note="",
    )
    growth = Target.objects.create(
        plan=plan,
        key="goals-01-probe-growth",
        position=2,
        indicator=indicator,
        label="探针年均增长",
        kind="annual_growth_rate",
        comparator=">=",
        target_year=2025,
        target_value=Decimal("15.000000"),
        unit="%",
        compares="level",
        section="goals",
        quote="年均增长15%。",
        quote_line=3,
        note="与表中数值不一致",
    )
    # Both directions, as today's symmetrical field stores them (the historical field may not be symmetrical).
    level.conflicts_with.add(growth)
    growth.conflicts_with.add(level)
    uploaded = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    actuals_import = model("indicators", "ActualsImport").objects.create(
        file="imports/2024/05/" + "ab" * 32 + ".xlsx",
        file_name="迁移市2023年指标.xlsx",
        file_format="xlsx",
        sha256="ab" * 32,
        size=12345,
        layout="wide",
        region=city,
        status="committed",
        change_digest="cd" * 32,
        values_read=2,
        created_count=1,
        updated_count=1,
        unchanged_count=0,
        warning_count=1,
        uploaded_at=uploaded,
        uploaded_by=user,
        committed_at=uploaded + datetime.timedelta(minutes=2),
    )
    observation = model("indicators", "Observation").objects.create(
        region=city,
        indicator=indicator,
        year=2023,
        value=Decimal("2.500000"),
        source="统计年鉴2024",
        note="快报数",
        origin="import",
        updated_by=user,
    )
    Change = model("indicators", "ObservationChange")
    created = Change.objects.create(
        observation=observation,
        region=city,
        indicator=indicator,
        year=2023,
        action="create",
        new_value=Decimal("2.100000"),
        new_source="手工录入",
        origin="manual",
        changed_by=user,
    )
    updated = Change.objects.create(
        observation=observation,
        region=city,
        indicator=indicator,
        year=2023,
        action="update",
        old_value=Decimal("2.100000"),
        new_value=Decimal("2.500000"),
        old_source="手工录入",
        new_source="统计年鉴2024",
        origin="import",
        reason="年鉴更正",
        actuals_import=actuals_import,
        changed_by=user,
    )
    through = Target.conflicts_with.through
    return {
        "auth.User": [user.pk],
        "cities.Region": [province.pk, city.pk],
        "cities.Membership": [membership.pk],
        "indicators.Indicator": [indicator.pk],
        "indicators.IndicatorAlias": [alias.pk],
        "plans.Plan": [plan.pk],
        "plans.Target": [level.pk, growth.pk],
        f"plans.{through.__name__}": list(
            through.objects.filter(from_target__plan=plan).order_by("pk").values_list("pk", flat=True)
        ),
        "indicators.ActualsImport": [actuals_import.pk],
        "indicators.Observation": [observation.pk],
        "indicators.ObservationChange": [created.pk, updated.pk],
    }


def _rows(apps: Apps, label: str, pks: list[int]) -> list[dict[str, Any]]:
    model = apps.get_model(label)
    return list(model._default_manager.filter(pk__in=pks).order_by("pk").values())


@pytest.mark.django_db(transaction=True)  # schema changes outside a transaction; the database is flushed after
def test_a_database_at_the_previous_layout_migrates_forward_keeping_every_row(at_before: Apps) -> None:
    written = _write_rows(at_before)
    before = {label: _rows(at_before, label, pks) for label, pks in written.items()}
    assert all(len(before[label]) == len(pks) > 0 for label, pks in written.items())
    assert len(before["plans.Target_conflicts_with"]) == 2

    executor = _executor()
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(leaves)
    assert not _executor().migration_plan(leaves), "not every migration was applied"

    for label, old_rows in before.items():
        now = NOW.get(label, label)
        renamed = RENAMED.get(label, {})
        new_rows = _rows(current_apps, now, written[label])
        assert len(new_rows) == len(old_rows), f"{label} → {now}: rows lost"
        for old, new in zip(old_rows, new_rows, strict=True):
            converted = CONVERTED.get(label, {})
            kept = {
                renamed.get(column, column): converted.get(column, {}).get(value, value)
                for column, value in old.items()
            }
            missing = sorted(set(kept) - set(new))
            assert not missing, f"{label} → {now}: columns gone: {missing} (say where they went in RENAMED)"
            assert {column: new[column] for column in kept} == kept, f"{label} → {now}: values changed"

    # Added since: the plan (2021–2025) was given the period holding its first year.
    plan = current_apps.get_model("plans", "Plan").objects.select_related("period").get(pk=written["plans.Plan"][0])
    assert (plan.period.code, plan.kind) == ("14", "sci_tech")


def test_before_names_migrations_that_exist() -> None:
    """A squash or a renamed migration file would leave BEFORE pointing nowhere."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph  # the files only, no database
    for app_label, name in BEFORE:
        if name is not None:
            assert (app_label, name) in graph.nodes, f"{app_label}.{name} is not a migration any more"


def test_before_names_every_app_of_the_project() -> None:
    """An app added later had no migration at BEFORE: it is listed with None, so that migrating back unapplies
    its migrations too."""
    ours = {app.label for app in current_apps.get_app_configs() if Path(app.path).parent == ROOT}  # not .venv
    assert {app for app, _name in BEFORE} == ours
