"""Hostile spreadsheets, made from the real files of tests/spreadsheets.py: the ones each finding reported, and the
mutations the fuzz test (tests/imports/test_fuzz.py) and `make fuzz` (bench/fuzz_import.py) draw from.

Nothing here needs Django's database: the fuzz script's driver imports it to build cases."""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from collections.abc import Callable
from typing import Any

import openpyxl

from tests.spreadsheets import WIDE, csv_bytes, long, ods_bytes, wide, xls_bytes, xlsx_bytes

# ---------------------------------------------------------------------------------------------------------------
# Zip surgery.
# ---------------------------------------------------------------------------------------------------------------


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(members: dict[str, bytes], *, stored: tuple[str, ...] = ("mimetype",)) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def edit_member(data: bytes, name: str, edit: Callable[[bytes], bytes]) -> bytes:
    members = zip_members(data)
    members[name] = edit(members[name])
    return rezip(members)


def patch_sizes(data: bytes, name: str, uncompressed: int, *, local_too: bool = True) -> bytes:
    """The zip with `name`'s uncompressed size rewritten in the central directory (and its local header): the
    directory lies, the data does not."""
    patched = bytearray(data)
    encoded = name.encode()
    position = 0
    while (position := patched.find(b"PK\x01\x02", position)) >= 0:
        name_length = struct.unpack_from("<H", patched, position + 28)[0]
        if bytes(patched[position + 46 : position + 46 + name_length]) == encoded:
            struct.pack_into("<I", patched, position + 24, uncompressed)
            if local_too:
                local = struct.unpack_from("<I", patched, position + 42)[0]
                struct.pack_into("<I", patched, local + 22, uncompressed)
        position += 4
    return bytes(patched)


# ---------------------------------------------------------------------------------------------------------------
# The findings, one builder each.
# ---------------------------------------------------------------------------------------------------------------


def xlsx_far_cell(ref: str = "XFD1048576") -> bytes:
    """A tiny workbook with one value far away: the reader would build the rectangle from A1 to it."""
    workbook = openpyxl.Workbook()
    sheet: Any = workbook.active
    sheet["A1"] = "指标名称"
    sheet[ref] = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ods_repeated(rows: str = "100000000", columns: str | None = None) -> bytes:
    """A LibreOffice file whose data row says it repeats `rows` times (and its value cell `columns` times)."""
    data = ods_bytes(wide(["研发投入强度", "%", 2.31, 2.45, 2.6]))

    def edit(content: bytes) -> bytes:
        rows_seen = 0

        def row(match: re.Match[bytes]) -> bytes:
            nonlocal rows_seen
            rows_seen += 1
            return (
                match.group(0)[:-1] + f' table:number-rows-repeated="{rows}">'.encode()
                if rows_seen == 3
                else match.group(0)
            )

        content = re.sub(rb"<table:table-row[^>/]*>", row, content)
        if columns is not None:
            content = content.replace(
                b'<table:table-cell office:value-type="float"',
                f'<table:table-cell table:number-columns-repeated="{columns}" office:value-type="float"'.encode(),
                1,
            )
        return content

    return edit_member(data, "content.xml", edit)


def ods_leading_empty_rows(rows: int = 200_000) -> bytes:
    """Empty rows repeated before the table: calamine keeps them (the table starts below them), so they count."""
    data = ods_bytes(wide(["研发投入强度", "%", 2.31, 2.45, 2.6]))
    empty = f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell/></table:table-row>'.encode()
    return edit_member(
        data, "content.xml", lambda xml: xml.replace(b"<table:table-row", empty + b"<table:table-row", 1)
    )


def ods_trailing_repeats() -> bytes:
    """What LibreOffice itself writes: a million empty rows and a thousand empty columns repeated after the data.
    Nothing to refuse."""
    data = ods_bytes(wide(["研发投入强度", "%", 2.31, 2.45, 2.6]))

    def edit(content: bytes) -> bytes:
        empty_row = (
            b'<table:table-row table:number-rows-repeated="1048570">'
            b'<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        )
        content = content.replace(
            b"</table:table-row>", b'<table:table-cell table:number-columns-repeated="1019"/></table:table-row>'
        )
        return content.replace(b"</table:table>", empty_row + b"</table:table>", 1)

    return edit_member(data, "content.xml", edit)


def xlsx_understated(padding: int) -> bytes:
    """A real workbook whose sheet is padded to `padding` bytes (whitespace, compressed to almost nothing) while
    the zip directory says the sheet is 2 KB."""
    data = xlsx_bytes(WIDE)
    sheet = "xl/worksheets/sheet1.xml"
    data = edit_member(data, sheet, lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * padding, 1))
    return patch_sizes(data, sheet, 2048)


def zip_bomb(members: int = 12, size: int = 100 * 1024 * 1024) -> bytes:
    """A workbook of honest members that each inflate from ~100 KB to 100 MB."""
    base = zip_members(xlsx_bytes(WIDE))
    zeros = bytes(size)
    for index in range(members):
        base[f"xl/media/image{index}.bin"] = zeros
    return rezip(base)


def xlsx_deeply_nested(depth: int = 200_000, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A workbook with `depth` nested elements inside one part (a sheet, or the styles parsed by ElementTree)."""
    data = xlsx_bytes(WIDE)
    nest = b"<x>" * depth + b"</x>" * depth
    anchor = b"<sheetData>" if part.endswith("sheet1.xml") else b"<fonts"
    return edit_member(data, part, lambda xml: xml.replace(anchor, nest + anchor, 1))


# Byte flips of xls_bytes(WIDE) that made python-calamine 0.5.3 abort asking for 155 GB–2.2 TB (ABORT) and panic
# (PANIC): (offset, new byte).
XLS_ABORT = ((5366, 66), (3542, 242))
XLS_PANIC = ((4616, 128), (3871, 174), (2292, 1))


def flipped(data: bytes, flips: tuple[tuple[int, int], ...]) -> bytes:
    mutable = bytearray(data)
    for offset, value in flips:
        mutable[offset] = value
    return bytes(mutable)


def xls_flipped(flips: tuple[tuple[int, int], ...]) -> bytes:
    return flipped(xls_bytes(WIDE), flips)


def zip_unusual(kind: str) -> bytes:
    """LibreOffice files whose sniffing raised out of the old reader when it read the "mimetype" member:
    NotImplementedError (an unknown compression method), UnicodeDecodeError (a local name flagged UTF-8 that is
    not), BadZipFile (a broken local header)."""
    data = bytearray(ods_bytes(WIDE))
    assert data.startswith(b"PK\x03\x04") and data[30:38] == b"mimetype"  # the first member, as ODF requires
    directory = data.find(b"PK\x01\x02")
    if kind == "method":
        struct.pack_into("<H", data, 8, 99)
        struct.pack_into("<H", data, directory + 10, 99)
    elif kind == "name":
        struct.pack_into("<H", data, 6, struct.unpack_from("<H", data, 6)[0] | 0x800)
        data[30] = 0xFF
    elif kind == "header":
        data[2:4] = b"\x07\x08"
    return bytes(data)


# ---------------------------------------------------------------------------------------------------------------
# Mutations for the fuzzers: each takes the bytes of a real file and a Random, returns new bytes.
# ---------------------------------------------------------------------------------------------------------------

HUGE = ("0", "1048576", "1048577", "100000000", "4294967295", "4294967296", "99999999999999999999", "-1", "x")


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    mutable = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 3, 8, 32))):
        mutable[rng.randrange(len(mutable))] = rng.randrange(256)
    return bytes(mutable)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def splice(data: bytes, rng: random.Random) -> bytes:
    """A slice of the file copied elsewhere in it, or removed."""
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.randrange(1, 512))
    at = rng.randrange(len(data))
    if rng.random() < 0.5:
        return data[:at] + data[start:end] + data[at:]
    return data[:start] + data[end:]


def _xml_members(data: bytes) -> dict[str, bytes] | None:
    try:
        members = zip_members(data)
    except Exception:  # not a zip (any more): the byte-level mutations apply
        return None
    return members if any(name.endswith(".xml") for name in members) else None


def _numbers_in_attributes(xml: bytes, rng: random.Random) -> bytes:
    """Attribute values that are numbers or cell references swapped for huge or silly ones."""
    targets = list(re.finditer(rb'(r|ref|number-rows-repeated|number-columns-repeated|numFmtId|s)="([^"]*)"', xml))
    if not targets:
        return xml
    out = bytearray(xml)
    for match in sorted(rng.sample(targets, min(len(targets), rng.choice((1, 2, 5)))), key=lambda m: -m.start(2)):
        name = match.group(1)
        if name in (b"r", b"ref"):
            value = rng.choice(("XFD1048576", "A1048576", "XFD1", "ZZZZ1", "A99999999999", "A0", "", "A1:XFD1048576"))
        else:
            value = rng.choice(HUGE)
        out[match.start(2) : match.end(2)] = value.encode()
    return bytes(out)


def edit_xml_member(data: bytes, rng: random.Random) -> bytes:
    """One XML part of a zip-based workbook edited: byte flips, huge numbers in attributes, a huge repeat or
    dimension added, nesting, a control character, the part truncated, removed or duplicated."""
    members = _xml_members(data)
    if members is None:
        return flip_bytes(data, rng)
    names = [name for name in members if name.endswith(".xml")]
    sheets = [name for name in names if "sheet" in name or name == "content.xml"] or names
    name = rng.choice(sheets if rng.random() < 0.7 else names)
    xml = members[name]
    action = rng.randrange(9)
    if action == 0:
        xml = flip_bytes(xml, rng)
    elif action == 1:
        xml = _numbers_in_attributes(xml, rng)
    elif action == 2:
        xml = re.sub(
            rb"<table:table-row(?=[\s>])",
            f'<table:table-row table:number-rows-repeated="{rng.choice(HUGE)}"'.encode(),
            xml,
            count=rng.randint(1, 3),
        )
        xml = re.sub(rb'<c r="', b'<c r="' + rng.choice((b"XF", b"AAA", b"")), xml, count=1)
    elif action == 3:
        xml = xml.replace(
            b"<table:table-cell ",
            f'<table:table-cell table:number-columns-repeated="{rng.choice(HUGE)}" '.encode(),
            rng.randint(1, 3),
        )
        xml = re.sub(
            rb'<dimension ref="[^"]*"', f'<dimension ref="A1:{rng.choice(("XFD1048576", "Z9"))}"'.encode(), xml
        )
    elif action == 4:
        depth = rng.choice((1000, 50_000))
        at = xml.find(b">", xml.find(b">") + 1) + 1
        xml = xml[:at] + b"<x>" * depth + b"</x>" * depth + xml[at:]
    elif action == 5:
        xml = xml.replace(b"<t>", b"<t>_x0000__x001B_\x1b", 1).replace(b"<text:p>", b"<text:p>\x1b", 1)
    elif action == 6:
        xml = xml[: rng.randrange(len(xml) + 1)]
    elif action == 7:
        del members[name]
        return rezip(members)
    else:
        members[name + "x"] = xml
    members[name] = xml
    return rezip(members)


def lie_in_directory(data: bytes, rng: random.Random) -> bytes:
    """A member's sizes rewritten in the zip directory (and maybe its local header): too small, too big, zero."""
    members = _xml_members(data)
    if members is None:
        return truncate(data, rng)
    name = rng.choice(list(members))
    size = rng.choice((0, 1, 100, len(members[name]) // 2, 2**31, 2**32 - 1))
    return patch_sizes(data, name, size, local_too=rng.random() < 0.5)


def text_noise(data: bytes, rng: random.Random) -> bytes:
    """For text files: NUL and other control characters, quotes, delimiters and long fields put in."""
    pieces = [b"\x00", b"\x1b", b"\x85", b"\xc2\x85", b'"', b",", b"\t", b"\r", b"\n", b"\xff\xfe", b"a" * 5000]
    mutable = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(mutable) + 1)
        mutable[at:at] = rng.choice(pieces)
    return bytes(mutable)


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "flip": flip_bytes,
    "truncate": truncate,
    "splice": splice,
    "xml-member": edit_xml_member,
    "zip-directory": lie_in_directory,
    "text-noise": text_noise,
}

# The real files mutated: every format, both layouts.
BASES: dict[str, Callable[[], bytes]] = {
    "xlsx": lambda: xlsx_bytes(WIDE, number_formats={"C4": "0.0%"}),
    "xlsx-long": lambda: xlsx_bytes(long(["郑州市", "研发投入强度", 2023, 2.5], ["开封市", "研发投入强度", 2023, 1.9])),
    "xls": lambda: xls_bytes(WIDE),
    "ods": lambda: ods_bytes(WIDE),
    "csv": lambda: csv_bytes(WIDE),
    "csv-gbk": lambda: csv_bytes(long(["郑州市", "研发投入强度", 2023, 2.5]), "gbk"),
    "tsv-utf16": lambda: csv_bytes(WIDE, "utf-16", "\t"),
}


def mutate(data: bytes, rng: random.Random, rounds: int = 1) -> tuple[bytes, list[str]]:
    """`rounds` mutations drawn at random; their names, for the report."""
    names = []
    for _ in range(rounds):
        if len(data) < 2:
            break  # nothing left to mutate
        name = rng.choice(list(MUTATIONS))
        data = MUTATIONS[name](data, rng) or data[:1]
        names.append(name)
    return data, names
