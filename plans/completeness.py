"""The reporting calendar and completeness: which actual values a region owes, and where each one stands.

A region owes, for each year of its plans' periods (period_start … period_end; the baseline year is not owed),
a value of every indicator its plan has a target on: a *position* (region × indicator × year). Each position is
in one state, decided by reporting_state() — the one place the rule lives:

- approved   — an approved real value is stored (origin import or manual). Demo data is never approved real data:
               a position holding only a demo value is still owed;
- submitted  — else, a value of it is in an import awaiting review;
- returned   — else, a value of it was in an import the province returned (to be corrected and sent again);
- not_due    — else, before the due date: the first day of the indicator's release month of year Y + lag
               (Indicator.release_month, release_lag_years);
- due        — from the due date, for REPORTING_GRACE_MONTHS whole months (1: the release month itself);
- overdue    — from the first day after the grace period.

"today" is always passed in, so every rule is tested at its edges without a clock.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from django.conf import settings
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cities.models import Region
from indicators.models import ActualsImport, Indicator, Observation, SubmittedValue
from plans.models import Plan, Target

NOT_DUE: Final = "not_due"
DUE: Final = "due"
OVERDUE: Final = "overdue"
SUBMITTED: Final = "submitted"
RETURNED: Final = "returned"
APPROVED: Final = "approved"
# In the order of the legends and the counts.
STATES: Final = (OVERDUE, DUE, RETURNED, SUBMITTED, APPROVED, NOT_DUE)
# The states that ask something of the region now (its to-do list, 待填报).
TO_DO: Final = (OVERDUE, DUE, RETURNED)

STATE_LABELS: dict[str, Promise] = {
    OVERDUE: _("Overdue"),
    DUE: _("Due"),
    RETURNED: _("Returned"),
    SUBMITTED: _("Submitted"),
    APPROVED: _("Approved"),
    NOT_DUE: _("Not yet due"),
}


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def due_date(indicator: Indicator, year: int) -> datetime.date:
    """The first day a region owes `indicator` for `year`: the first of its release month in year + lag."""
    return datetime.date(year + indicator.release_lag_years, indicator.release_month, 1)


def overdue_date(indicator: Indicator, year: int) -> datetime.date:
    """The first day the value is overdue: REPORTING_GRACE_MONTHS whole months after the due date."""
    return _add_months(due_date(indicator, year), settings.REPORTING_GRACE_MONTHS)


def reporting_state(indicator: Indicator, year: int, *, today: datetime.date, record: str | None) -> str:
    """The state of one position: `record` is what is stored for it (APPROVED, SUBMITTED, RETURNED, or None for
    nothing or only demo data), `today` the day asked about."""
    if record in (APPROVED, SUBMITTED, RETURNED):
        return record
    if today < due_date(indicator, year):
        return NOT_DUE
    if today < overdue_date(indicator, year):
        return DUE
    return OVERDUE


@dataclass(frozen=True)
class Position:
    region: Region
    indicator: Indicator
    year: int
    state: str
    due_on: datetime.date
    overdue_on: datetime.date
    returned_import: ActualsImport | None = None  # the latest import returned with a value of it

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass(frozen=True)
class RegionRow:
    region: Region
    cells: list[Position | None]  # one per indicator of the board, None where the region owes none
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def owed(self) -> int:
        return sum(self.counts.values())

    @property
    def state_counts(self) -> list[tuple[str, int]]:
        """(state, count) in the order of STATES (a template cannot call Counter.items: it looks the key up)."""
        return [(state, self.counts[state]) for state in STATES]


@dataclass(frozen=True)
class Board:
    year: int
    today: datetime.date
    indicators: list[Indicator]
    rows: list[RegionRow]
    years: list[int]  # the years the regions' plans owe, for the year picker

    @property
    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for row in self.rows:
            total.update(row.counts)
        return total


def _owed(regions: Iterable[Region]) -> dict[int, dict[int, set[int]]]:
    """region id → indicator id → the years owed (one query: the regions' targets with their plan's period)."""
    owed: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    rows = Target.objects.filter(plan__region__in=list(regions)).values_list(
        "plan__region_id", "indicator_id", "plan__period_start", "plan__period_end"
    )
    for region_id, indicator_id, start, end in rows:
        owed[region_id][indicator_id].update(range(start, end + 1))
    return owed


def _records(
    region_ids: Iterable[int], years: Iterable[int]
) -> tuple[dict[tuple[int, int, int], str], dict[tuple[int, int, int], ActualsImport]]:
    """What is stored for each position of these regions and years: (key → APPROVED/SUBMITTED/RETURNED, key → the
    latest returned import). Approved beats submitted beats returned; demo values count as nothing."""
    region_ids, years = list(region_ids), list(years)
    records: dict[tuple[int, int, int], str] = {}
    returned: dict[tuple[int, int, int], ActualsImport] = {}
    where = Q(region_id__in=region_ids, year__in=years)
    pending = (
        SubmittedValue.objects.filter(where)
        .filter(actuals_import__status__in=[ActualsImport.Status.SUBMITTED, ActualsImport.Status.RETURNED])
        .select_related("actuals_import")
        .order_by("actuals_import__committed_at", "actuals_import_id")
    )
    for value in pending:
        key = (value.region_id, value.indicator_id, value.year)
        if value.actuals_import.status == ActualsImport.Status.SUBMITTED:
            records[key] = SUBMITTED
        else:
            returned[key] = value.actuals_import  # later ones overwrite: the latest returned import
            records.setdefault(key, RETURNED)
    real = Observation.objects.filter(where).exclude(origin=Observation.Origin.DEMO)
    for key in real.values_list("region_id", "indicator_id", "year"):
        records[key] = APPROVED
    return records, returned


def positions(regions: Sequence[Region], *, today: datetime.date, year: int | None = None) -> list[Position]:
    """Every position the regions owe (of one year, or of all their plans' years), with its state on `today`;
    ordered by region, year, indicator code. Four queries whatever the number of regions."""
    owed = _owed(regions)
    indicator_ids = {i for by_indicator in owed.values() for i in by_indicator}
    indicators = {i.pk: i for i in Indicator.objects.filter(pk__in=indicator_ids)}
    all_years = {y for by_indicator in owed.values() for ys in by_indicator.values() for y in ys}
    years = [year] if year is not None else sorted(all_years)
    records, returned = _records(owed, years)
    result = []
    for region in regions:
        for indicator_id, owed_years in owed.get(region.pk, {}).items():
            indicator = indicators[indicator_id]
            for y in sorted(owed_years & set(years)):
                key = (region.pk, indicator_id, y)
                result.append(
                    Position(
                        region=region,
                        indicator=indicator,
                        year=y,
                        state=reporting_state(indicator, y, today=today, record=records.get(key)),
                        due_on=due_date(indicator, y),
                        overdue_on=overdue_date(indicator, y),
                        returned_import=returned.get(key) if records.get(key) == RETURNED else None,
                    )
                )
    result.sort(key=lambda p: (p.region.adcode, p.year, p.indicator.code))
    return result


def owed_years(regions: Sequence[Region]) -> list[int]:
    """The years the regions' plans owe values for (no baseline year), ascending."""
    periods = Plan.objects.filter(region__in=list(regions)).values_list("period_start", "period_end")
    return sorted({y for start, end in periods for y in range(start, end + 1)})


def default_year(regions: Sequence[Region], *, today: datetime.date) -> int | None:
    """The board's year when none is asked for: the latest owed year some value of which is due by `today`
    (its earliest due date has come); else the first owed year; None without plans."""
    years = owed_years(regions)
    if not years:
        return None
    owed = _owed(regions)
    indicator_ids = {i for by_indicator in owed.values() for i in by_indicator}
    indicators = list(Indicator.objects.filter(pk__in=indicator_ids))
    for year in reversed(years):
        if any(due_date(indicator, year) <= today for indicator in indicators):
            return year
    return years[0]


def board(regions: Sequence[Region], year: int, *, today: datetime.date) -> Board:
    """The completeness board: the regions owing values for `year` (rows) × the indicators they owe (columns),
    each cell a position, with the counts per region and state."""
    found = positions(regions, today=today, year=year)
    indicators = sorted({p.indicator.pk: p.indicator for p in found}.values(), key=lambda i: i.code)
    column = {indicator.pk: n for n, indicator in enumerate(indicators)}
    by_region: dict[int, list[Position]] = defaultdict(list)
    for p in found:
        by_region[p.region.pk].append(p)
    rows = []
    for region in sorted(regions, key=lambda r: r.adcode):
        if region.pk not in by_region:
            continue
        cells: list[Position | None] = [None] * len(indicators)
        counts: Counter[str] = Counter({state: 0 for state in STATES})
        for p in by_region[region.pk]:
            cells[column[p.indicator.pk]] = p
            counts[p.state] += 1
        rows.append(RegionRow(region=region, cells=cells, counts=counts))
    return Board(year=year, today=today, indicators=indicators, rows=rows, years=owed_years(regions))


def to_do(regions: Sequence[Region], *, today: datetime.date) -> list[Position]:
    """What the regions have to send now (待填报): positions due, overdue or returned, overdue first, then by
    year and indicator."""
    order = {state: n for n, state in enumerate(STATES)}
    items = [p for p in positions(regions, today=today) if p.state in TO_DO]
    return sorted(items, key=lambda p: (order[p.state], p.region.adcode, p.year, p.indicator.code))
