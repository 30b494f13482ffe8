"""The cells of every file the application writes (CSV, .xlsx, the admin's exports): text is never run as a formula.

Spreadsheet programs run a cell whose text begins with = + - or @ (OWASP "CSV injection"), and Excel also one
that begins with a tab or a carriage return, or has spaces or invisible characters (zero-width space, BOM) in
front, or uses the full-width forms Chinese input methods type (＝ ＋ － ＠). Such text gets a leading
apostrophe, which the programs show as text. Only text is escaped: numbers (negative ones too) stay numbers.

Every writer goes through here, the one place that decides: the upload templates (imports.template), the
dashboard's downloads and the evaluation workbook (dashboard.downloads) and the admin's exports
(cities.resources.SafeExportResource, the base of every resource). It lives in the lowest app, and imports
nothing of the project, so that every app may use it — the regions' own admin export included.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = frozenset("=+-@")  # compared after NFKC, which folds ＝＋－＠ (and ﹦﹢﹣﹫) onto these
CONTROL_STARTS = frozenset("\t\r")
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_LENGTH = 31


def _invisible(char: str) -> bool:
    # Whitespace (also U+3000, no-break space) and format characters (U+200B..U+200F, U+2060.., U+FEFF, bidi
    # marks): a program skips them when it decides whether a cell is a formula.
    return char.isspace() or unicodedata.category(char) == "Cf"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet program could take the text for a formula."""
    for char in text:
        if char in CONTROL_STARTS:
            return True
        if not _invisible(char):
            return unicodedata.normalize("NFKC", char)[:1] in FORMULA_STARTS
    return False


def neutralise(text: str) -> str:
    """The text, with a leading apostrophe when a spreadsheet could run it as a formula."""
    return "'" + text if formula_like(text) else text


def restore(text: str) -> str:
    """neutralise undone: the apostrophe it added, taken off (an export edited and imported back)."""
    return text[1:] if text.startswith("'") and formula_like(text[1:]) else text


def safe_text(text: str) -> str:
    """Text for a cell: neutralised, without the control characters a workbook cannot hold (a form feed from a
    PDF's page break would make the whole file fail)."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", text))


# Inside a text (between two visible characters): a run of whitespace holding a line break, or of two or more.
_INNER_BREAKS = re.compile(r"(?<=\S)(?:\s*[\r\n]\s*|\s{2,})(?=\S)")


def one_line(text: str) -> str:
    """Text for a report's cell: the stray line breaks and repeated spaces a document's layout leaves inside a quote
    ("重大\n\n科技基础设施", "研究  院") become one space, trailing whitespace goes; the words stay exactly as
    written. What comes before the first visible character is left alone: it is the formula check's business
    (neutralise), and a tab or a carriage return there keeps its apostrophe."""
    return _INNER_BREAKS.sub(" ", text).rstrip()


def paragraphs(text: str) -> str:
    """Text written in paragraphs (a city's explanation): each line as one_line, blank lines dropped, the line
    breaks between paragraphs kept."""
    return "\n".join(line for line in (one_line(part).strip() for part in text.splitlines()) if line)


# The stored precision of every value (indicators.Observation.value: six decimals): a computed figure is written
# to it, so a file never shows a float's noise (8584.400000000001).
STORED_PLACES = 6


def exact(value: float) -> float:
    """A value in an indicator's unit rounded to the stored precision, negative zero as zero."""
    return round(value, STORED_PLACES) + 0.0


def noise_free(value: float) -> float:
    """A computed share or rate without a float's noise (0.3479999999999997 → 0.348): twelve significant digits,
    far beyond what any figure means and short of where binary fractions show."""
    return float(f"{value:.12g}") + 0.0


def print_setup(sheet: Worksheet, *, header_row: int = 1) -> None:
    """Every sheet we write prints as a report: A4 landscape, fitted to the page's width (as many pages down as it
    takes), the header row (`header_row`) repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_options.gridLines = False


def safe_value(value: Any) -> Any:
    """A value for a cell: numbers, booleans, dates and None as they are (a number that is not finite becomes
    None: no program reads NaN), anything else as safe text."""
    if value is None or isinstance(value, bool | int | datetime.date | datetime.time):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return safe_text(str(value))


def append_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """openpyxl's sheet.append with every value made safe and every text cell typed as text: openpyxl itself
    stores any string beginning with "=" as a live formula."""
    cells: list[Any] = []
    for value in values:
        value = safe_value(value)
        if isinstance(value, str):
            cell = Cell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    sheet.append(cells)


def sheet_title(name: str, taken: Iterable[str] = (), *, fallback: str = "Sheet") -> str:
    """A title Excel accepts for a sheet named after `name`: without [ ] : * ? / \\ and control characters, not
    beginning or ending with an apostrophe, at most 31 characters, not empty, not "History" (reserved), and
    different from the `taken` ones (Excel compares titles ignoring case)."""
    title = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    title = SHEET_TITLE_FORBIDDEN.sub("", title).strip().strip("'").strip()[:SHEET_TITLE_LENGTH].strip()
    if not title or title.casefold() == "history":
        title = fallback
    used = {t.casefold() for t in taken}
    candidate, number = title, 2
    while candidate.casefold() in used:
        suffix = f" ({number})"
        candidate = title[: SHEET_TITLE_LENGTH - len(suffix)].rstrip("' ") + suffix
        number += 1
    return candidate
