"""`manage.py import_actuals`: the upload's code path from the command line — writes all or nothing, exits 1 with
the problems listed when anything is wrong."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from pytest_django.fixtures import SettingsWrapper

from indicators.models import ActualsImport, Observation, ObservationChange
from tests.spreadsheets import (
    WIDE,
    WIDE_EXPECTED,
    csv_bytes,
    db_state,
    long,
    png_bytes,
    store,
    stored,
    wide,
    xlsx_bytes,
    years_stored,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_settings(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db: None) -> None:
    store("410100", "rd_intensity", 2021, "2.2")
    store("410100", "rd_intensity", 2022, "2.35")
    store("410100", "hightech_firms", 2021, "5000")


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_actuals", *args, stdout=out)
    return out.getvalue()


def fails(*args: str) -> tuple[str, str]:
    """(the error, what was printed before it). Nothing may have been written."""
    before = (db_state(), ActualsImport.objects.count())
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_actuals", *args, stdout=out)
    assert caught.value.returncode == 1
    assert (db_state(), ActualsImport.objects.count()) == before
    return str(caught.value), out.getvalue()


def test_a_dry_run_shows_the_changes_and_writes_nothing(tmp_path: Path, demo: None) -> None:
    path = write(tmp_path, "wide.xlsx", xlsx_bytes(WIDE))
    before = (db_state(), ActualsImport.objects.count())
    out = run(path, "--dry-run")
    assert (db_state(), ActualsImport.objects.count()) == before
    assert "Dry run: nothing written." in out
    assert "7 values — 4 new, 3 changed, 0 unchanged; 0 errors, 0 warnings" in out
    assert "410100 rd_intensity 2021: 2.2 → 2.31" in out
    assert "410100 rd_intensity 2023: 2.6 " in out
    assert "410100 tech_contract_turnover 2021: 1234.5 " in out
    rd = stored("410100", "rd_intensity", 2021)
    assert rd is not None
    assert (rd.value, rd.origin) == (Decimal("2.2"), "demo")


def test_a_run_writes_everything_and_records_the_import(tmp_path: Path, demo: None) -> None:
    data = xlsx_bytes(WIDE)
    out = run(write(tmp_path, "wide.xlsx", data))
    record = ActualsImport.objects.get()
    assert record.status == ActualsImport.Status.APPROVED
    assert record.committed_at is not None
    assert record.sha256 == hashlib.sha256(data).hexdigest()
    assert (record.file_name, record.file_format, record.layout, record.size) == (
        "wide.xlsx",
        "xlsx",
        "wide",
        len(data),
    )
    assert (record.values_read, record.created_count, record.updated_count, record.unchanged_count) == (7, 4, 3, 0)
    assert record.uploaded_by is None
    assert f"import #{record.pk}" in out
    assert record.sha256[:12] in out
    assert "4 added, 3 changed" in out
    for (code, year), (value, old) in WIDE_EXPECTED.items():
        observation = stored("410100", code, year)
        assert observation is not None
        assert (observation.value, observation.origin, observation.source) == (Decimal(value), "import", "wide.xlsx")
        [change] = ObservationChange.objects.filter(actuals_import=record, indicator__code=code, year=year)
        assert change.old_value == (Decimal(old) if old else None)
        assert change.changed_by is None
    assert ObservationChange.objects.filter(actuals_import=record).count() == 7

    again = run(write(tmp_path, "wide.xlsx", data))
    assert "No changes" in again
    assert ActualsImport.objects.count() == 1


def test_a_run_as_a_user_is_recorded_as_theirs(tmp_path: Path, bob: User) -> None:
    rows = long(["开封市", "研发投入强度", 2023, 1.9], ["河南省", "研发投入强度", 2023, 2.1])
    run(write(tmp_path, "long.csv", csv_bytes(rows)), "--user", "bob")
    record = ActualsImport.objects.get()
    assert record.uploaded_by == bob
    assert set(ObservationChange.objects.filter(actuals_import=record).values_list("changed_by", flat=True)) == {bob.pk}
    assert years_stored("410200", "rd_intensity") == {2023: Decimal("1.9")}
    assert years_stored("410000", "rd_intensity") == {2023: Decimal("2.1")}


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_file_with_a_problem_writes_nothing(dry_run: bool, tmp_path: Path, demo: None) -> None:
    data = xlsx_bytes([*WIDE, ["不存在的指标", "%", 1]])
    args = [write(tmp_path, "bad.xlsx", data), "--language", "en"] + (["--dry-run"] if dry_run else [])
    error, out = fails(*args)
    assert "1 problem(s): nothing was written." in error
    assert "ERROR" in out
    assert "row 8" in out
    assert "不存在的指标" in out


def test_problems_are_reported_in_chinese_by_default(tmp_path: Path) -> None:
    _, out = fails(write(tmp_path, "bad.csv", csv_bytes(wide(["高新技术企业数量", "家", "-5"]))))
    assert "第 3 行" in out


def test_a_file_that_is_not_a_spreadsheet_is_refused(tmp_path: Path) -> None:
    _, out = fails(write(tmp_path, "chart.xlsx", png_bytes()), "--language", "en")
    assert "not a spreadsheet" in out


def test_a_city_official_may_not_import_another_city(tmp_path: Path, charlie: User) -> None:
    kaifeng = write(tmp_path, "kaifeng.csv", csv_bytes(long(["410200", "研发投入强度", 2023, 1.9])))
    _, out = fails(kaifeng, "--user", "charlie", "--language", "en")
    assert "may not" in out
    assert "Kaifeng" in out
    # Without --user the operator has all rights; charlie may submit his own city, which then awaits review.
    zhengzhou = write(tmp_path, "zhengzhou.csv", csv_bytes(long(["410100", "研发投入强度", 2023, 2.5])))
    out = run(zhengzhou, "--user", "charlie")
    assert "Submitted zhengzhou.csv for review" in out
    assert ActualsImport.objects.get().status == ActualsImport.Status.SUBMITTED
    assert years_stored("410100", "rd_intensity") == {}
    assert years_stored("410200", "rd_intensity") == {}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--region", "999999"], "Unknown region"),
        (["--user", "nobody"], "Unknown or inactive user"),
    ],
)
def test_unknown_options_are_refused(args: list[str], words: str, tmp_path: Path) -> None:
    error, _ = fails(write(tmp_path, "wide.xlsx", xlsx_bytes(WIDE)), *args)
    assert words in error


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    error, _ = fails(str(tmp_path / "missing.xlsx"))
    assert "Cannot read" in error


def test_the_region_comes_from_the_title(tmp_path: Path) -> None:
    rows = wide(["研发投入强度", "%", 2.31], title="郑州市2023年科技创新主要指标")
    run(write(tmp_path, "t.xlsx", xlsx_bytes(rows)))
    assert years_stored("410100", "rd_intensity") == {2021: Decimal("2.31")}
    assert not Observation.objects.exclude(region__adcode="410100").filter(origin="import").exists()


def test_a_region_chosen_that_agrees_with_the_title_is_fine(tmp_path: Path) -> None:
    rows = wide(["研发投入强度", "%", 2.31], title="郑州市2023年科技创新主要指标")
    run(write(tmp_path, "t.xlsx", xlsx_bytes(rows)), "--region", "410100")
    assert ActualsImport.objects.get().region is not None
    assert years_stored("410100", "rd_intensity") == {2021: Decimal("2.31")}


@pytest.mark.parametrize("adcode", ["410200", "410000"])
def test_a_region_chosen_that_contradicts_the_title_is_refused(adcode: str, tmp_path: Path) -> None:
    rows = wide(["研发投入强度", "%", 2.31], title="郑州市2023年科技创新主要指标")
    _, out = fails(write(tmp_path, "t.xlsx", xlsx_bytes(rows)), "--region", adcode, "--language", "en")
    assert "The title names Zhengzhou" in out
    assert "row 1" in out
