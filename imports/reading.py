"""Reading an uploaded file into sheets of cells, whatever program wrote it.

The format is decided from the bytes, not the file name (a renamed file is common). Bounds are checked before
any parser sees the data: size, declared uncompressed size of zip-based workbooks (zip bombs), row count.
Workbooks are read with python-calamine, which returns formula cells as their last computed value.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import python_calamine
from defusedxml import ElementTree
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from imports.problems import ImportRejected
from indicators.numbers import plain

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted (password-protected) xlsx is an OLE container holding this stream.
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
TOO_MANY_ROWS = _("The file has %(rows)s rows; at most %(limit)s can be imported at once. Split it into smaller files.")


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]


def sniff_format(data: bytes) -> str:
    """'xlsx', 'ods', 'xls' or 'csv', from the content. Raises ImportRejected for anything else."""
    if not data.strip():
        raise ImportRejected(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise ImportRejected(
                _("The workbook is password-protected. Remove the password (save a copy without it) and upload again.")
            )
        return "xls"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text, what Excel's "Unicode text" writes
    if b"\x00" in data[:8192]:
        raise ImportRejected(_("This is not a spreadsheet: use an .xlsx, .xls, .ods or .csv file."))
    return "csv"


def _sniff_zip(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRejected(_("The file is damaged and cannot be opened (%(detail)s)."), detail=exc) from exc
    declared = sum(member.file_size for member in members)
    if declared > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise ImportRejected(
            _(
                "The workbook would unpack to %(size)s MB, more than the %(limit)s MB allowed; it is refused as "
                "unsafe. Save it again from your office program or split it."
            ),
            size=declared // (1024 * 1024),
            limit=settings.IMPORT_MAX_UNCOMPRESSED_BYTES // (1024 * 1024),
        )
    names = {member.filename for member in members}
    if "mimetype" in names:
        mimetype = archive.read("mimetype")[:100]
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
    if "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names):
        return "xlsx"
    raise ImportRejected(_("This is not a spreadsheet: use an .xlsx, .xls, .ods or .csv file."))


def read_file(data: bytes) -> tuple[str, list[Sheet]]:
    """The file's format and its sheets. Raises ImportRejected when it cannot be read."""
    if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ImportRejected(
            _("The file is %(size)s MB; at most %(limit)s MB may be uploaded."),
            size=round(len(data) / (1024 * 1024), 1),
            limit=round(settings.IMPORT_MAX_UPLOAD_BYTES / (1024 * 1024), 1),
        )
    file_format = sniff_format(data)
    sheets = _read_csv(data) if file_format == "csv" else _read_workbook(data, file_format)
    total = sum(len(sheet.rows) for sheet in sheets)
    if total > settings.IMPORT_MAX_ROWS:
        raise ImportRejected(
            TOO_MANY_ROWS,
            rows=total,
            limit=settings.IMPORT_MAX_ROWS,
        )
    return file_format, sheets


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
            found[sheet.get("name", "")] = cells
    return found


def _as_shown(rows: list[list[Any]], cells: set[tuple[int, int]]) -> None:
    """Turn the stored fractions of percent-formatted cells into the text the user saw: 0.025 → "2.5%"."""
    for row, column in cells:
        if row < len(rows) and column < len(rows[row]):
            value = rows[row][column]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                rows[row][column] = f"{plain(Decimal(repr(float(value))) * 100)}%"


def _read_workbook(data: bytes, file_format: str) -> list[Sheet]:
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for meta in workbook.sheets_metadata:
            if str(meta.visible) != str(python_calamine.SheetVisibleEnum.Visible) or str(meta.typ) != str(
                python_calamine.SheetTypeEnum.WorkSheet
            ):
                continue  # hidden sheets and chart sheets hold no table the user meant to upload
            sheet = workbook.get_sheet_by_name(meta.name)
            if sheet.total_height > settings.IMPORT_MAX_ROWS:
                raise ImportRejected(
                    TOO_MANY_ROWS,
                    rows=sheet.total_height,
                    limit=settings.IMPORT_MAX_ROWS,
                )
            # skip_empty_area=False keeps the leading blank rows and columns, so row numbers match the program's.
            sheets.append(Sheet(meta.name, sheet.to_python(skip_empty_area=False)))
        if file_format == "xlsx":
            percent = xlsx_percent_cells(data)
            for read in sheets:
                _as_shown(read.rows, percent.get(read.name, set()))
        return sheets
    except python_calamine.PasswordError as exc:
        raise ImportRejected(
            _("The workbook is password-protected. Remove the password (save a copy without it) and upload again.")
        ) from exc
    except ImportRejected:
        raise
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise ImportRejected(_("The file is damaged and cannot be opened (%(detail)s)."), detail=exc) from exc


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
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            _("The text file's encoding is not recognised (tried UTF-8 and GB18030/GBK). Save it as CSV UTF-8.")
        ) from exc


def _read_csv(data: bytes) -> list[Sheet]:
    try:
        text = decode_text(data)
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            _("The text file's encoding is not recognised (tried UTF-8 and GB18030/GBK). Save it as CSV UTF-8.")
        ) from exc
    sample = text[:20000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel_tab if sample.count("\t") > sample.count(",") else csv.excel
    try:
        rows: list[list[Any]] = [row for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise ImportRejected(_("The CSV file cannot be read (%(detail)s)."), detail=exc) from exc
    return [Sheet("", rows)]
