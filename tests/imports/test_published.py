"""The published figures (fixtures/published/*.csv) and `manage.py load_published`: every row carries its source and
the exact sentence holding the number, one statement is shown per region × indicator × year by the documented
rule, and loading goes through the import path (unit conversion, origin, history) and is idempotent."""

from __future__ import annotations

import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cities.models import Region
from imports.published import (
    COLUMNS,
    NATURES,
    SOURCE_MAX,
    Figure,
    PublishedError,
    check,
    coverage_table,
    long_table,
    read_all,
    read_file,
    shown,
)
from indicators.models import ActualsImport, Indicator, Observation
from indicators.units import unit_factor
from tests.spreadsheets import db_state, store, stored

FIGURES = read_all()
SHOWN = shown(FIGURES)
# How the pages write the regions: simplified, and the traditional forms some reprints are converted to.
TRADITIONAL = {"郑州": "鄭州", "开封": "開封", "新乡": "新鄉", "南阳": "南陽", "漯河": "漯河"}
PROVINCE_WORDS = ("河南", "全省", "我省")


def ids(figure: Figure) -> str:
    return f"{figure.region}-{figure.indicator}-{figure.year}-{figure.value}"


def region_words(adcode: str) -> tuple[str, ...]:
    if adcode == "410000":
        return PROVINCE_WORDS
    name = Region.objects.get(adcode=adcode).name_zh
    short = name.removesuffix("市")
    return (name, short, TRADITIONAL.get(short, short))


def test_there_are_published_figures() -> None:
    assert len(SHOWN) >= 20
    assert {f.region for f in SHOWN} >= {"410000", "410100", "410700", "411100", "411300"}


@pytest.mark.parametrize("figure", FIGURES, ids=ids)
def test_every_row_has_its_source_and_nature(figure: Figure) -> None:
    assert figure.url.startswith(("http://", "https://"))
    assert figure.title and figure.publisher and figure.published and figure.quote
    assert figure.nature in NATURES
    assert (figure.nature == "截至某日") <= bool(figure.as_of)


@pytest.mark.parametrize("figure", FIGURES, ids=ids)
def test_the_quote_holds_the_number_as_written(figure: Figure) -> None:
    assert figure.value in figure.quote


@pytest.mark.django_db
@pytest.mark.parametrize("figure", FIGURES, ids=ids)
def test_the_quote_is_about_the_region(figure: Figure) -> None:
    """The quote names the region, or the title or a context passage of the same page does (a sentence saying
    “全市…” under a headline naming the city)."""
    text = figure.quote + figure.title + figure.context
    assert any(word in text for word in region_words(figure.region)), figure.where


@pytest.mark.parametrize("figure", FIGURES, ids=ids)
def test_the_year_is_in_the_sentence_or_the_title(figure: Figure) -> None:
    """The context passages count where the sentence follows the one naming the year (regional rankings, a report's
    “2023年工作回顾” heading). A count to a date (截至某日) stated as of "now" (目前, 现有) is for the year of that
    date, which as_of holds (the press conference's or the page's day, said in the note)."""
    in_text = str(figure.year) in figure.quote + figure.title + figure.context
    to_a_date = figure.nature == "截至某日" and figure.as_of.startswith(f"{figure.year}-")
    assert in_text or to_a_date, figure.where


def test_one_shown_statement_per_value() -> None:
    keys = [f.key for f in SHOWN]
    assert len(keys) == len(set(keys))
    assert {f.key for f in FIGURES} == set(keys)


def test_the_shown_statement_follows_the_rule() -> None:
    """More official nature first, then the later publication; a value stated twice keeps both rows, with notes."""
    for figure in FIGURES:
        rivals = [f for f in FIGURES if f.key == figure.key]
        if len(rivals) > 1:
            assert all(f.note for f in rivals)
            assert figure.shown == (figure is min(rivals, key=Figure.rank))


def test_the_stated_twice_example() -> None:
    rows = [f for f in FIGURES if f.key == ("410000", "tech_contract_turnover", 2023)]
    assert sorted((f.value, f.shown) for f in rows) == [("1367", False), ("1367.42", True)]


@pytest.mark.django_db
def test_units_fit_the_catalogue() -> None:
    units = dict(Indicator.objects.values_list("code", "unit"))
    for figure in FIGURES:
        assert unit_factor(figure.unit, units[figure.indicator]) is not None, figure.where


@pytest.mark.django_db
def test_load_published_stores_each_shown_value_converted() -> None:
    call_command("load_published", stdout=io.StringIO())
    units = dict(Indicator.objects.values_list("code", "unit"))
    for figure in SHOWN:
        observation = stored(figure.region, figure.indicator, figure.year)
        assert observation is not None, figure.where
        factor = unit_factor(figure.unit, units[figure.indicator])
        assert factor is not None
        assert observation.value == Decimal(figure.value) * factor, figure.where
        assert observation.origin == Observation.Origin.IMPORT
        assert observation.source == figure.source_text()
        assert figure.url in observation.source and len(observation.source) <= SOURCE_MAX
        assert figure.quote in observation.note and figure.nature in observation.note
        change = observation.changes.get()
        assert change.origin == Observation.Origin.IMPORT and change.changed_by is None
    record = ActualsImport.objects.get()
    assert record.status == ActualsImport.Status.APPROVED and record.uploaded_by is None
    assert record.created_count == len(SHOWN)


@pytest.mark.django_db
def test_reloading_changes_nothing() -> None:
    call_command("load_published", stdout=io.StringIO())
    before = db_state()
    out = io.StringIO()
    call_command("load_published", stdout=out)
    assert db_state() == before
    assert "nothing written" in out.getvalue()


@pytest.mark.django_db
def test_published_replaces_demo_and_demo_never_overwrites_it() -> None:
    store("410100", "rd_intensity", 2021, "2.2")  # a demo value where a published one exists
    call_command("load_published", stdout=io.StringIO())
    observation = stored("410100", "rd_intensity", 2021)
    assert observation is not None
    assert (observation.value, observation.origin) == (Decimal("2.45"), Observation.Origin.IMPORT)
    call_command("load_demo_actuals", stdout=io.StringIO())
    observation.refresh_from_db()
    assert (observation.value, observation.origin) == (Decimal("2.45"), Observation.Origin.IMPORT)
    # Demo values still fill what nothing published covers, labelled as demo.
    assert Observation.objects.filter(region__adcode="410200", origin=Observation.Origin.DEMO).exists()


@pytest.mark.django_db
def test_dry_run_writes_nothing() -> None:
    before = db_state()
    call_command("load_published", "--dry-run", stdout=io.StringIO())
    assert db_state() == before


def test_long_table_is_the_import_layout() -> None:
    text = long_table(SHOWN).decode("utf-8")
    assert text.splitlines()[0] == "地区,指标,年份,数值,单位,备注,来源"
    assert len(text.splitlines()) == len(SHOWN) + 1


def _write(folder: Path, rows: list[dict[str, str]]) -> Path:
    path = folder / "test.csv"
    lines = [",".join(COLUMNS)]
    lines += [",".join(f'"{row.get(c, "")}"' for c in COLUMNS) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = {
    "region": "410100",
    "indicator": "rd_intensity",
    "year": "2024",
    "value": "2.85",
    "unit": "%",
    "nature": "统计值",
    "shown": "是",
    "url": "https://example.org/a",
    "title": "郑州 2024",
    "publisher": "某报",
    "published": "2025-01-01",
    "quote": "2024年郑州研发投入强度2.85%。",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"quote": "2024年郑州研发投入强度较高。"}, "does not contain the value"),
        ({"nature": "估计"}, "is not one of"),
        ({"nature": "截至某日"}, "needs as_of"),
        ({"url": ""}, "url is empty"),
        ({"publisher": ""}, "publisher is empty"),
        ({"published": "2025年1月"}, "is not a date"),
        ({"value": "2.85%"}, "not a plain number"),
    ],
)
def test_a_bad_row_is_refused(tmp_path: Path, change: dict[str, str], message: str) -> None:
    with pytest.raises(PublishedError, match=message):
        check(read_file(_write(tmp_path, [GOOD | change])))


def test_two_statements_need_one_shown_by_the_rule_and_notes(tmp_path: Path) -> None:
    older = GOOD | {"published": "2024-06-01", "value": "2.8", "quote": "郑州2024年强度2.8%", "shown": "否"}
    with pytest.raises(PublishedError, match="every row needs a note"):
        check(read_file(_write(tmp_path, [GOOD, older])))
    with pytest.raises(PublishedError, match="ranks first"):
        check(read_file(_write(tmp_path, [GOOD | {"shown": "否", "note": "x"}, older | {"shown": "是", "note": "y"}])))
    with pytest.raises(PublishedError, match="exactly one"):
        check(read_file(_write(tmp_path, [GOOD | {"note": "x"}, older | {"shown": "是", "note": "y"}])))
    check(read_file(_write(tmp_path, [GOOD | {"note": "x"}, older | {"note": "y"}])))


def test_the_source_fits_the_field_and_keeps_the_address() -> None:
    long_title = Figure(**{**FIGURES[0].__dict__, "title": "标" * 300})
    text = long_title.source_text()
    assert len(text) <= SOURCE_MAX and text.endswith(FIGURES[0].url)


@pytest.mark.django_db
def test_a_broken_fixture_stops_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "published"
    shutil.copytree(Path(__file__).resolve().parents[2] / "fixtures" / "published", folder)
    _write(folder, [GOOD | {"quote": "no number here"}])
    monkeypatch.setattr("imports.published.PUBLISHED_DIR", folder)
    before = db_state()
    with pytest.raises(CommandError, match="does not contain the value"):
        call_command("load_published", stdout=io.StringIO())
    assert db_state() == before


def test_the_readme_table_is_the_generated_one() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- published-coverage:start -->\n", "\n<!-- published-coverage:end -->"
    table = readme[readme.index(start) + len(start) : readme.index(end)]
    assert table == coverage_table(SHOWN)


@pytest.mark.django_db
def test_an_empty_folder_loads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("imports.published.PUBLISHED_DIR", tmp_path)
    before = db_state()
    out = io.StringIO()
    call_command("load_published", stdout=out)
    assert db_state() == before and "nothing to load" in out.getvalue()
