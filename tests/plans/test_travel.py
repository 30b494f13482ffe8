"""Plans travel: a plan exported as its fixture file and document loads back unchanged, and into another
installation through the same checks."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from plans import fixture_schema as fx
from plans.models import Plan, Target
from plans.services import plan_export_to


def _conflicts(pf: fx.PlanFile) -> set[frozenset[str]]:
    # Symmetrical: the reviewed file names a pair once, the export from both ends.
    return {frozenset((t.key, other)) for t in pf.targets for other in t.conflicts_with}


def _fields(pf: fx.PlanFile) -> tuple[object, ...]:
    return (pf.slug, pf.region, pf.title, pf.document_number, pf.issue_date, pf.period_start, pf.period_end, pf.text)


@pytest.mark.django_db
@pytest.mark.parametrize("path", fx.plan_paths(), ids=lambda p: p.stem)
def test_an_exported_plan_is_its_fixture_file(path: Path, tmp_path: Path) -> None:
    """Every target, value, quote and line of the reviewed file survives the trip, for each of the five plans."""
    codes = {row.code for row in fx.load_indicators()}
    original = fx.load_plan(path, codes)
    exported = fx.load_plan(plan_export_to(Plan.objects.get(slug=original.slug), tmp_path), codes)
    assert _fields(exported) == _fields(original)
    assert [replace(t, conflicts_with=()) for t in exported.targets] == [
        replace(t, conflicts_with=()) for t in original.targets
    ]
    assert _conflicts(exported) == _conflicts(original)
    assert exported.period == "14"


@pytest.mark.django_db
def test_importing_the_export_changes_nothing_and_an_edit_is_loaded(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("export_plan", "luohe", "--to", str(tmp_path), stdout=out)
    path = tmp_path / "plans" / "luohe.yaml"
    assert "37 targets" in out.getvalue()
    out = io.StringIO()
    call_command("import_plan", str(path), stdout=out)
    assert "target unchanged: 37" in out.getvalue() and "created" not in out.getvalue()

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = data["targets"][0]
    first["note"] = "另一装置的审阅意见"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = io.StringIO()
    call_command("import_plan", str(path), stdout=out)
    assert "target updated: 1" in out.getvalue()
    assert Target.objects.get(plan__slug="luohe", key=first["key"]).note == "另一装置的审阅意见"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["targets"][0].update(indicator="no_such_indicator"), "unknown indicator code"),
        (lambda d: d["targets"][0].update(quote="原文中没有这句话"), "not an exact substring"),
        (lambda d: d["plan"].update(region="990100"), "unknown region"),
        (lambda d: d["plan"].update(period="16"), "unknown period"),
    ],
)
def test_a_bad_plan_file_is_refused_and_nothing_is_written(tmp_path: Path, change: object, message: str) -> None:
    path = plan_export_to(Plan.objects.get(slug="kaifeng"), tmp_path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["plan"]["slug"] = "kaifeng-copy"
    change(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_plan", str(path), stdout=io.StringIO())
    assert not Plan.objects.filter(slug="kaifeng-copy").exists()
