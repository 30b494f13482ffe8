"""Parsing a spreadsheet's bytes into rows of cells: the part that hands untrusted data to native readers.

It runs in a child process (imports.sandbox) whose memory and time are bounded, so a file that makes
python-calamine ask for terabytes, abort or panic costs that child, not the web worker. Nothing here uses Django:
the child imports only this module, and says why it refused with a Refusal code that the web process turns into a
message (imports.reading). Text cells come back cleaned of control characters (imports.values.clean_text).
"""

from __future__ import annotations

import csv
import io
import pickle
import re
import resource
import sys
import zipfile
from decimal import Decimal
from typing import Any, NamedTuple

import python_calamine
from defusedxml import ElementTree

from imports.values import clean_text
from indicators.numbers import plain

Rows = list[list[Any]]
# What the child sends back; also what the parent's restricted unpickler accepts (imports.sandbox).
MAX_RESULT_BYTES = 96 * 1024 * 1024
MAX_DETAIL = 200


class Refusal(Exception):
    """Why a file cannot be read: a code and its parameters; imports.reading words the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


class Limits(NamedTuple):
    """What one file may hold (from settings; passed to the child, which has no Django)."""

    rows: int
    columns: int
    cells: int


def detail(exc: BaseException) -> str:
    """An exception as a short, clean text for a message (library messages can be long or hold bytes)."""
    text = clean_text(str(exc) or type(exc).__name__).strip()
    return text[:MAX_DETAIL] + ("…" if len(text) > MAX_DETAIL else "")


def parse(data: bytes, file_format: str, limits: Limits) -> list[tuple[str, Rows]]:
    """(sheet name, rows) for each sheet worth reading, text cleaned. Raises Refusal."""
    sheets = _read_csv(data) if file_format == "csv" else _read_workbook(data, file_format, limits)
    total = sum(len(rows) for _, rows in sheets)
    if total > limits.rows:
        raise Refusal("rows", rows=total, limit=limits.rows)
    cells = sum(len(row) for _, rows in sheets for row in rows)
    if cells > limits.cells:
        widest = max(len(row) for _, rows in sheets for row in rows)
        raise Refusal("cells", rows=total, columns=widest, limit=limits.cells)
    for _, rows in sheets:
        for row in rows:
            for index, cell in enumerate(row):
                if type(cell) is str and not cell.isprintable():
                    row[index] = clean_text(cell)
    return [(clean_text(name), rows) for name, rows in sheets]


# ---------------------------------------------------------------------------------------------------------------
# Workbooks: python-calamine.
# ---------------------------------------------------------------------------------------------------------------

# Built-in number formats 9 ("0%") and 10 ("0.00%").
_PERCENT_BUILTIN_FORMATS = {9, 10}
_CELL = re.compile(rb"<c\s([^>]*)>")
_ATTR = re.compile(rb'\b(r|s|t)="([^"]*)"')
_REF = re.compile(r"([A-Z]+)([0-9]+)")
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _is_percent_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\\.', "", code)  # quoted text and escaped characters are not the % operator
    return "%" in code


def xlsx_percent_cells(data: bytes) -> dict[str, set[tuple[int, int]]]:
    """Cells shown as percentages, by sheet name → {(row, column)} (0-based). Excel stores "2.5%" typed in a
    cell as 0.025 with a percent format, and readers return 0.025: the importer must read what the user saw.
    Only the styles are parsed unless some style is a percentage, so ordinary files cost almost nothing."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = set(archive.namelist())
    if "xl/styles.xml" not in names:
        return {}
    styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
    percent_formats = set(_PERCENT_BUILTIN_FORMATS)
    for fmt in styles.iterfind("m:numFmts/m:numFmt", _NS):
        if _is_percent_format(fmt.get("formatCode", "")):
            percent_formats.add(int(fmt.get("numFmtId", "-1")))
    percent_styles = {
        str(index).encode()
        for index, xf in enumerate(styles.iterfind("m:cellXfs/m:xf", _NS))
        if int(xf.get("numFmtId", "0")) in percent_formats
    }
    if not percent_styles:
        return {}
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iterfind("rel:Relationship", _NS)}
    found: dict[str, set[tuple[int, int]]] = {}
    for sheet in workbook.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        if path not in names:
            continue
        cells = set()
        for match in _CELL.finditer(archive.read(path)):
            attrs = dict(_ATTR.findall(match.group(1)))
            if attrs.get(b"s") in percent_styles and attrs.get(b"t", b"n") == b"n" and b"r" in attrs:
                ref = _REF.fullmatch(attrs[b"r"].decode())
                if ref:
                    column = 0
                    for letter in ref.group(1):
                        column = column * 26 + ord(letter) - 64
                    cells.add((int(ref.group(2)) - 1, column - 1))
        if cells:
            found[clean_text(sheet.get("name", ""))] = cells
    return found


def _as_shown(rows: Rows, cells: set[tuple[int, int]]) -> None:
    """Turn the stored fractions of percent-formatted cells into the text the user saw: 0.025 → "2.5%"."""
    for row, column in cells:
        if row < len(rows) and column < len(rows[row]):
            value = rows[row][column]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                rows[row][column] = f"{plain(Decimal(repr(float(value))) * 100)}%"


def _read_workbook(data: bytes, file_format: str, limits: Limits) -> list[tuple[str, Rows]]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if str(meta.visible) != str(python_calamine.SheetVisibleEnum.Visible) or str(meta.typ) != str(
                python_calamine.SheetTypeEnum.WorkSheet
            ):
                continue  # hidden sheets and chart sheets hold no table the user meant to upload
            sheet = workbook.get_sheet_by_name(meta.name)
            # to_python(skip_empty_area=False) fills the area from A1 to the last cell: its size, checked before
            # it is built (total_height/width are the last row's and column's indexes).
            height, width = sheet.total_height + 1, sheet.total_width + 1
            if height > limits.rows:
                raise Refusal("rows", rows=height, limit=limits.rows)
            if width > limits.columns:
                raise Refusal("columns", columns=width, limit=limits.columns)
            if height * width > limits.cells:
                raise Refusal("cells", rows=height, columns=width, limit=limits.cells)
            # skip_empty_area=False keeps the leading blank rows and columns, so row numbers match the program's.
            sheets.append((clean_text(meta.name), sheet.to_python(skip_empty_area=False)))
        if file_format == "xlsx":
            percent = xlsx_percent_cells(data)
            for name, rows in sheets:
                _as_shown(rows, percent.get(name, set()))
        return sheets
    except python_calamine.PasswordError as exc:
        raise Refusal("password") from exc
    except (Refusal, MemoryError):
        raise
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine raises unrelated types for damaged files, and panics (PanicException)
        raise Refusal("damaged", detail=detail(exc)) from exc


# ---------------------------------------------------------------------------------------------------------------
# Text files.
# ---------------------------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK, what Chinese Excel writes)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return data.decode("gb18030")


def _read_csv(data: bytes) -> list[tuple[str, Rows]]:
    try:
        text = decode_text(data)
    except UnicodeError as exc:
        raise Refusal("encoding") from exc
    sample = text[:20000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    try:
        rows: Rows = [row for row in csv.reader(io.StringIO(text), dialect)]
    except (csv.Error, ValueError, TypeError) as exc:
        raise Refusal("csv", detail=detail(exc)) from exc
    return [("", rows)]


# ---------------------------------------------------------------------------------------------------------------
# The child's side: `python -m imports.parsing FORMAT ROWS COLUMNS CELLS MEMORY SECONDS`, the file on stdin, one
# pickled message on stdout (started by imports.sandbox).
# ---------------------------------------------------------------------------------------------------------------


def _bound(memory_bytes: int, seconds: int) -> None:
    """Limits the child sets on itself before it reads the file. The parent kills it at the wall-clock deadline;
    the CPU limit also ends it should the parent die first. Its output may not grow past what the parent accepts,
    and an abort leaves no core file."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds + 1, seconds + 2))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_RESULT_BYTES + 65536, MAX_RESULT_BYTES + 65536))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_main(argv: list[str]) -> None:
    """Parse the file on stdin and write one pickled message: ("ok", sheets, peak KB) or ("refused", code,
    params, peak KB)."""
    file_format = argv[0]
    rows, columns, cells, memory, seconds = (int(value) for value in argv[1:6])
    _bound(memory, seconds)
    message: tuple[Any, ...]
    try:
        data = sys.stdin.buffer.read()
        message = ("ok", parse(data, file_format, Limits(rows, columns, cells)))
    except Refusal as refusal:
        message = ("refused", refusal.code, refusal.params)
    except MemoryError:
        message = ("refused", "memory", {})
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # anything else a reader raises, PanicException included
        message = ("refused", "damaged", {"detail": detail(exc)})
    data = b""
    payload = _pickled(message)
    del message  # the rows, before a refusal is pickled in their place
    if payload is None:
        payload = pickle.dumps(("refused", "memory", {}, _peak_kb()))
    sys.stdout.buffer.write(payload)
    sys.stdout.buffer.flush()


def _pickled(message: tuple[Any, ...]) -> bytes | None:
    """The message, or None when it cannot be pickled within the memory limit or is too big to send back."""
    try:
        payload = pickle.dumps((*message, _peak_kb()), protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        return None
    return payload if len(payload) <= MAX_RESULT_BYTES else None


if __name__ == "__main__":
    child_main(sys.argv[1:])
