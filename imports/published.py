"""Published figures (公开数据): values stated in statistical bulletins, official news and press conferences, kept
as reviewable CSV files under fixtures/published/ and loaded through the ordinary import path (`load_published`).

One row per statement: region, indicator, year, value and unit as published, its nature, the source's address,
title, publisher and date, and the exact sentence quoted. When two sources state the same region × indicator ×
year, both rows stay; the one shown (loaded) is the first by `rank`: the more official nature first (统计值, then
快报, then 截至某日, then 预计值), then the later publication. The `shown` column says which one it is and must
agree with that rule.

Pure: reading and checking the files, and writing the long-layout table the importer reads. No database.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from plans.fixture_schema import FIXTURES_DIR, load_regions

PUBLISHED_DIR = FIXTURES_DIR / "published"
COLUMNS = (
    "region",
    "indicator",
    "label",
    "year",
    "value",
    "unit",
    "nature",
    "as_of",
    "shown",
    "url",
    "title",
    "publisher",
    "published",
    "quote",
    "context",
    "note",
)
# The nature of a figure, most official first.
NATURES = ("统计值", "快报", "截至某日", "预计值")
SHOWN, NOT_SHOWN = "是", "否"
SOURCE_MAX = 200  # Observation.source
LABEL = "公开数据"
_ADCODE = re.compile(r"^\d{6}$")
_URL = re.compile(r"^https?://\S+$")


class PublishedError(ValueError):
    """A fixture row that breaks a rule; the message names the file and line."""


@dataclass(frozen=True)
class Figure:
    file: str
    line: int
    region: str
    indicator: str
    label: str
    year: int
    value: str
    unit: str
    nature: str
    as_of: str
    shown: bool
    url: str
    title: str
    publisher: str
    published: str
    quote: str
    context: str
    note: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.region, self.indicator, self.year)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def rank(self) -> tuple[int, str]:
        """Sorts the statements of one value best first: the more official nature, then the later date."""
        return (NATURES.index(self.nature), _negated(self.published))

    def source_text(self) -> str:
        """What the stored value's source says: title and address, within the field's length (the title gives
        way, never the address)."""
        room = SOURCE_MAX - len(self.url) - 1
        title = self.title if len(self.title) <= room else self.title[: max(room - 1, 0)] + "…"
        return f"{title} {self.url}" if title else self.url[:SOURCE_MAX]

    def note_text(self) -> str:
        """The stored note: label, nature (and the date it is "as of"), publisher and date, the sentence."""
        nature = f"{self.nature}，{self.as_of}" if self.as_of else self.nature
        text = f"{LABEL}（{nature}）：{self.publisher}，{self.published}。原文：“{self.quote}”"
        return f"{text} {self.note}" if self.note else text


def _negated(day: str) -> str:
    """A sort key putting later ISO dates first."""
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in day)


def _row(file: str, line: int, cells: dict[str, str]) -> Figure:
    def fail(message: str) -> PublishedError:
        return PublishedError(f"{file}:{line}: {message}")

    values = {column: (cells.get(column) or "").strip() for column in COLUMNS}
    required = ("region", "indicator", "year", "value", "unit", "nature", "shown", "url", "title", "publisher")
    for column in (*required, "published", "quote"):
        if not values[column]:
            raise fail(f"{column} is empty")
    if not _ADCODE.match(values["region"]):
        raise fail(f"region {values['region']!r} is not an adcode")
    if not values["year"].isdigit():
        raise fail(f"year {values['year']!r} is not a year")
    try:
        Decimal(values["value"])
    except InvalidOperation:
        raise fail(f"value {values['value']!r} is not a plain number") from None
    if values["nature"] not in NATURES:
        raise fail(f"nature {values['nature']!r} is not one of {', '.join(NATURES)}")
    if values["nature"] == "截至某日" and not values["as_of"]:
        raise fail("nature 截至某日 needs as_of (the date the figure is for)")
    if values["shown"] not in (SHOWN, NOT_SHOWN):
        raise fail(f"shown must be {SHOWN} or {NOT_SHOWN}")
    if not _URL.match(values["url"]):
        raise fail(f"url {values['url']!r} is not an address")
    try:
        date.fromisoformat(values["published"])
    except ValueError:
        raise fail(f"published {values['published']!r} is not a date (YYYY-MM-DD)") from None
    return Figure(
        file=file,
        line=line,
        region=values["region"],
        indicator=values["indicator"],
        label=values["label"],
        year=int(values["year"]),
        value=values["value"],
        unit=values["unit"],
        nature=values["nature"],
        as_of=values["as_of"],
        shown=values["shown"] == SHOWN,
        url=values["url"],
        title=values["title"],
        publisher=values["publisher"],
        published=values["published"],
        quote=values["quote"],
        context=values["context"],
        note=values["note"],
    )


def read_file(path: Path) -> list[Figure]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise PublishedError(f"{path.name}: the header must be {','.join(COLUMNS)}")
        return [_row(path.name, reader.line_num, row) for row in reader]


def read_all(folder: Path | None = None) -> list[Figure]:
    """Every row of every fixtures/published/*.csv, checked: fields filled and well formed, the quote holding the
    value as written, one shown statement per region × indicator × year and that one the best by `rank`."""
    folder = folder or PUBLISHED_DIR
    figures = [figure for path in sorted(folder.glob("*.csv")) for figure in read_file(path)]
    check(figures)
    return figures


def check(figures: Iterable[Figure]) -> None:
    groups: dict[tuple[str, str, int], list[Figure]] = defaultdict(list)
    for figure in figures:
        if figure.value not in figure.quote:
            raise PublishedError(f"{figure.where}: the quote does not contain the value {figure.value}")
        groups[figure.key].append(figure)
    for key, group in groups.items():
        shown = [f for f in group if f.shown]
        if len(shown) != 1:
            raise PublishedError(f"{group[0].where}: {key} has {len(shown)} rows shown; exactly one must be ({SHOWN})")
        best = min(group, key=Figure.rank)
        if shown[0].rank() != best.rank():
            raise PublishedError(f"{shown[0].where}: {key} shows a statement where {best.where} ranks first")
        if len(group) > 1 and not all(f.note for f in group):
            raise PublishedError(f"{group[0].where}: {key} is stated more than once; every row needs a note")


def shown(figures: Iterable[Figure]) -> list[Figure]:
    return [figure for figure in figures if figure.shown]


def long_table(figures: Iterable[Figure]) -> bytes:
    """The shown figures as a long-layout CSV (地区/指标/年份/数值/单位/备注/来源/数据性质), UTF-8: the file the
    importer reads, parsed and converted exactly like an upload."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    # 数据性质: a figure its source calls an estimate (预计值) is stored as one; the others are statistics.
    writer.writerow(["地区", "指标", "年份", "数值", "单位", "备注", "来源", "数据性质"])
    for figure in sorted(figures, key=lambda f: f.key):
        writer.writerow(
            [
                figure.region,
                figure.indicator,
                figure.year,
                figure.value,
                figure.unit,
                figure.note_text(),
                figure.source_text(),
                "预计值" if figure.nature == "预计值" else "统计值",
            ]
        )
    return text.getvalue().encode("utf-8")


def coverage_table(figures: Iterable[Figure]) -> str:
    """The Markdown table of what the shown figures cover: region × indicator → years (the README's table)."""
    years: dict[tuple[str, str], list[int]] = defaultdict(list)
    for figure in figures:
        years[(figure.region, figure.indicator)].append(figure.year)
    names = {row.adcode: row.name_zh for row in load_regions()}
    lines = ["| region | indicator | years | values |", "| --- | --- | --- | --- |"]
    for (region, indicator), found in sorted(years.items()):
        label = f"{names.get(region, '?')} {region}"
        lines.append(f"| {label} | `{indicator}` | {', '.join(map(str, sorted(found)))} | {len(found)} |")
    lines.append(f"| **total** | | | **{sum(len(found) for found in years.values())}** |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m imports.published: check the files and print the coverage table
    print(coverage_table(shown(read_all())))
