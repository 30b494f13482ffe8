"""Importing actual values: read → match → check → compare with what is stored (the preview) → write all at once.

The web upload and `manage.py import_actuals` both call `build_preview` and `commit`, so they accept and refuse
exactly the same files with the same messages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cities.access import can_review_all, reviewable_regions, writable_regions
from cities.models import Region
from imports.layout import RawValue, Table, find_table, raw_values
from imports.problems import ERROR, WARNING, ImportRejected, Location, Problem
from imports.reading import read_file
from imports.values import ValueError_, clean_text, parse_number, parse_stage, parse_year
from indicators.models import (
    ActualsImport,
    Indicator,
    IndicatorAlias,
    Observation,
    PeriodLock,
    SubmittedValue,
    normalize_name,
)
from indicators.numbers import plain
from indicators.services import (
    LockedPeriod,
    ObservationWrite,
    find_lock,
    lock_regions,
    observations_write_many,
    write_lock,
)
from indicators.units import is_count, unit_factor
from plans.models import Plan, Target
from plans.selectors import DEFAULT_SPAN, plan_span

logger = logging.getLogger(__name__)

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
SIX_PLACES = Decimal("0.000001")
MAX_ABS_VALUE = Decimal("1e13")  # the column holds 14 digits before the point
TOO_MANY_VALUES = _(
    "The file holds more than %(limit)s values; at most that many can be imported at once. Split it into smaller files."
)
NO_REGION = _(
    "No region: the file names none (no region column, no region in its title). Choose the region these values "
    "are for (the Region field; --region on the command line), or add a region column."
)
NOT_YOUR_REGION = _("You may not enter values for %(region)s (only for your own region).")
_ENUMERATION = re.compile(
    r"^\s*(?:\d+(?:\.\d+)*[.、)\s]|[(（]\s*[0-9一二三四五六七八九十]+\s*[)）]|[一二三四五六七八九十]+、)\s*"
)


def indicator_key(text: Any) -> str:
    """How indicator names are compared: leading numbering ("1.", "（三）") dropped, then normalize_name (NFKC so
    full- and half-width punctuation agree, no spaces, no trailing unit in brackets, lower case)."""
    raw = unicodedata.normalize("NFKC", str(text)).strip()
    return normalize_name(_ENUMERATION.sub("", raw))


def region_keys(region: Region) -> set[str]:
    keys = {region.adcode, region.name_zh, region.name_en.lower()}
    for suffix in ("市", "省", "地区", "县", "区"):
        if region.name_zh.endswith(suffix) and len(region.name_zh) > len(suffix) + 1:
            keys.add(region.name_zh[: -len(suffix)])
    for suffix in (" city", " province"):
        if region.name_en.lower().endswith(suffix):
            keys.add(region.name_en.lower()[: -len(suffix)])
    return {re.sub(r"\s+", "", unicodedata.normalize("NFKC", key)).lower() for key in keys}


def _region_cell_key(cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(cell))).lower()


def allows_negative(indicator: Indicator) -> bool:
    """Only growth rates and margins can fall below zero; counts, amounts, shares and ranks cannot."""
    return indicator.unit == "百分点" or any(word in indicator.name_zh for word in ("增速", "增长率", "增幅"))


class Catalogue:
    """Everything needed to match cells, loaded in a handful of queries."""

    def __init__(self) -> None:
        self.indicators: dict[str, Indicator] = {}
        for indicator in Indicator.objects.all():
            for key in (indicator.code, indicator.name_zh, indicator.name_en):
                self.indicators.setdefault(indicator_key(key), indicator)
        by_id = {indicator.pk: indicator for indicator in self.indicators.values()}
        for alias in IndicatorAlias.objects.all():
            self.indicators.setdefault(alias.normalized, by_id[alias.indicator_id])
            self.indicators.setdefault(indicator_key(alias.name), by_id[alias.indicator_id])
        self.regions: dict[str, Region] = {}
        self.region_list = list(Region.objects.all())
        for region in self.region_list:
            for key in region_keys(region):
                self.regions.setdefault(key, region)
        self.year_ranges = self._year_ranges()
        self._indicator_memo: dict[Any, Indicator | None] = {}
        self._region_memo: dict[Any, Region | None] = {}

    def _year_ranges(self) -> dict[int | None, tuple[int, int]]:
        """The years a region's values may be for: its plans' span (plans.selectors.plan_span) reaching back to the
        earliest baseline its targets state, widened by IMPORT_YEAR_MARGIN on both sides."""
        margin = settings.IMPORT_YEAR_MARGIN
        ranges: dict[int | None, tuple[int, int]] = {}
        plans = (
            Plan.objects.only("region_id", "period_start", "period_end")
            .annotate(first_baseline=Min("targets__baseline_year"))
            .order_by()
        )
        by_region = defaultdict(list)
        for plan in plans:
            by_region[plan.region_id].append(plan)
        for region_id, region_plans in by_region.items():
            span = plan_span(region_plans)
            years = [span.start, span[-1], *(p.first_baseline for p in region_plans if p.first_baseline)]
            ranges[region_id] = (min(years) - margin, max(years) + margin)
        # Regions without a plan of their own: every plan's span, back to the earliest baseline of any target.
        span = plan_span(p for region_plans in by_region.values() for p in region_plans) or DEFAULT_SPAN
        earliest = Target.objects.aggregate(first=Min("baseline_year"))["first"]
        lo = span.start if earliest is None else min(span.start, earliest)
        ranges[None] = (lo - margin, span[-1] + margin)
        return ranges

    def year_range(self, region: Region) -> tuple[int, int]:
        return self.year_ranges.get(region.id, self.year_ranges[None])

    def indicator(self, cell: Any) -> Indicator | None:
        # Memoised per distinct cell: a 50 000-row file names a few dozen indicators.
        try:
            return self._indicator_memo[cell]
        except KeyError:
            found = None if cell is None or str(cell).strip() == "" else self.indicators.get(indicator_key(cell))
            self._indicator_memo[cell] = found
            return found

    def region(self, cell: Any) -> Region | None:
        try:
            return self._region_memo[cell]
        except KeyError:
            found = self._region_memo[cell] = self.regions.get(_region_cell_key(cell))
            return found

    def region_in_text(self, text: str) -> Region | None:
        """The region a title names ("郑州市2023年科技创新主要指标"): the most specific one mentioned."""
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
        found = [r for r in self.region_list if r.adcode in text or r.name_zh in text]
        if not found:
            found = [r for r in self.region_list if len(r.name_zh) > 2 and r.name_zh[:-1] in text]
        order = {"county": 0, "city": 1, "province": 2}
        found.sort(key=lambda r: order.get(str(r.level), 3))
        return found[0] if found else None


# A stored value as the importer compares it: (pk, value, source, note, origin, stage).
Stored = tuple[int, Decimal, str, str, str, str]


@dataclass(slots=True)
class Item:
    """One value the file holds, matched and checked, compared with the stored one."""

    region: Region
    indicator: Indicator
    year: int
    value: Decimal
    source: str
    note: str
    location: Location
    status: str = NEW
    old_value: Decimal | None = None
    observation_id: int | None = None
    old_origin: str = ""  # the stored value's origin (indicators.Observation.Origin), when there is one
    # The source and note as the file states them (source and note above become what would be written): what the
    # stored reading keeps, so comparing again gives what the first comparison gave.
    stated_source: str = ""
    stated_note: str = ""
    stage: str = Observation.Stage.FINAL  # estimate (预计值) or final (统计值): the file's stage column, else final
    # The ids, read once: the comparisons and writes look them up for every value.
    region_id: int = field(init=False)
    indicator_id: int = field(init=False)

    def __post_init__(self) -> None:
        # .id, not .pk: the primary key property costs a metadata lookup, 50 000 times.
        self.region_id, self.indicator_id = self.region.id, self.indicator.id

    @property
    def replaces_demo(self) -> bool:
        """A real value taking the place of a demo one (演示数据): said so in the preview, and counted."""
        return self.status == CHANGED and self.old_origin == Observation.Origin.DEMO


@dataclass
class Preview:
    file_name: str
    file_format: str = ""
    sha256: str = ""
    size: int = 0
    layouts: list[str] = field(default_factory=list)
    region: Region | None = None
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # What is stored for the regions × indicators in the file: (region, indicator, year) → (pk, value, source,
    # note, origin, stage).
    stored: dict[tuple[int, int, int], Stored] = field(default_factory=dict, repr=False)
    # The active lock (indicators.PeriodLock) a change would break, if any: an error, and commit refuses.
    lock: PeriodLock | None = None
    # The stored reading of a kept upload failed its integrity check: an error, and commit refuses (DamagedReading).
    damaged: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def demo_replaced(self) -> int:
        return sum(1 for item in self.items if item.replaces_demo)

    @property
    def changes(self) -> list[Item]:
        return [item for item in self.items if item.status != UNCHANGED]

    @property
    def can_commit(self) -> bool:
        return not self.errors and bool(self.changes)

    @property
    def digest(self) -> str:
        """Fingerprint of exactly what would be written; confirming checks it has not moved since the preview."""
        # The stage only when an estimate: the fingerprints of final values are those taken before stages existed.
        lines = sorted(
            f"{i.region_id}|{i.indicator_id}|{i.year}|{i.value}|{i.source}|{i.note}|{i.status}|{i.old_value}"
            + ("|estimate" if i.stage == Observation.Stage.ESTIMATE else "")
            for i in self.changes
        )
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def summary(self) -> dict[str, int]:
        return {
            "values": len(self.items),
            "new": self.count(NEW),
            "changed": self.count(CHANGED),
            "unchanged": self.count(UNCHANGED),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
        }


class _Reader:
    """Turns raw cells into checked Items, collecting one problem per thing wrong."""

    def __init__(self, catalogue: Catalogue, preview: Preview, user: User | AnonymousUser | None) -> None:
        self.catalogue = catalogue
        self.preview = preview
        # user None: the command line run by the operator, who may write everywhere.
        self.writable: set[int] | None = (
            None if user is None else set(writable_regions(user).values_list("pk", flat=True))
        )
        self.refused_regions: set[int] = set()
        self.bad_rows: set[tuple[str, int | None]] = set()
        self.seen: dict[tuple[int, int, int], Item] = {}
        self.name_units: dict[tuple[Any, int], str] = {}
        self.default_stage: str = Observation.Stage.FINAL  # for values the file does not mark

    def error(self, message: Any, location: Location, **params: Any) -> None:
        self.preview.problems.append(Problem(ERROR, message, params, location))

    def row_error(self, message: Any, location: Location, **params: Any) -> None:
        """Once per row: an unknown indicator in a wide row is one problem, not one per year."""
        key = (location.sheet, location.row)
        if key not in self.bad_rows:
            self.bad_rows.add(key)
            self.error(message, Location(location.sheet, location.row), **params)

    def read(self, table: Table, raw: RawValue, default_region: Region | None) -> None:
        where = raw.location
        try:
            value, cell_unit = parse_number(raw.value)
        except ValueError_ as exc:
            self.error(_("“%(text)s” is not a number."), where, text=exc)
            return
        if value is None:
            return  # "—", "/", blank: no value, never zero
        indicator = self._indicator(raw)
        if indicator is None:
            return
        region = self._region(raw, default_region)
        if region is None:
            return
        year = parse_year(raw.year)
        if year is None:
            self.error(_("“%(text)s” is not a year."), where, text=raw.year)
            return
        lo, hi = self.catalogue.year_range(region)
        if not lo <= year <= hi:
            self.error(
                _("The year %(year)s is outside the plan period of %(region)s (%(lo)s–%(hi)s accepted)."),
                where,
                year=year,
                region=region,
                lo=lo,
                hi=hi,
            )
            return
        unit = cell_unit or str(raw.unit or "").strip()
        if not unit:
            # "技术合同成交额（万元）": a unit in brackets after the name counts when it fits the indicator; other
            # brackets ("（R&D）") are part of the name. Memoised: a file names a few dozen indicators.
            try:
                unit = self.name_units[(raw.indicator, indicator.id)]
            except KeyError:
                named = _name_unit(raw.indicator)
                unit = named if named and unit_factor(named, indicator.unit) is not None else ""
                self.name_units[(raw.indicator, indicator.id)] = unit
        factor = unit_factor(unit, indicator.unit)
        if factor is None:
            self.error(
                _("The unit “%(unit)s” does not fit %(indicator)s, which is counted in %(expected)s."),
                where,
                unit=unit,
                indicator=indicator,
                expected=indicator.unit,
            )
            return
        value = value * factor
        # Checked before rounding: quantize() itself fails on numbers beyond the decimal context (1e30).
        if abs(value) >= MAX_ABS_VALUE:
            self.error(_("%(value)s is too large to be a plausible value."), where, value=raw.value)
            return
        value = value.quantize(SIX_PLACES, rounding=ROUND_HALF_EVEN)
        if value < 0 and not allows_negative(indicator):
            self.error(
                _("%(indicator)s cannot be negative (%(value)s)."), where, indicator=indicator, value=plain(value)
            )
            return
        if not self._may_write(region, where):
            return
        try:
            stage = parse_stage(raw.stage) or self.default_stage
        except ValueError_ as exc:
            column = table.roles.get("stage")
            self.error(
                _("“%(text)s” is not a stage: write 预计值 (estimate) or 统计值 (final statistics)."),
                Location(where.sheet, where.row, column, table.headers.get(column, "") if column is not None else ""),
                text=exc,
            )
            return
        source = raw.source[:200]
        item = Item(
            region,
            indicator,
            year,
            value,
            source,
            raw.note,
            where,
            stated_source=source,
            stated_note=raw.note,
            stage=stage,
        )
        key = (item.region_id, item.indicator_id, year)
        earlier = self.seen.get(key)
        if earlier is not None:
            if earlier.value != value:
                self.error(
                    _(
                        "%(indicator)s of %(region)s for %(year)s is given twice with different values: %(first)s "
                        "(at %(where)s) and %(second)s."
                    ),
                    where,
                    indicator=indicator,
                    region=region,
                    year=year,
                    first=plain(earlier.value),
                    where=earlier.location,
                    second=plain(value),
                )
            return
        self.seen[key] = item
        self.preview.items.append(item)

    def _indicator(self, raw: RawValue) -> Indicator | None:
        by_code = self.catalogue.indicator(raw.code)
        by_name = self.catalogue.indicator(raw.indicator)
        if by_code and by_name and by_code != by_name:
            self.row_error(
                _("The code “%(code)s” and the name “%(name)s” are two different indicators."),
                raw.location,
                code=raw.code,
                name=raw.indicator,
            )
            return None
        found = by_code or by_name
        if found is None:
            shown = raw.indicator if raw.indicator not in (None, "") else raw.code
            if shown in (None, ""):
                self.row_error(_("The row has values but no indicator name."), raw.location)
            else:
                self.row_error(
                    _("Unknown indicator “%(name)s”: use a name or code from the template."), raw.location, name=shown
                )
        return found

    def _region(self, raw: RawValue, default_region: Region | None) -> Region | None:
        if raw.region is None or str(raw.region).strip() == "":
            if default_region is None:
                self.row_error(NO_REGION, raw.location)
            return default_region
        region = self.catalogue.region(raw.region)
        if region is None:
            self.row_error(_("Unknown region “%(name)s”."), raw.location, name=raw.region)
        return region

    def _may_write(self, region: Region, where: Location) -> bool:
        if self.writable is None or region.id in self.writable:
            return True
        if region.id not in self.refused_regions:
            self.refused_regions.add(region.id)
            self.error(NOT_YOUR_REGION, where, region=region)
        return False


def _name_unit(name: Any) -> str:
    """The text in brackets at the end of a name: "技术合同成交额（亿元）" → "亿元"."""
    match = re.search(r"\(([^()]*)\)\s*$", unicodedata.normalize("NFKC", str(name or "")))
    return match.group(1).strip() if match else ""


def build_preview(
    data: bytes,
    file_name: str,
    *,
    user: User | AnonymousUser | None,
    region: Region | None = None,
    lock: bool = False,
    default_stage: str = Observation.Stage.FINAL,
) -> Preview:
    """Read the file and say what importing it would do. Never writes. `lock` (inside a transaction) locks the
    stored values compared against, for `commit`. `default_stage`: the stage (estimate 预计值 / final 统计值) of
    the values the file does not mark in a stage column (数据性质)."""
    # The name is stored and becomes the values' source: cleaned like the cells (a NUL cannot be stored in
    # PostgreSQL).
    preview = Preview(
        file_name=clean_text(file_name), sha256=hashlib.sha256(data).hexdigest(), size=len(data), region=region
    )
    try:
        preview.file_format, sheets = read_file(data)
    except ImportRejected as rejected:
        preview.problems.append(rejected.problem)
        return preview
    catalogue = Catalogue()
    reader = _Reader(catalogue, preview, user)
    reader.default_stage = default_stage
    tables = values = 0
    for sheet in sheets:
        table = find_table(sheet.name, sheet.rows)
        if table is None:
            continue
        tables += 1
        preview.layouts.append(table.layout)
        sheet_region, usable = _sheet_region(table, sheet.rows, region, catalogue, reader)
        if not usable:
            continue
        for raw in raw_values(table, sheet.rows):
            values += 1
            if values > settings.IMPORT_MAX_VALUES:
                # Each value costs about a kilobyte and 25 µs to check: a bound keeps any file's preview within
                # the web worker's memory and the request's time.
                preview.items.clear()
                preview.problems[:] = [Problem(ERROR, TOO_MANY_VALUES, {"limit": settings.IMPORT_MAX_VALUES})]
                return preview
            reader.read(table, raw, sheet_region)
    if not tables:
        preview.problems.append(
            Problem(
                ERROR,
                _(
                    "No table found: the header row needs an indicator column (指标名称 or 指标代码) and either year "
                    "columns (2021, 2022年…) or a year column and a value column (年份, 数值)."
                ),
            )
        )
    elif not preview.items and not preview.errors:
        preview.problems.append(Problem(ERROR, _("The table has no values to import.")))
    _compare_with_stored(preview, lock=lock)
    _refuse_locked(preview)
    _warn_jumps(preview)
    return preview


def _refuse_locked(preview: Preview) -> None:
    """A change to a locked region × year is an error naming the lock, at the first value it would change (the
    write path refuses it anyway; here the city sees why before confirming)."""
    changes = preview.changes
    lock = find_lock((item.region_id, item.year) for item in changes)
    if lock is None:
        return
    preview.lock = lock
    first = next(item for item in changes if item.year == lock.year and lock.region_id in (None, item.region_id))
    message = _("%(lock)s: its values cannot be changed. Ask the provincial staff to unlock it.")
    preview.problems.append(Problem(ERROR, message, {"lock": lock}, first.location))


def _sheet_region(
    table: Table, rows: list[list[Any]], chosen: Region | None, catalogue: Catalogue, reader: _Reader
) -> tuple[Region | None, bool]:
    """The region of a sheet without a region column: the one chosen, checked against the one its title names.
    False when they disagree (one error for the sheet, its rows are not read)."""
    if "region" in table.roles or "adcode" in table.roles:
        return chosen, True
    titled, where = None, Location()
    for index, row in enumerate(rows[: table.header_row]):
        text = " ".join(str(cell) for cell in row if cell not in (None, ""))
        titled = catalogue.region_in_text(text) if text else None
        if titled:
            where = Location(table.sheet, index + 1)
            break
    if chosen and titled and titled != chosen and titled.level != Region.Level.PROVINCE:
        reader.error(
            _("The title names %(titled)s but the values are being imported for %(chosen)s. Choose %(titled)s."),
            where,
            titled=titled,
            chosen=chosen,
        )
        return None, False
    return chosen or titled, True


def _stored(items: Iterable[Item], lock: bool) -> dict[tuple[int, int, int], Stored]:
    items = list(items)
    if not items:
        return {}
    regions = {i.region_id for i in items}
    indicators = {i.indicator_id for i in items}
    query = Observation.objects.filter(region_id__in=regions, indicator_id__in=indicators)
    if lock:
        # The regions first: the values another import is creating have no row to lock yet. Read after waiting,
        # this sees what that import wrote.
        lock_regions(regions)
        query = query.select_for_update()
    return {
        (r, i, y): (pk, v, s, n, o, st)
        for pk, r, i, y, v, s, n, o, st in query.values_list(
            "pk", "region_id", "indicator_id", "year", "value", "source", "note", "origin", "stage"
        )
    }


def _compare_with_stored(preview: Preview, *, lock: bool) -> None:
    preview.stored = stored = _stored(preview.items, lock)
    for item in preview.items:
        item.source, item.note = item.stated_source, item.stated_note
        row = stored.get((item.region_id, item.indicator_id, item.year))
        if row is None:
            item.status, item.observation_id, item.old_value, item.old_origin = NEW, None, None, ""
            item.source = item.source or preview.file_name[:200]
            continue
        pk, value, source, note, origin, stage = row
        item.observation_id, item.old_value, item.old_origin = pk, value, origin
        # A source or note only changes when the file states one; otherwise a value keeps the stored ones if
        # it is the same value, and gets the file's name as its source if it is a new value. A change of stage
        # (预计值 → 统计值) alone is a change.
        if value == item.value and origin != Observation.Origin.DEMO:
            restated = item.source not in ("", source) or item.note not in ("", note) or item.stage != stage
            item.status = CHANGED if restated else UNCHANGED
            item.source, item.note = item.source or source, item.note or note
        else:
            item.status = CHANGED
            item.source = item.source or preview.file_name[:200]


def _warn_jumps(preview: Preview) -> None:
    """Warnings, not errors: a value replacing the stored one of the same year by a factor beyond
    IMPORT_WARN_STORED_FACTOR (a file read for the wrong region, a unit slip), a value moving more than
    IMPORT_WARN_CHANGE_RATIO from the year before, a count of things that falls."""
    stored = preview.stored
    in_file = {(i.region_id, i.indicator_id, i.year): i.value for i in preview.items}
    ratio = Decimal(str(settings.IMPORT_WARN_CHANGE_RATIO))
    factor = Decimal(str(settings.IMPORT_WARN_STORED_FACTOR))
    for item in preview.changes:
        _warn_against_stored(preview, item, factor)
        key = (item.region_id, item.indicator_id, item.year - 1)
        previous = in_file.get(key)
        if previous is None and key in stored:
            previous = stored[key][1]
        if previous is None:
            continue
        if previous != 0 and abs(item.value - previous) > ratio * abs(previous):
            change = f"{(item.value - previous) / abs(previous) * 100:+.0f}"
            message = _("%(indicator)s moves from %(previous)s in %(last)s to %(value)s in %(year)s (%(change)s%%).")
            preview.problems.append(
                Problem(WARNING, message, _numbers(item, previous) | {"change": change}, item.location)
            )
        elif (
            item.value < previous
            and item.indicator.measure == Indicator.Measure.STOCK
            and item.indicator.direction == Indicator.Direction.HIGHER
            and is_count(item.indicator.unit)  # a stock of counted things that falls is worth a second look
        ):
            message = _("The number of %(indicator)s falls from %(previous)s in %(last)s to %(value)s in %(year)s.")
            preview.problems.append(Problem(WARNING, message, _numbers(item, previous), item.location))


def _numbers(item: Item, previous: Decimal) -> dict[str, Any]:
    """A warning's parameters (built only for the values warned about)."""
    return {
        "indicator": item.indicator,
        "previous": plain(previous),
        "last": item.year - 1,
        "value": plain(item.value),
        "year": item.year,
    }


def _warn_against_stored(preview: Preview, item: Item, factor: Decimal) -> None:
    """The new value against the stored one of the same region × indicator × year: new / old above `factor` or
    below 1 / `factor`. Only a positive stored value has a ratio (growth rates may be zero or negative: not
    compared); a value set to zero counts as below."""
    old = item.old_value
    if old is None or old <= 0 or item.value < 0 or item.value == old:
        return
    moved = item.value / old
    if not (moved > factor or moved * factor < 1):
        return
    message = _(
        "%(indicator)s of %(region)s for %(year)s: the stored value %(old)s would become %(value)s (×%(ratio)s). "
        "Check that the file is for %(region)s and in the right unit."
    )
    params = {
        "indicator": item.indicator,
        "region": item.region,
        "year": item.year,
        "old": plain(old),
        "value": plain(item.value),
        "ratio": plain(Decimal(f"{moved:.3g}")),
    }
    preview.problems.append(Problem(WARNING, message, params, item.location))


class StaleImport(Exception):
    """The stored values changed between the preview and the confirmation: the user must look again."""


def save_pending(preview: Preview, data: bytes, *, user: User | None) -> ActualsImport:
    """Keep an upload that has changes to confirm, with its file and the values read from it (the stored reading,
    which the confirmation writes without parsing the file again), until it is confirmed or cancelled. A preview
    with errors (the pages never keep one) gets no stored reading: confirming it reads the file and meets them."""
    reading = _reading_bytes(preview) if not preview.errors else b""
    record = ActualsImport(
        file_name=preview.file_name[:255],
        file_format=preview.file_format,
        sha256=preview.sha256,
        size=preview.size,
        layout="+".join(sorted(set(preview.layouts))),
        region=preview.region,
        change_digest=preview.digest,
        parsed_sha256=hashlib.sha256(reading).hexdigest() if reading else "",
        values_read=len(preview.items),
        created_count=preview.count(NEW),
        updated_count=preview.count(CHANGED),
        unchanged_count=preview.count(UNCHANGED),
        warning_count=len(preview.warnings),
        uploaded_by=user if user is not None and user.pk else None,
    )
    record.file.save(f"{preview.sha256}.{preview.file_format}", ContentFile(data), save=False)
    # A random name: nobody can guess it to plant one, and two uploads of the same file never share it.
    if reading:
        record.parsed_rows.save(f"read-{secrets.token_hex(16)}.json", ContentFile(reading), save=False)
    record.save()
    return record


# The stored reading: JSON (never pickle), one list per value —
# [region id, indicator id, year, value as text, source, note (as the file states them), sheet, row, column, header,
# stage] with sheet and header as indexes into their lists (a reading kept before stages existed has no stage:
# final). About 60 bytes a value: 12 MB for IMPORT_MAX_VALUES.
READING_FORMAT = 1


class DamagedReading(Exception):
    """The stored reading of a kept upload does not match the SHA-256 recorded with it, or cannot be read: it was
    changed on disk (or damaged). Nothing is written; the file must be uploaded again."""

    def __init__(self, record: ActualsImport) -> None:
        self.record_id = record.pk
        super().__init__(f"import #{record.pk}: the stored reading fails its integrity check")

    def __str__(self) -> str:
        return str(DAMAGED_READING % {"id": self.record_id})


DAMAGED_READING = _(
    "The values read from import #%(id)s were changed or damaged on disk since the preview (they no longer match "
    "their SHA-256): nothing can be written. Discard this import and upload the file again."
)


def _reading_bytes(preview: Preview) -> bytes:
    sheets: dict[str, int] = {}
    headers: dict[str, int] = {}
    rows = []
    for item in preview.items:
        where = item.location
        rows.append(
            [
                item.region_id,
                item.indicator_id,
                item.year,
                str(item.value),
                item.stated_source,
                item.stated_note,
                sheets.setdefault(where.sheet, len(sheets)),
                where.row,
                where.column,
                headers.setdefault(where.field, len(headers)),
                item.stage,
            ]
        )
    payload = {
        "format": READING_FORMAT,
        "sha256": preview.sha256,  # of the upload it was read from
        "layouts": preview.layouts,
        "sheets": list(sheets),
        "headers": list(headers),
        "rows": rows,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def _read_reading(record: ActualsImport) -> tuple[list[str], list[Item]]:
    """The layouts and the items of a kept upload's stored reading, after checking its SHA-256 against the one
    recorded at the preview (DamagedReading otherwise)."""
    try:
        with record.parsed_rows.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise DamagedReading(record) from exc
    if not record.parsed_sha256 or not secrets.compare_digest(hashlib.sha256(data).hexdigest(), record.parsed_sha256):
        logger.error("Import #%s: its stored reading %s does not match its SHA-256", record.pk, record.parsed_rows.name)
        raise DamagedReading(record)
    try:
        payload = json.loads(data)
        if payload["format"] != READING_FORMAT or payload["sha256"] != record.sha256:
            raise ValueError("another upload's reading")
        rows = payload["rows"]
        regions = Region.objects.in_bulk({row[0] for row in rows})
        indicators = Indicator.objects.in_bulk({row[1] for row in rows})
        sheets, headers = payload["sheets"], payload["headers"]
        items = [
            Item(
                regions[region],
                indicators[indicator],
                int(year),
                Decimal(value),
                source,
                note,
                Location(sheets[sheet], row, column, headers[header]),
                stated_source=source,
                stated_note=note,
                stage=_stage(rest),
            )
            for region, indicator, year, value, source, note, sheet, row, column, header, *rest in rows
        ]
        layouts = [str(layout) for layout in payload["layouts"]]
    except (KeyError, IndexError, TypeError, ValueError, InvalidOperation) as exc:
        logger.error("Import #%s: its stored reading cannot be read", record.pk, exc_info=True)
        raise DamagedReading(record) from exc
    return layouts, items


def _stage(rest: list[Any]) -> str:
    if not rest:
        return Observation.Stage.FINAL
    if rest[0] not in Observation.Stage.values:
        raise ValueError(f"unknown stage {rest[0]!r}")
    return str(rest[0])


def stored_preview(record: ActualsImport, *, user: User | AnonymousUser | None, lock: bool = False) -> Preview:
    """What confirming a kept upload would do now: the values read at its preview (the stored reading; the file
    is not parsed again) compared with the stored values as they are now, with the user's rights and the locks as
    they are now. `lock` (inside a transaction, for `commit`): compared under the lock of its regions, and no
    warnings (nobody sees them). An upload kept before stored readings existed is read from its file as before."""
    if not record.parsed_rows:
        with record.file.open("rb") as handle:
            return build_preview(handle.read(), record.file_name, user=user, region=record.region, lock=lock)
    preview = Preview(
        file_name=record.file_name,
        file_format=record.file_format,
        sha256=record.sha256,
        size=record.size,
        region=record.region,
    )
    try:
        preview.layouts, items = _read_reading(record)
    except DamagedReading:
        preview.damaged = True
        preview.problems.append(Problem(ERROR, DAMAGED_READING, {"id": record.pk}))
        return preview
    # The rights as they are now: a region the user may no longer write is refused, as a new upload would be.
    writable = None if user is None else set(writable_regions(user).values_list("pk", flat=True))
    refused: set[int] = set()
    for item in items:
        if writable is None or item.region_id in writable:
            preview.items.append(item)
        elif item.region_id not in refused:
            refused.add(item.region_id)
            preview.problems.append(Problem(ERROR, NOT_YOUR_REGION, {"region": item.region}, item.location))
    _compare_with_stored(preview, lock=lock)
    _refuse_locked(preview)
    if not lock:
        _warn_jumps(preview)
    return preview


@transaction.atomic
def commit(record: ActualsImport, *, user: User | AnonymousUser | None, expected_digest: str | None = None) -> Preview:
    """Confirm a pending import: the values read at its preview (the stored reading, checked against its SHA-256;
    DamagedReading otherwise) are compared again, under lock, with the stored values; if anything differs from
    the preview the user saw (`expected_digest`, by default the one taken at upload), nothing is written
    (StaleImport). The file is not parsed again. A user who may review every region it touches (or the
    operator, user None) writes the values approved; anyone else submits them for review (SubmittedValue,
    nothing in Observation). Two commits of the same regions take turns: the second compares with what the
    first wrote, and so is stale when they overlap."""
    write_lock()  # SQLite: before this transaction reads anything (see write_lock)
    record = ActualsImport.objects.select_for_update().get(pk=record.pk)
    if record.status != ActualsImport.Status.PENDING:
        raise StaleImport("already " + record.status)
    preview = stored_preview(record, user=user, lock=True)
    if preview.damaged:
        raise DamagedReading(record)
    if preview.lock is not None:
        raise LockedPeriod(preview.lock)  # locked since the preview: said as such, not as "values changed"
    if preview.errors or preview.digest != (expected_digest or record.change_digest):
        raise StaleImport("the stored values changed since the preview")
    writer = user if user is not None and user.pk else None
    now = timezone.now()
    record.committed_at = now
    if can_review_all(user, {item.region_id for item in preview.changes}):
        # The uploader may approve every region it touches: approved at once, as an import always was.
        writes = [
            ObservationWrite(
                region_id=item.region_id,
                indicator_id=item.indicator_id,
                year=item.year,
                value=item.value,
                source=item.source,
                note=item.note,
                observation_id=item.observation_id,
                stage=item.stage,
            )
            for item in preview.changes
        ]
        observations_write_many(
            writes,
            origin=Observation.Origin.IMPORT,
            user=writer,
            reason=str(_("Spreadsheet import: %(name)s") % {"name": record.file_name})[:500],
            actuals_import=record,
            approved_by=writer,
        )
        record.status = ActualsImport.Status.APPROVED
        record.reviewed_at, record.reviewed_by = now, writer
    else:
        # Kept aside for review, with the approved value each was compared with (the approval re-checks it).
        SubmittedValue.objects.bulk_create(
            [
                _submitted(record, item, preview.stored.get((item.region_id, item.indicator_id, item.year)))
                for item in preview.changes
            ],
            batch_size=2000,
        )
        record.status = ActualsImport.Status.SUBMITTED
    record.created_count, record.updated_count = preview.count(NEW), preview.count(CHANGED)
    record.unchanged_count, record.values_read = preview.count(UNCHANGED), len(preview.items)
    record.save()
    return preview


def _submitted(record: ActualsImport, item: Item, base: Stored | None) -> SubmittedValue:
    value = SubmittedValue(
        actuals_import=record,
        region=item.region,
        indicator=item.indicator,
        year=item.year,
        value=item.value,
        source=item.source,
        note=item.note,
        stage=item.stage,
    )
    if base is not None:
        value.base_observation_id, value.base_value, value.base_source, value.base_note, value.base_origin = base[:5]
        value.base_stage = base[5]
    return value


class ReviewRefused(Exception):
    """The import cannot be approved or returned (not awaiting review, no comment); the message says why."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def _locked_for_review(record: ActualsImport, reviewer: User | None) -> tuple[ActualsImport, list[SubmittedValue]]:
    """The import read again under lock, after checking the reviewer may review all its regions (else
    PermissionDenied, whatever its state) and that it awaits review (else ReviewRefused)."""
    write_lock()  # SQLite: before this transaction reads anything (see write_lock)
    record = ActualsImport.objects.select_for_update().get(pk=record.pk)
    values = list(record.submitted_values.all())
    if reviewer is not None and not reviewable_regions(reviewer).exists():
        raise PermissionDenied
    if not can_review_all(reviewer, {value.region_id for value in values}):
        raise PermissionDenied
    if record.status != ActualsImport.Status.SUBMITTED:
        raise ReviewRefused(
            _("Import #%(id)s is not awaiting review (status: %(status)s).")
            % {"id": record.pk, "status": record.get_status_display()}
        )
    return record, values


@transaction.atomic
def approve(record: ActualsImport, *, reviewer: User | None, comment: str = "") -> ActualsImport:
    """Write a submitted import's values as approved. Under the lock of its regions, every approved value it was
    compared with must be as it was (StaleImport otherwise: nothing is written, it stays submitted)."""
    record, values = _locked_for_review(record, reviewer)
    regions = {value.region_id for value in values}
    lock_regions(regions)
    stored = {
        (r, i, y): (pk, v, s, n, o, st)
        for pk, r, i, y, v, s, n, o, st in Observation.objects.filter(
            region_id__in=regions, indicator_id__in={value.indicator_id for value in values}
        ).values_list("pk", "region_id", "indicator_id", "year", "value", "source", "note", "origin", "stage")
    }
    for value in values:
        now = stored.get((value.region_id, value.indicator_id, value.year))
        then = (
            None
            if value.base_observation_id is None
            else (
                value.base_observation_id,
                value.base_value,
                value.base_source,
                value.base_note,
                value.base_origin,
                value.base_stage or Observation.Stage.FINAL,  # submitted before stages existed: the stored was final
            )
        )
        if now != then:
            raise StaleImport("the approved values changed since the submission")
    reviewer = reviewer if reviewer is not None and reviewer.pk else None
    observations_write_many(
        [
            ObservationWrite(
                region_id=value.region_id,
                indicator_id=value.indicator_id,
                year=value.year,
                value=value.value,
                source=value.source,
                note=value.note,
                observation_id=value.base_observation_id,
                stage=value.stage,
            )
            for value in values
        ],
        origin=Observation.Origin.IMPORT,
        user=record.uploaded_by,
        approved_by=reviewer,
        reason=str(
            _("Spreadsheet import: %(name)s, approved by %(reviewer)s")
            % {"name": record.file_name, "reviewer": reviewer or _("the operator")}
        )[:500],
        actuals_import=record,
    )
    record.status = ActualsImport.Status.APPROVED
    record.reviewed_at, record.reviewed_by, record.review_comment = timezone.now(), reviewer, comment.strip()
    record.save()
    return record


@transaction.atomic
def send_back(record: ActualsImport, *, reviewer: User | None, comment: str) -> ActualsImport:
    """Return a submitted import to its uploader with a comment: nothing is written; its values are never shown."""
    record, _values = _locked_for_review(record, reviewer)
    if not comment.strip():
        raise ReviewRefused(_("Comment: say what should be corrected before the import can be sent again."))
    record.status = ActualsImport.Status.RETURNED
    record.reviewed_at = timezone.now()
    record.reviewed_by = reviewer if reviewer is not None and reviewer.pk else None
    record.review_comment = comment.strip()
    record.save()
    return record


def cancel(record: ActualsImport) -> None:
    """Drop a pending import and its stored file (nothing was written)."""
    with transaction.atomic():
        # Locked and read again: an import committed meanwhile (its file is the source of stored values) stays.
        locked = ActualsImport.objects.select_for_update().filter(pk=record.pk).first()
        if locked is None or locked.status != ActualsImport.Status.PENDING:
            return
        names, storage = [locked.file.name, locked.parsed_rows.name], locked.file.storage
        locked.status = ActualsImport.Status.CANCELLED
        locked.file = locked.parsed_rows = None
        locked.save(update_fields=["status", "file", "parsed_rows"])
    record.status, record.file, record.parsed_rows = locked.status, locked.file, locked.parsed_rows
    # The row first, then the files: stopped in between, or failing to delete, a file is only an orphan, which
    # `manage.py clean_uploads` removes; never a pending import pointing at a missing file.
    for name in filter(None, names):
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete the file of cancelled import #%s (%s)", record.pk, name, exc_info=True)
