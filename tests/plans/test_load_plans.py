"""load_plans: idempotent, all-or-nothing."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cities.models import Region
from plans import fixture_schema as fx
from plans.models import Plan, Target


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("load_plans", *args, stdout=out)
    return out.getvalue()


def test_it_changes_nothing_when_run_again(db: None) -> None:
    before = list(Target.objects.order_by("pk").values())
    output = run()
    assert "(nothing changed)" in output
    assert "created" not in output and "updated" not in output
    assert list(Target.objects.order_by("pk").values()) == before


def test_it_restores_a_target_edited_by_hand(db: None) -> None:
    target = Target.objects.get(plan__slug="zhengzhou", key__startswith="table-01-")
    target.target_value = 99
    target.save()
    assert "target updated: 1" in run()
    target.refresh_from_db()
    assert float(target.target_value or 0) == 3.0


def test_it_loads_all_or_nothing(db: None, tmp_path: Path) -> None:
    shutil.copytree(fx.FIXTURES_DIR, tmp_path / "fixtures")
    # A valid change to one plan, and a broken file after it: nothing of either may land.
    good = tmp_path / "fixtures" / "plans" / "kaifeng.yaml"
    good.write_text(good.read_text(encoding="utf-8").replace("title: ", "title: 改过的", 1), encoding="utf-8")
    bad = tmp_path / "fixtures" / "plans" / "zhengzhou.yaml"
    bad.write_text(bad.read_text(encoding="utf-8").replace("indicator: rd_intensity", "indicator: nope", 1))
    plans_before = list(Plan.objects.order_by("pk").values_list("title", flat=True))
    with pytest.raises(CommandError, match="unknown indicator code 'nope'"):
        run("--fixtures", str(tmp_path / "fixtures"))
    assert list(Plan.objects.order_by("pk").values_list("title", flat=True)) == plans_before


def test_it_loads_henan_with_parents(db: None) -> None:
    henan = Region.objects.get(adcode="410000")
    assert henan.level == "province" and henan.parent is None
    assert henan.children.count() == 18
