"""Hostile files: each one of the findings that took a worker down or ended in a 500 is now one clear refusal (or
a preview), nothing written; the reader's child process is bounded whatever it meets; text cells lose their
control characters the same way on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import logging
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlwt
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from pytest_django.fixtures import SettingsWrapper

from imports import prechecks, reading, sandbox
from imports.parsing import Limits, Refusal
from imports.problems import ImportRejected
from imports.service import TOO_MANY_VALUES, build_preview, commit, save_pending
from tests.mutations import (
    XLS_ABORT,
    XLS_PANIC,
    edit_member,
    ods_leading_empty_rows,
    ods_repeated,
    ods_trailing_repeats,
    rezip,
    xls_flipped,
    xlsx_deeply_nested,
    xlsx_far_cell,
    xlsx_understated,
    zip_bomb,
    zip_members,
    zip_unusual,
)
from tests.spreadsheets import csv_bytes, db_state, imported, long, refused, stored, texts, xlsx_bytes

pytestmark = pytest.mark.django_db

SAFELY = "could not be read safely"


def _chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


@pytest.mark.parametrize(
    ("build", "words"),
    [
        pytest.param(xlsx_far_cell, "1048576 rows", id="xlsx-cell-at-XFD1048576"),
        pytest.param(lambda: xlsx_far_cell("XFD2"), "16384 columns", id="xlsx-cell-at-XFD2"),
        pytest.param(ods_repeated, "100000002 rows", id="ods-rows-repeated-100000000"),
        pytest.param(lambda: ods_repeated("1", "100000000"), "100000004 columns", id="ods-columns-repeated"),
        pytest.param(ods_leading_empty_rows, "200003 rows", id="ods-empty-rows-repeated-before-the-table"),
        pytest.param(lambda: xlsx_far_cell("ALL2500"), "2500 rows by 1000 columns", id="xlsx-area-over-the-cells"),
        pytest.param(lambda: xls_flipped(XLS_ABORT), SAFELY, id="xls-flipped-abort"),
        pytest.param(lambda: xls_flipped(XLS_PANIC), "damaged", id="xls-flipped-panic"),
        pytest.param(lambda: zip_unusual("method"), "damaged", id="zip-unknown-compression"),
        pytest.param(lambda: zip_unusual("header"), "not a spreadsheet", id="zip-broken-local-header"),
    ],
)
def test_a_hostile_file_is_one_clear_refusal(build: Any, words: str, alice: User) -> None:
    data = build()
    assert len(data) < 8000  # small files, each one took a worker down or ended in a 500
    [problem] = refused(data, "hostile.xlsx", user=alice)
    assert words in problem.text_en
    assert _chinese(problem.text_zh)


def test_a_zip_directory_that_understates_a_sheet_is_refused_by_what_it_really_unpacks_to(
    settings: SettingsWrapper, alice: User
) -> None:
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    data = xlsx_understated(3 * 1024 * 1024)
    assert len(data) < 20_000
    [problem] = refused(data, "understated.xlsx", user=alice)
    assert "though its directory says less" in problem.text_en
    assert "1 MB" in problem.text_en
    assert "目录" in problem.text_zh


def test_an_honest_zip_bomb_is_refused_before_it_is_inflated(settings: SettingsWrapper, alice: User) -> None:
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 8 * 1024 * 1024
    data = zip_bomb(members=4, size=4 * 1024 * 1024)
    [problem] = refused(data, "bomb.xlsx", user=alice)
    assert "would unpack to 16 MB" in problem.text_en


def test_a_local_name_that_is_not_utf8_is_read_or_refused_never_a_crash(alice: User) -> None:
    preview = build_preview(zip_unusual("name"), "name.ods", user=alice)
    assert preview.items or len(preview.errors) == 1


def test_a_zip_of_many_thousand_parts_is_refused_before_its_directory_is_read(alice: User) -> None:
    members = zip_members(xlsx_bytes(long(["郑州市", "研发投入强度", 2023, 2.5])))
    members.update({f"xl/media/empty{index}.bin": b"" for index in range(5000)})
    started = time.monotonic()
    [problem] = refused(rezip(members), "parts.xlsx", user=alice)
    assert "5009 parts" in problem.text_en
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/styles.xml"])
def test_deeply_nested_xml_is_read_or_refused_never_a_crash(part: str, alice: User) -> None:
    before = db_state()
    preview = build_preview(xlsx_deeply_nested(200_000, part), "nested.xlsx", user=alice)
    assert preview.items or preview.errors
    assert db_state() == before


def test_the_empty_rows_and_columns_libreoffice_repeats_are_not_refused(alice: User) -> None:
    preview = build_preview(ods_trailing_repeats(), "libreoffice.ods", user=alice)
    assert texts(preview) == []
    assert [item.value for item in preview.items] == [Decimal("2.31"), Decimal("2.45"), Decimal("2.6")]


def test_the_web_page_answers_a_hostile_upload_with_the_refusal(charlie_client: Client) -> None:
    for data in (xlsx_far_cell(), xls_flipped(XLS_ABORT), xls_flipped(XLS_PANIC), zip_unusual("method")):
        response = charlie_client.post("/imports/", {"file": SimpleUploadedFile("hostile.xlsx", data)})
        assert response.status_code == 200
        html = response.content.decode()
        assert "rows" in html or SAFELY in html or "damaged" in html


# ---------------------------------------------------------------------------------------------------------------
# The child process: bounded, and nothing it sends can hurt the parent.
# ---------------------------------------------------------------------------------------------------------------

LIMITS = Limits(rows=100_000, columns=1000, cells=2_000_000)


def test_the_child_is_bounded_even_where_the_checks_would_not_see_it() -> None:
    # Straight to the child, past the structural checks: the 550 GB allocation dies there, not here.
    with pytest.raises(Refusal) as refusal:
        sandbox.run(xlsx_far_cell(), "xlsx", LIMITS, memory_bytes=512 * 1024 * 1024, seconds=20)
    assert refusal.value.code == "memory"
    assert "memory allocation" in refusal.value.params["stderr"]


def _child(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    monkeypatch.setattr(sandbox, "COMMAND", [sys.executable, "-c", code])


def test_a_child_that_hangs_is_killed_at_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    _child(monkeypatch, "import time; time.sleep(60)")
    started = time.monotonic()
    with pytest.raises(Refusal) as refusal:
        sandbox.run(b"a,b\n", "csv", LIMITS, memory_bytes=1 << 30, seconds=1)
    assert refusal.value.code == "timeout"
    assert time.monotonic() - started < 10


@pytest.mark.parametrize(
    ("code", "refusal"),
    [
        ("import os; os.abort()", "memory"),
        ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "crashed"),
        ("import sys; sys.exit(3)", "crashed"),
        ("import sys; sys.stdout.buffer.write(b'not a pickle')", "crashed"),
        ("import pickle, sys; sys.stdout.buffer.write(pickle.dumps(('ok', 'rows?', 1)))", "crashed"),
    ],
)
def test_a_child_that_dies_or_talks_nonsense_is_a_refusal(
    code: str, refusal: str, monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper
) -> None:
    _child(monkeypatch, code)
    with pytest.raises(Refusal) as raised:
        sandbox.run(b"a,b\n", "csv", LIMITS, memory_bytes=1 << 30, seconds=10)
    assert raised.value.code == refusal
    with pytest.raises(ImportRejected) as rejected:
        reading.read_file(b"a,b\n")
    assert SAFELY in rejected.value.problem.text_en or "damaged" in rejected.value.problem.text_en


def test_a_child_cannot_make_the_parent_run_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = (
        "import os, pickle, sys\n"
        "class Evil:\n"
        f"    def __reduce__(self): return (os.system, ('touch {marker}',))\n"
        "sys.stdout.buffer.write(pickle.dumps(('ok', [('s', [[Evil()]])], 1)))\n"
    )
    _child(monkeypatch, payload)
    with pytest.raises(Refusal) as refusal:
        sandbox.run(b"a,b\n", "csv", LIMITS, memory_bytes=1 << 30, seconds=10)
    assert refusal.value.code == "crashed"
    assert not marker.exists()


class FakePanic(BaseException):
    """What pyo3_runtime.PanicException is: a BaseException, which `except Exception` does not catch."""


def test_a_base_exception_at_the_boundary_is_a_logged_refusal(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def panic(*args: Any, **kwargs: Any) -> str:
        raise FakePanic("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(reading, "inspect_zip", panic)
    data = xlsx_bytes(long(["郑州市", "研发投入强度", 2023, 2.5]))
    with caplog.at_level(logging.WARNING, logger="imports.reading"), pytest.raises(ImportRejected) as rejected:
        reading.read_file(data)
    assert "damaged" in rejected.value.problem.text_en
    [record] = [r for r in caplog.records if r.name == "imports.reading"]
    assert build_preview(data, "x", user=None).sha256 in record.getMessage()

    def interrupt(*args: Any, **kwargs: Any) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(reading, "inspect_zip", interrupt)
    with pytest.raises(KeyboardInterrupt):
        reading.read_file(data)


def test_a_reader_failure_is_logged_with_the_files_sha256(caplog: pytest.LogCaptureFixture, alice: User) -> None:
    data = xls_flipped(XLS_ABORT)
    with caplog.at_level(logging.WARNING, logger="imports.reading"):
        preview = build_preview(data, "flipped.xls", user=alice)
    assert preview.errors
    messages = [r.getMessage() for r in caplog.records if r.name == "imports.reading"]
    assert any(preview.sha256 in message and "memory" in message for message in messages), messages


def test_the_preview_reads_through_the_child_and_the_commit_reads_nothing(
    monkeypatch: pytest.MonkeyPatch, alice: User
) -> None:
    calls = []
    real = sandbox.run

    def counted(*args: Any, **kwargs: Any) -> sandbox.Reading:
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(sandbox, "run", counted)
    data = csv_bytes(long(["郑州市", "研发投入强度", 2023, 2.5]))
    record = save_pending(build_preview(data, "a.csv", user=alice), data, user=alice)
    assert calls == ["csv"]
    # The confirmation writes the values the preview read (its stored reading): the file is not parsed again.
    commit(record, user=alice)
    assert calls == ["csv"]


def test_the_structural_checks_keep_memory_flat() -> None:
    # Inflating and scanning happen in chunks: a sheet of 40 MB is checked without ever being held.
    data = xlsx_understated(40 * 1024 * 1024)
    tracemalloc.start()
    try:
        assert prechecks.inspect_zip(data, LIMITS, 200 * 1024 * 1024) == "xlsx"
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


def test_more_values_than_allowed_are_refused(settings: SettingsWrapper, alice: User) -> None:
    settings.IMPORT_MAX_VALUES = 5
    rows = long(*[["郑州市", "研发投入强度", year, 2.5] for year in range(2016, 2022)])
    [problem] = refused(csv_bytes(rows), "a.csv", user=alice)
    assert "more than 5 values" in problem.text_en
    assert _chinese(problem.text_zh)


# ---------------------------------------------------------------------------------------------------------------
# Control characters in text cells: cleaned, identically on both databases.
# ---------------------------------------------------------------------------------------------------------------

LONG_NOTE = (
    "快报数，" * 1100
)  # 13 KB in UTF-8, 8.8 KB in GB18030: the NUL comes past the first 8 KB, where sniffing does not look
DIRTY_NOTE = LONG_NOTE + "\x00含\x1b控制\x85字符\r\n第二行\t制表"
CLEAN_NOTE = LONG_NOTE + "含控制字符\n第二行\t制表"
DIRTY_SOURCE = "郑州市\x00统计局\x07"
CLEAN_SOURCE = "郑州市统计局"
DIRTY_ROWS: list[list[Any]] = [
    ["地区", "指标", "年份", "数值", "备注", "来源"],
    ["郑州\x1f市", "研发投入\x1f强度", 2023, 2.5, DIRTY_NOTE, DIRTY_SOURCE],
]


def _xls_dirty() -> bytes:
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("指标\x01")
    for r, row in enumerate(DIRTY_ROWS):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_dirty() -> bytes:
    # openpyxl refuses control characters: they are put into the XML afterwards, as a hostile writer would.
    rows = [row[:] for row in DIRTY_ROWS]
    rows[1][0], rows[1][1], rows[1][4], rows[1][5] = "郑州市", "研发投入强度", "NOTE", "SOURCE"
    data = xlsx_bytes(rows)
    dirty_note = DIRTY_NOTE.replace("\r\n", "\n").encode()  # XML turns a CR LF into LF before any reader
    return edit_member(
        data,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(b"NOTE", dirty_note).replace(b"SOURCE", DIRTY_SOURCE.encode()),
    )


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: csv_bytes(DIRTY_ROWS), id="csv"),
        pytest.param(lambda: csv_bytes(DIRTY_ROWS, "gb18030"), id="csv-gb18030"),
        pytest.param(_xls_dirty, id="xls"),
        pytest.param(_xlsx_dirty, id="xlsx"),
    ],
)
def test_control_characters_in_text_cells_are_dropped_and_the_value_is_stored(build: Any, alice: User) -> None:
    data = build()
    if not data.startswith((b"PK", b"\xd0\xcf")):  # in a text file the NUL is past where sniffing looks
        assert b"\x00" not in data[:8192]
        assert b"\x00" in data
    preview, record = imported(data, "a\x00.csv", user=alice)
    [item] = preview.items
    assert (item.region.adcode, item.indicator.code) == ("410100", "rd_intensity")
    observation = stored("410100", "rd_intensity", 2023)
    assert observation is not None
    assert observation.note == CLEAN_NOTE
    assert observation.source == CLEAN_SOURCE
    assert observation.value == Decimal("2.5")
    assert record.file_name == "a.csv"


def test_a_nul_in_the_file_name_is_dropped_from_the_default_source(alice: User) -> None:
    data = csv_bytes(long(["郑州市", "研发投入强度", 2023, 2.5]))
    imported(data, "年报\x00.csv", user=alice)
    observation = stored("410100", "rd_intensity", 2023)
    assert observation is not None
    assert observation.source == "年报.csv"


def test_every_refusal_of_the_reader_has_its_chinese_text() -> None:
    with translation.override("zh-hans"):
        for message in [*reading.MESSAGES.values(), TOO_MANY_VALUES]:
            assert _chinese(str(message)), message
