"""Cheap structural checks of a zip-based workbook (xlsx, ods) in the web process, before any reader sees it.

The zip directory is not trusted: every member is inflated here in chunks, counting what really comes out, and the
file is refused as soon as that passes IMPORT_MAX_UNCOMPRESSED_BYTES (a directory that says 2 KB for a sheet of
2 GB got past the old check, which added up the declared sizes). While inflating, the sheets are scanned for how far
they reach, because python-calamine builds the whole rectangle from A1 to the farthest cell (one cell at
XFD1048576 is 17 billion cells): cell references in xlsx, repeated rows and columns in ods. Nothing is kept but
counters, so memory stays flat. What the scan cannot see (xls, cells without references) is still bounded by the
reader's child process (imports.sandbox).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import Protocol

from imports.parsing import Limits, Refusal, detail

MB = 1024 * 1024
MAX_MEMBERS = 2000  # an Excel or LibreOffice workbook has a few dozen parts, a few hundred with many pictures
IN_CHUNK = 256 * 1024
OUT_CHUNK = 1024 * 1024
# A tag cut by a chunk boundary is carried over; one longer than this is not a tag a program writes.
MAX_CARRY = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s22xHH")
# The largest sheet the formats allow: a declared dimension beyond it is damage, not data.
GRID_ROWS, GRID_COLUMNS = 1_048_576, 16_384


class _Scanner(Protocol):
    def feed(self, chunk: bytes) -> None: ...

    def close(self) -> None: ...


class _Ignore:
    def feed(self, chunk: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def inspect_zip(data: bytes, limits: Limits, max_unpacked: int) -> str:
    """'xlsx' or 'ods' after the checks; raises Refusal."""
    # Counted before zipfile reads the directory: it spends seconds on a hundred thousand entries. Every entry
    # starts with this signature, so the count is at least the number of entries.
    entries = data.count(b"PK\x01\x02")
    if entries > MAX_MEMBERS:
        raise Refusal("members", count=entries, limit=MAX_MEMBERS)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception as exc:  # BadZipFile, UnicodeDecodeError in a name, ValueError, struct.error, …
        raise Refusal("damaged", detail=detail(exc)) from exc
    if len(members) > MAX_MEMBERS:
        raise Refusal("members", count=len(members), limit=MAX_MEMBERS)
    declared = sum(member.file_size for member in members)
    if declared > max_unpacked:
        raise Refusal("unpacked", size=declared // MB, limit=max_unpacked // MB)
    budget = _Budget(max_unpacked)
    file_format = _format(data, members, budget)
    for member in members:
        scanner = _scanner_for(file_format, member.filename, limits)
        for chunk in _inflate(data, member, budget):
            scanner.feed(chunk)
        scanner.close()
    return file_format


def _format(data: bytes, members: list[zipfile.ZipInfo], budget: _Budget) -> str:
    names = {member.filename for member in members}
    mimetype = next((member for member in members if member.filename == "mimetype"), None)
    if mimetype is not None:
        head = b""
        for chunk in _inflate(data, mimetype, budget, stop_after=100):
            head += chunk
        if head.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
    if "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names):
        return "xlsx"
    raise Refusal("not_spreadsheet")


class _Budget:
    """What all members together may really unpack to."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise Refusal("unpacked_really", limit=self.limit // MB)


def _inflate(data: bytes, member: zipfile.ZipInfo, budget: _Budget, stop_after: int | None = None) -> Iterator[bytes]:
    """The member's content in chunks, located and sized as the readers do (local header, then the directory's
    compressed size), whatever the directory says it unpacks to. A member that cannot be inflated yields what
    came out before the damage: the reader fails on it as well, so it can unpack no more."""
    if member.flag_bits & 0x1:
        raise Refusal("damaged", detail="encrypted zip member")
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Refusal("damaged", detail=f"zip compression method {member.compress_type}")
    header = data[member.header_offset : member.header_offset + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size:
        return
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    if signature != b"PK\x03\x04":
        return
    start = member.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    raw = memoryview(data)[start : start + member.compress_size]
    produced = 0
    if member.compress_type == zipfile.ZIP_STORED:
        for position in range(0, len(raw), OUT_CHUNK):
            chunk = bytes(raw[position : position + OUT_CHUNK])
            budget.take(len(chunk))
            yield chunk
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for position in range(0, len(raw), IN_CHUNK):
        piece: bytes = bytes(raw[position : position + IN_CHUNK])
        while piece:
            try:
                chunk = inflater.decompress(piece, OUT_CHUNK)
            except zlib.error:
                return
            budget.take(len(chunk))
            produced += len(chunk)
            if chunk:
                yield chunk
            if inflater.eof or (stop_after is not None and produced >= stop_after):
                return
            piece = inflater.unconsumed_tail
    return


def _scanner_for(file_format: str, name: str, limits: Limits) -> _Scanner:
    lowered = name.lower()
    if file_format == "xlsx" and lowered.endswith(".xml"):
        # Every XML part, not only xl/worksheets/: the relationships may point a sheet anywhere in the zip.
        return _XlsxReach(limits)
    if file_format == "ods" and lowered == "content.xml":
        return _OdsReach(limits)
    return _Ignore()


def _check(rows: int, columns: int, limits: Limits) -> None:
    if rows > limits.rows:
        raise Refusal("rows", rows=rows, limit=limits.rows)
    if columns > limits.columns:
        raise Refusal("columns", columns=columns, limit=limits.columns)
    if rows * columns > limits.cells:
        raise Refusal("cells", rows=rows, columns=columns, limit=limits.cells)


class _Carry:
    """Feeds whole tags to `scan`: the text after the last '<' of a chunk waits for the next one."""

    def __init__(self) -> None:
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        buffer = self.carry + chunk if self.carry else chunk
        cut = buffer.rfind(b"<")
        if cut < 0:
            self.carry = b""
            return
        self.scan(buffer[:cut])
        self.carry = buffer[cut:] if len(buffer) - cut <= MAX_CARRY else b""

    def close(self) -> None:
        if self.carry:
            self.scan(self.carry)
            self.carry = b""
        self.finish()

    def scan(self, text: bytes) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        raise NotImplementedError


# A cell with a reference; a self-closing one (no value, only a style) does not count, as calamine skips it.
_XLSX_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br\s*=\s*[\"']([A-Za-z]{1,8})([0-9]{1,12})[\"'][^>]*?(/?)>")
# The same for `<c r="A1" ...>`, the form every common writer uses; `[^>/]*>` leaves out the self-closing ones.
_USUAL_ROWS = re.compile(rb'<c r="[A-Za-z]{1,8}([0-9]{1,12})"[^>/]*>')
_USUAL_COLUMNS = re.compile(rb'<c r="([A-Za-z]{1,8})[0-9]{1,12}"[^>/]*>')
_XLSX_DIMENSION = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref\s*=\s*[\"'](?:[A-Za-z]*[0-9]*:)?([A-Za-z]*)([0-9]*)[\"']"
)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


class _XlsxReach(_Carry):
    """The farthest row and column any cell of one part reaches (1-based)."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self.limits = limits
        self.rows = 0
        self.letters: set[bytes] = set()

    def scan(self, text: bytes) -> None:
        if b"<dimension" in text or b":dimension" in text:
            for letters, digits in _XLSX_DIMENSION.findall(text):
                # calamine only reserves room from the dimension (below 100 000 cells), and Excel counts formatted
                # empty cells in it: only one outside the format's grid is refused.
                if (digits and int(digits) > GRID_ROWS) or _column_number(letters) > GRID_COLUMNS:
                    raise Refusal("damaged", detail=f"sheet dimension {(letters + digits).decode()}")
        usual = text.count(b'<c r="')
        if usual < text.count(b"<c ") + text.count(b":c "):
            # Another writer's form (r not the first attribute, a namespace prefix): the general pattern.
            refs = [(letters, digits) for letters, digits, empty in _XLSX_CELL.findall(text) if not empty]
            if refs:
                self.rows = max(self.rows, max(int(digits) for _, digits in refs))
                self.letters.update(letters for letters, _ in refs)
        elif usual:
            # What Excel, LibreOffice, openpyxl and XlsxWriter write: two passes in C, no loop over the cells.
            self.rows = max(self.rows, max(map(int, _USUAL_ROWS.findall(text)), default=0))
            self.letters.update(_USUAL_COLUMNS.findall(text))

    def finish(self) -> None:
        columns = max((_column_number(letters) for letters in self.letters), default=0)
        _check(self.rows, columns, self.limits)


_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_ROWS_REPEATED = re.compile(rb"number-rows-repeated\s*=\s*[\"']\s*([0-9]{1,12})")
_COLUMNS_REPEATED = re.compile(rb"number-columns-repeated\s*=\s*[\"']\s*([0-9]{1,12})")


ROW_END = b"</table:table-row>"


class _OdsReach:
    """How far each table of content.xml reaches once its repeated rows and columns are spread out, as calamine
    does. Repeated empty rows and cells at the end (LibreOffice writes a million of them) spread to nothing.

    The part is split at the rows' ends; only a row that repeats something is looked at tag by tag, so an ordinary
    row costs a few operations in C. A row longer than MAX_CARRY switches the rest of the part to tags."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.tail = b""
        self.tags: _OdsTags | None = None
        self._table()

    def _table(self) -> None:
        self.row = 0  # rows before the current one
        self.rows = 0  # end of the last row holding a value
        self.columns = 0
        self.row_repeat = 1
        self.column = 0
        self.row_reach = 0

    def feed(self, chunk: bytes) -> None:
        if self.tags is not None:
            self.tags.feed(chunk)
            return
        buffer = self.tail + chunk if self.tail else chunk
        *rows, self.tail = buffer.split(ROW_END)
        for piece in rows:
            start = piece.rfind(b"<table:table-row")
            if start < 0 or b"repeated" in piece or b"table:table" in piece[:start]:
                # A repeat, or a table's start or end before the row: tag by tag.
                self.scan_tags(piece + ROW_END)
                continue
            row = piece[start:]
            self.row_repeat, self.column, self.row_reach = 1, 0, 0
            if b"value-type" in row or b"formula" in row or b"<text:" in row:
                # Every cell counts, trailing empty ones too: a little more than calamine keeps, never less.
                self.row_reach = row.count(b"<table:table-cell") + row.count(b"<table:covered-table-cell")
            self._end_row()
        if len(self.tail) > MAX_CARRY:
            self.tags = _OdsTags(self)
            self.tags.feed(self.tail)
            self.tail = b""

    def close(self) -> None:
        if self.tags is not None:
            self.tags.close()
        elif self.tail:
            self.scan_tags(self.tail)
        self.finish()

    def scan_tags(self, text: bytes) -> None:
        for closing, name, attributes, empty in _ODS_TAG.findall(text):
            if name == b"table-cell" or name == b"covered-table-cell":
                if closing:
                    continue
                repeat = 1
                if b"repeated" in attributes:
                    found = _COLUMNS_REPEATED.search(attributes)
                    repeat = int(found.group(1)) if found else 1
                self.column += repeat
                if not empty or b"value-type" in attributes or b"formula" in attributes:
                    self.row_reach = self.column
            elif name == b"table-row":
                if closing:
                    self._end_row()
                    continue
                repeat = 1
                if b"repeated" in attributes:
                    found = _ROWS_REPEATED.search(attributes)
                    repeat = int(found.group(1)) if found else 1
                self.row_repeat, self.column, self.row_reach = repeat, 0, 0
                if empty:
                    self._end_row()
            else:  # a table begins or ends
                self.finish()
                self._table()

    def _end_row(self) -> None:
        if self.row_reach:
            self.rows = self.row + self.row_repeat
            self.columns = max(self.columns, self.row_reach)
        self.row += self.row_repeat
        self.row_repeat, self.column, self.row_reach = 1, 0, 0

    def finish(self) -> None:
        _check(self.rows, self.columns, self.limits)


class _OdsTags(_Carry):
    """The rest of a part, tag by tag (after a row too long to take whole)."""

    def __init__(self, reach: _OdsReach) -> None:
        super().__init__()
        self.reach = reach

    def scan(self, text: bytes) -> None:
        self.reach.scan_tags(text)

    def finish(self) -> None:
        pass
