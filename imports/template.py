"""The fill-in template of a region: its plan indicators as rows, the plan years as columns, stored values
pre-filled. The importer reads it back like any other wide sheet (its title names the region). Every cell goes
through cities.cells: names are text, never a formula; values are numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Q
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from cities.cells import append_row, print_setup, safe_text, sheet_title
from cities.models import Region
from imports.service import allows_negative
from indicators.models import Indicator, Observation
from indicators.numbers import plain
from plans.models import Plan, Target
from plans.selectors import DEFAULT_SPAN, plan_span

HEADER_ROW = 3  # 1: title, 2: how to fill it in, 3: the header


@dataclass
class TemplateData:
    region: Region
    indicators: list[Indicator]
    years: list[int]
    values: dict[tuple[int, int], Decimal]  # (indicator id, year) → stored value (demo values left out)


def template_data(region: Region) -> TemplateData:
    own = Target.objects.filter(plan__region=region)
    if own.exists():
        targets = own
        plans = Plan.objects.filter(region=region)
    else:
        # No plan of its own (the province, a city not yet loaded): what the plans below or beside it measure —
        # "above the provincial average" targets need the province's values.
        targets = Target.objects.filter(
            Q(kind=Target.Kind.RELATIVE_TO_AVERAGE, plan__region__parent=region) | Q(section=Target.Section.TABLE)
        )
        plans = Plan.objects.all()
    indicator_ids: list[int] = []
    for indicator_id in targets.order_by("plan__region__adcode", "position").values_list("indicator_id", flat=True):
        if indicator_id not in indicator_ids:
            indicator_ids.append(indicator_id)
    by_id = Indicator.objects.in_bulk(indicator_ids)
    span = plan_span(plans) or DEFAULT_SPAN
    baseline = targets.aggregate(first=Min("baseline_year"))["first"]  # a target may state an earlier baseline
    years = list(range(span.start if baseline is None else min(span.start, baseline), span.stop))
    # Demo values are not pre-filled: sent back, they would be confirmed as real statistics.
    values = {
        (indicator_id, year): value
        for indicator_id, year, value in Observation.objects.filter(
            region=region, indicator_id__in=indicator_ids, year__in=years
        )
        .exclude(origin=Observation.Origin.DEMO)
        .values_list("indicator_id", "year", "value")
    }
    return TemplateData(region, [by_id[i] for i in indicator_ids], years, values)


def _title(data: TemplateData) -> str:
    return _("%(region)s (%(adcode)s): actual values of the plan indicators, %(first)s–%(last)s") % {
        "region": data.region.name_zh,
        "adcode": data.region.adcode,
        "first": data.years[0],
        "last": data.years[-1],
    }


def _header(data: TemplateData) -> list[str]:
    return [
        _("Indicator code"),
        _("Indicator name"),
        _("Unit"),
        *[_("%(year)s") % {"year": year} for year in data.years],
        _("Note"),
    ]


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)


def template_xlsx(region: Region) -> bytes:
    data = template_data(region)
    header = _header(data)
    workbook = Workbook()
    sheet = workbook.create_sheet(sheet_title(region.name_zh, fallback=region.adcode), 0)
    del workbook[workbook.sheetnames[1]]  # the default empty sheet
    append_row(sheet, [_title(data)])
    append_row(
        sheet,
        [
            _(
                "Fill in the yellow cells only, in the unit of column C. Leave a cell empty when there is no value "
                "(never 0). Do not change the rows or the header."
            )
        ],
    )
    append_row(sheet, header)
    first_year_col, last_year_col = 4, 3 + len(data.years)
    note_col = last_year_col + 1
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=note_col)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=note_col)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"].alignment = Alignment(wrap_text=True)
    sheet.row_dimensions[2].height = 32
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    editable = PatternFill("solid", fgColor="FFF7CC")
    for indicator in data.indicators:
        append_row(
            sheet,
            [
                indicator.code,
                indicator.name_zh,
                indicator.unit,
                *[_number(data.values.get((indicator.pk, year))) for year in data.years],
                "",
            ],
        )
        row = sheet.max_row
        for col in range(first_year_col, note_col + 1):
            cell = sheet.cell(row=row, column=col)
            cell.protection = Protection(locked=False)
            cell.fill = editable
    if data.indicators:
        # Excel and LibreOffice refuse text in the value cells; negative numbers only for growth rates.
        rows = [(HEADER_ROW + 1 + n, allows_negative(ind)) for n, ind in enumerate(data.indicators)]
        non_negative = DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            showErrorMessage=True,
            errorTitle=_("Not a number"),
            error=_("Enter a number (not negative), or leave the cell empty."),
        )
        any_number = DataValidation(
            type="decimal",
            operator="between",
            formula1="-1E+13",
            formula2="1E+13",
            showErrorMessage=True,
            errorTitle=_("Not a number"),
            error=_("Enter a number, or leave the cell empty."),
        )
        for row, negative_ok in rows:
            span = f"{get_column_letter(first_year_col)}{row}:{get_column_letter(last_year_col)}{row}"
            (any_number if negative_ok else non_negative).add(span)
        for validation in (non_negative, any_number):
            if validation.sqref:
                sheet.add_data_validation(validation)
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 8
    for col in range(first_year_col, last_year_col + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 11
    sheet.column_dimensions[get_column_letter(note_col)].width = 30
    sheet.freeze_panes = f"D{HEADER_ROW + 1}"
    # The header and the indicator columns are locked (no password: it guards against slips, not people).
    sheet.protection.sheet = True
    sheet.protection.formatCells = False
    sheet.protection.formatColumns = False
    print_setup(sheet, header_row=HEADER_ROW)  # A4 landscape, fitted to the width, the header on every page
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_csv(region: Region) -> bytes:
    """The same table as CSV, UTF-8 with a BOM so that Excel shows the Chinese text correctly."""
    data = template_data(region)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(_title(data))])
    writer.writerow([safe_text(text) for text in _header(data)])
    for indicator in data.indicators:
        values = [data.values.get((indicator.pk, year)) for year in data.years]
        writer.writerow(
            [
                *[safe_text(text) for text in (indicator.code, indicator.name_zh, indicator.unit)],
                *["" if v is None else plain(v) for v in values],  # numbers: "-1.5" stays a number
                "",
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
