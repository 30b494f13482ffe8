"""Read and check the plan fixtures (``fixtures/``) without touching the database.

The loader (``manage.py load_plans``) and the tests use the same functions, so a file that passes
``python -m plans.fixture_schema fixtures/plans/*.yaml`` loads. Kept free of Django imports on purpose:
transcribers run it while they work, before any database exists.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from plans import vocabulary as v

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"

# Every word a fixture may use comes from the one vocabulary the models and the method read.
KINDS = v.KINDS
COMPARATORS = v.COMPARATORS
SECTIONS = v.SECTIONS
COMPARES = v.COMPARES
ATTRIBUTES = (*v.ATTRIBUTES, None)
DIRECTIONS = v.DIRECTIONS
THEMES = v.THEMES
MEASURES = v.MEASURES
REGION_LEVELS = ("province", "city", "county")
VALUELESS_KINDS = v.VALUELESS_KINDS


class FixtureError(ValueError):
    """A fixture file breaks the format; the message names the file, the target and the field."""


@dataclass(frozen=True)
class RegionRow:
    adcode: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None


@dataclass(frozen=True)
class PeriodRow:
    code: str
    name_zh: str
    name_en: str
    first_year: int
    last_year: int
    baseline_year: int

    def covers(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    measure: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    release_month: int = 3
    release_lag_years: int = 1
    theme: str = ""


@dataclass(frozen=True)
class TargetRow:
    key: str
    indicator: str
    label: str
    kind: str
    comparator: str
    baseline_year: int | None
    baseline_value: Decimal | None
    baseline_note: str
    baseline_quote: str | None
    target_year: int
    target_value: Decimal | None
    target_value_max: Decimal | None
    unit: str
    section: str
    attribute: str | None
    quote: str
    line: int
    note: str
    conflicts_with: tuple[str, ...] = ()
    compares: str = "level"


@dataclass(frozen=True)
class PlanFile:
    slug: str
    region: str
    title: str
    document_number: str | None
    issue_date: date | None
    period_start: int
    period_end: int
    document_path: Path
    text: str
    targets: tuple[TargetRow, ...] = field(default_factory=tuple)
    period: str | None = None  # the period's code when the file names it


def _decimal(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise FixtureError(f"{where}: expected a number, got {value!r}")
    try:
        # str() first: YAML floats such as 2.31 must become Decimal("2.31"), not a binary fraction.
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise FixtureError(f"{where}: expected a number, got {value!r}") from exc


def _int_or_none(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FixtureError(f"{where}: expected a year (integer), got {value!r}")
    year: int = value
    return year


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def line_span(text: str, line: int) -> tuple[int, int]:
    """Character offsets [start, end) of 1-based ``line`` in ``text``."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        raise IndexError(line)
    start = sum(len(x) + 1 for x in lines[: line - 1])
    return start, start + len(lines[line - 1])


def quote_starts_on_line(text: str, quote: str, line: int) -> bool:
    """True when an occurrence of ``quote`` begins on ``line`` (quotes may run over several lines)."""
    try:
        start, end = line_span(text, line)
    except IndexError:
        return False
    pos = text.find(quote, start)
    return start <= pos <= end and pos != -1


def find_line(text: str, quote: str) -> int | None:
    """1-based line where ``quote`` first occurs, or None."""
    pos = text.find(quote)
    if pos == -1:
        return None
    return text.count("\n", 0, pos) + 1


def load_regions(path: Path | None = None) -> list[RegionRow]:
    path = path or FIXTURES_DIR / "regions.yaml"
    rows = []
    seen: set[str] = set()
    for i, raw in enumerate(_read_yaml(path)["regions"], start=1):
        where = f"{path.name} region #{i}"
        adcode = str(raw["adcode"])
        if len(adcode) != 6 or not adcode.isdigit():
            raise FixtureError(f"{where}: adcode must be 6 digits, got {adcode!r}")
        if adcode in seen:
            raise FixtureError(f"{where}: duplicate adcode {adcode}")
        if raw["level"] not in REGION_LEVELS:
            raise FixtureError(f"{where}: level must be one of {REGION_LEVELS}")
        parent = raw.get("parent")
        if parent is not None and str(parent) not in seen:
            raise FixtureError(f"{where}: parent {parent} must be listed before its children")
        seen.add(adcode)
        rows.append(
            RegionRow(
                adcode=adcode,
                name_zh=raw["name_zh"],
                name_en=raw["name_en"],
                level=raw["level"],
                parent=str(parent) if parent is not None else None,
            )
        )
    return rows


def load_periods(path: Path | None = None) -> list[PeriodRow]:
    """The plan periods, in order, none overlapping another."""
    path = path or FIXTURES_DIR / "periods.yaml"
    rows: list[PeriodRow] = []
    for i, raw in enumerate(_read_yaml(path)["periods"], start=1):
        where = f"{path.name} period #{i}"
        row = PeriodRow(
            code=str(raw["code"]),
            name_zh=raw["name_zh"],
            name_en=raw["name_en"],
            first_year=int(raw["first_year"]),
            last_year=int(raw["last_year"]),
            baseline_year=int(raw.get("baseline_year", int(raw["first_year"]) - 1)),
        )
        if row.last_year <= row.first_year:
            raise FixtureError(f"{where}: last_year must come after first_year")
        if row.baseline_year >= row.first_year:
            raise FixtureError(f"{where}: baseline_year must come before first_year")
        if rows and (row.code in {r.code for r in rows} or row.first_year <= rows[-1].last_year):
            raise FixtureError(f"{where}: duplicate code, or not after the period before it")
        rows.append(row)
    return rows


def period_of(plan: PlanFile, periods: list[PeriodRow]) -> PeriodRow:
    """The period a plan belongs to: the one it names, else the one holding its first year; its years must lie
    within that period."""
    where = plan.document_path.name
    if plan.period is not None:
        named = [p for p in periods if p.code == plan.period]
        if not named:
            raise FixtureError(f"plan {plan.slug}: unknown period {plan.period!r}")
        period = named[0]
    else:
        holding = [p for p in periods if p.covers(plan.period_start)]
        if not holding:
            raise FixtureError(f"plan {plan.slug} ({where}): no period holds its first year {plan.period_start}")
        period = holding[0]
    if not (period.covers(plan.period_start) and period.covers(plan.period_end)):
        raise FixtureError(
            f"plan {plan.slug}: its years {plan.period_start}–{plan.period_end} are not within {period.name_zh} "
            f"({period.first_year}–{period.last_year})"
        )
    return period


def load_indicators(path: Path | None = None) -> list[IndicatorRow]:
    path = path or FIXTURES_DIR / "indicators.yaml"
    rows = []
    codes: set[str] = set()
    names: dict[str, str] = {}
    data = _read_yaml(path)
    calendar = _release_calendar(data.get("release_calendar") or {}, {raw["code"] for raw in data["indicators"]})
    for raw in data["indicators"]:
        code = raw["code"]
        where = f"{path.name} indicator {code}"
        if code in codes:
            raise FixtureError(f"{where}: duplicate code")
        codes.add(code)
        if raw["direction"] not in DIRECTIONS:
            raise FixtureError(f"{where}: direction must be one of {DIRECTIONS}")
        if raw["measure"] not in MEASURES:
            raise FixtureError(f"{where}: measure must be one of {MEASURES}")
        theme = raw.get("theme") or ""
        if theme and theme not in THEMES:
            raise FixtureError(f"{where}: theme must be one of {THEMES}")
        aliases = tuple(raw.get("aliases") or ())
        for name in (raw["name_zh"], *aliases):
            if names.get(name, code) != code:
                raise FixtureError(f"{where}: name {name!r} is already used by {names[name]}")
            names[name] = code
        rows.append(
            IndicatorRow(
                code=code,
                name_zh=raw["name_zh"],
                name_en=raw["name_en"],
                unit=raw["unit"],
                direction=raw["direction"],
                measure=raw["measure"],
                aliases=aliases,
                description=raw.get("description") or "",
                release_month=calendar.get(code, calendar[""])[0],
                release_lag_years=calendar.get(code, calendar[""])[1],
                theme=theme,
            )
        )
    return rows


def _release_entry(raw: Any, where: str) -> tuple[int, int]:
    if not isinstance(raw, dict):
        raise FixtureError(f"{where}: expected month and lag")
    month, lag = raw.get("month"), raw.get("lag", 1)
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise FixtureError(f"{where}: month must be a whole number from 1 to 12, got {month!r}")
    if isinstance(lag, bool) or not isinstance(lag, int) or not 0 <= lag <= 5:
        raise FixtureError(f"{where}: lag must be a whole number from 0 to 5, got {lag!r}")
    return month, lag


def _release_calendar(raw: dict[str, Any], codes: set[str]) -> dict[str, tuple[int, int]]:
    """The release month and lag of each indicator code named in a group; "" maps to the default."""
    calendar = {"": _release_entry(raw.get("default", {"month": 3, "lag": 1}), "release_calendar default")}
    for i, group in enumerate(raw.get("groups") or [], start=1):
        where = f"release_calendar group #{i}"
        entry = _release_entry(group, where)
        for code in group.get("indicators") or []:
            if code not in codes:
                raise FixtureError(f"{where}: unknown indicator code {code!r}")
            if code in calendar:
                raise FixtureError(f"{where}: {code} is already in another group")
            calendar[code] = entry
    return calendar


REQUIRED_TARGET_FIELDS = (
    "key",
    "indicator",
    "label",
    "kind",
    "comparator",
    "target_year",
    "unit",
    "section",
    "quote",
    "line",
)


def _target(raw: dict[str, Any], text: str, where: str, indicator_codes: set[str]) -> TargetRow:
    for name in REQUIRED_TARGET_FIELDS:
        if raw.get(name) in (None, ""):
            raise FixtureError(f"{where}: field {name!r} is required")
    unknown = set(raw) - {
        *REQUIRED_TARGET_FIELDS,
        "baseline_year",
        "baseline_value",
        "baseline_note",
        "baseline_quote",
        "target_value",
        "target_value_max",
        "attribute",
        "note",
        "conflicts_with",
        "compares",
    }
    if unknown:
        raise FixtureError(f"{where}: unknown field(s) {sorted(unknown)}")
    if raw["indicator"] not in indicator_codes:
        raise FixtureError(f"{where}: unknown indicator code {raw['indicator']!r}")
    if raw["kind"] not in KINDS:
        raise FixtureError(f"{where}: kind must be one of {KINDS}, got {raw['kind']!r}")
    if raw["comparator"] not in COMPARATORS:
        raise FixtureError(f"{where}: comparator must be one of {COMPARATORS}, got {raw['comparator']!r}")
    if raw["section"] not in SECTIONS:
        raise FixtureError(f"{where}: section must be one of {SECTIONS}, got {raw['section']!r}")
    if raw.get("attribute") not in ATTRIBUTES:
        raise FixtureError(f"{where}: attribute must be 预期性, 约束性 or null")

    compares = raw.get("compares") or "level"
    if compares not in COMPARES:
        raise FixtureError(f"{where}: compares must be one of {COMPARES}, got {compares!r}")
    if compares == "growth" and raw["kind"] != "relative_to_average":
        raise FixtureError(f"{where}: compares: growth is only for kind relative_to_average")
    baseline_year = _int_or_none(raw.get("baseline_year"), f"{where} baseline_year")
    target_year = _int_or_none(raw["target_year"], f"{where} target_year")
    if target_year is None:
        raise FixtureError(f"{where}: target_year is required")
    if baseline_year is not None and target_year <= baseline_year:
        raise FixtureError(f"{where}: target_year must come after baseline_year")
    value = _decimal(raw.get("target_value"), f"{where} target_value")
    value_max = _decimal(raw.get("target_value_max"), f"{where} target_value_max")
    if value is None and raw["kind"] not in VALUELESS_KINDS:
        raise FixtureError(f"{where}: target_value is required for kind {raw['kind']}")
    if raw["comparator"] == "range":
        if value is None or value_max is None or value_max < value:
            raise FixtureError(f"{where}: a range needs target_value <= target_value_max")
    elif value_max is not None:
        raise FixtureError(f"{where}: target_value_max is only for comparator 'range'")

    quote = raw["quote"]
    if quote not in text:
        raise FixtureError(f"{where}: quote is not an exact substring of the document: {quote!r}")
    if not quote_starts_on_line(text, quote, raw["line"]):
        raise FixtureError(
            f"{where}: quote does not start on line {raw['line']} (first found on line {find_line(text, quote)})"
        )
    baseline_quote = raw.get("baseline_quote")
    if baseline_quote is not None and baseline_quote not in text:
        raise FixtureError(f"{where}: baseline_quote is not an exact substring of the document")
    return TargetRow(
        key=str(raw["key"]),
        indicator=raw["indicator"],
        label=str(raw["label"]),
        kind=raw["kind"],
        comparator=raw["comparator"],
        baseline_year=baseline_year,
        baseline_value=_decimal(raw.get("baseline_value"), f"{where} baseline_value"),
        baseline_note=raw.get("baseline_note") or "",
        baseline_quote=baseline_quote,
        target_year=target_year,
        target_value=value,
        target_value_max=value_max,
        unit=str(raw["unit"]),
        section=raw["section"],
        attribute=raw.get("attribute"),
        quote=quote,
        line=raw["line"],
        note=raw.get("note") or "",
        conflicts_with=tuple(raw.get("conflicts_with") or ()),
        compares=compares,
    )


def check_target(raw: dict[str, Any], text: str, where: str, indicator_codes: set[str]) -> TargetRow:
    """One target of a plan file checked against its document text (FixtureError names what is wrong)."""
    return _target(raw, text, where, indicator_codes)


def load_plan(path: Path, indicator_codes: set[str]) -> PlanFile:
    data = _read_yaml(path)
    document_path = (path.parent.parent / data["plan"]["document"]).resolve()
    text = document_path.read_text(encoding="utf-8")
    return plan_from_data(data, text, document_path, path.name, indicator_codes)


def plan_from_data(
    data: dict[str, Any], text: str, document_path: Path, where: str, indicator_codes: set[str]
) -> PlanFile:
    """A plan file's content (its YAML read) and its document text, checked: the one check of every plan, from a
    file (load_plan) or built in memory (a draft published in the admin)."""
    header = data["plan"]
    issue_date = header.get("issue_date")
    if isinstance(issue_date, str):
        issue_date = date.fromisoformat(issue_date)
    targets = []
    keys: set[str] = set()
    for i, raw in enumerate(data.get("targets") or (), start=1):
        target = _target(raw, text, f"{where} target #{i} ({raw.get('key')})", indicator_codes)
        if target.key in keys:
            raise FixtureError(f"{where}: duplicate target key {target.key!r}")
        keys.add(target.key)
        targets.append(target)
    for target in targets:
        for other in target.conflicts_with:
            if other not in keys or other == target.key:
                raise FixtureError(f"{where} target {target.key}: conflicts_with names unknown key {other!r}")
    if header["period_end"] <= header["period_start"]:
        raise FixtureError(f"{where}: period_end must come after period_start")
    return PlanFile(
        slug=header["slug"],
        region=str(header["region"]),
        title=header["title"],
        document_number=header.get("document_number"),
        issue_date=issue_date,
        period_start=header["period_start"],
        period_end=header["period_end"],
        document_path=document_path,
        text=text,
        targets=tuple(targets),
        period=None if header.get("period") is None else str(header["period"]),
    )


def plan_paths(directory: Path | None = None) -> list[Path]:
    return sorted((directory or FIXTURES_DIR / "plans").glob("*.yaml"))


def main(argv: list[str]) -> int:
    """Check plan files. ``--proposals FILE`` adds the indicator codes a transcriber proposes in FILE."""
    codes = {row.code for row in load_indicators()}
    if argv[:1] == ["--proposals"]:
        proposals = _read_yaml(Path(argv[1])) or {}
        codes |= {raw["code"] for raw in proposals.get("new_indicators") or ()}
        argv = argv[2:]
    paths = [Path(p) for p in argv] or plan_paths()
    periods = load_periods()
    status = 0
    for path in paths:
        try:
            plan = load_plan(path, codes)
            period = period_of(plan, periods)
        except (FixtureError, KeyError, yaml.YAMLError) as exc:
            print(f"FAIL {path}: {exc}")
            status = 1
        else:
            print(f"ok   {path}: {period.name_zh}, {len(plan.targets)} targets")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
