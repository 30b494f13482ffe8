"""Text bound for a spreadsheet cell, safe to open: never run as a formula (OWASP CSV injection: a cell starting
with = + - @, a tab or a carriage return gets a leading apostrophe), without the control characters a workbook
cannot hold. Here, below both of its users: the evaluation workbook (plans.evaluation) and every download of the
dashboard (dashboard.downloads)."""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def safe_text(text: str) -> str:
    """Text a spreadsheet will never run as a formula, without the control characters a workbook cannot hold
    (a form feed from a PDF's page break would make the export fail)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
