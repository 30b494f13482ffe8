"""Reading an uploaded file into sheets of cells, whatever program wrote it, without letting the file harm the
process that reads it.

The format is decided from the bytes, not the file name (a renamed file is common). Then, in this process: the
upload size, and for zip-based workbooks what the members really unpack to and how far the sheets reach
(imports.prechecks). The parsing itself (python-calamine for workbooks, which returns formula cells as their last
computed value; the csv module for text) runs in a child process with bounded memory and time (imports.sandbox,
imports.parsing). Every way a file can fail — a refusal of the checks, an exception or panic of a reader, a child
that ran out of memory, out of time or crashed — ends as one ImportRejected with a message in Chinese and English,
logged on "imports.reading" with the file's SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from imports import sandbox
from imports.parsing import Limits, Refusal, detail
from imports.prechecks import inspect_zip
from imports.problems import ImportRejected

logger = logging.getLogger("imports.reading")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted (password-protected) xlsx is an OLE container holding this stream.
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
TOO_MANY_ROWS = _("The file has %(rows)s rows; at most %(limit)s can be imported at once. Split it into smaller files.")
NOT_A_SPREADSHEET = _("This is not a spreadsheet: use an .xlsx, .xls, .ods or .csv file.")
PASSWORD = _("The workbook is password-protected. Remove the password (save a copy without it) and upload again.")
DAMAGED = _("The file is damaged and cannot be opened (%(detail)s).")

# Refusal codes (imports.parsing, imports.prechecks, imports.sandbox) → the message users read.
MESSAGES: dict[str, Promise] = {
    "damaged": DAMAGED,
    "password": PASSWORD,
    "not_spreadsheet": NOT_A_SPREADSHEET,
    "rows": TOO_MANY_ROWS,
    "columns": _(
        "The file has %(columns)s columns; at most %(limit)s can be imported. Delete the unused columns or split it."
    ),
    "cells": _(
        "The file spans %(rows)s rows by %(columns)s columns, more than the %(limit)s cells that can be imported at "
        "once. Delete the unused rows and columns, or split it."
    ),
    "unpacked": _(
        "The workbook would unpack to %(size)s MB, more than the %(limit)s MB allowed; it is refused as "
        "unsafe. Save it again from your office program or split it."
    ),
    "unpacked_really": _(
        "The workbook unpacks to more than the %(limit)s MB allowed, though its directory says less; it is refused "
        "as unsafe. Save it again from your office program or split it."
    ),
    "members": _("The workbook holds %(count)s parts, more than the %(limit)s allowed; it is refused as unsafe."),
    "encoding": _("The text file's encoding is not recognised (tried UTF-8 and GB18030/GBK). Save it as CSV UTF-8."),
    "csv": _("The CSV file cannot be read (%(detail)s)."),
    "memory": _(
        "The file could not be read safely: it needs more memory than the %(limit)s MB allowed. Save it again from "
        "your office program, or split it."
    ),
    "timeout": _(
        "The file could not be read safely: reading it took longer than the %(limit)s seconds allowed. Save it "
        "again from your office program, or split it."
    ),
    "crashed": _(
        "The file could not be read safely: it is damaged. Save it again from your office program and upload the "
        "new copy."
    ),
}


# Refusal parameters for the log, not for the message.
LOG_ONLY = frozenset({"exitcode", "stderr"})


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]


def limits() -> Limits:
    return Limits(rows=settings.IMPORT_MAX_ROWS, columns=settings.IMPORT_MAX_COLUMNS, cells=settings.IMPORT_MAX_CELLS)


def sniff_format(data: bytes) -> str:
    """'xlsx', 'ods', 'xls' or 'csv', from the content; a zip-based workbook is also checked (imports.prechecks).
    Raises ImportRejected for anything else, Refusal for what the checks refuse."""
    if not data.strip():
        raise ImportRejected(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return inspect_zip(data, limits(), settings.IMPORT_MAX_UNCOMPRESSED_BYTES)
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise ImportRejected(PASSWORD)
        return "xls"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text, what Excel's "Unicode text" writes
    if b"\x00" in data[:8192]:
        raise ImportRejected(NOT_A_SPREADSHEET)
    return "csv"


def read_file(data: bytes) -> tuple[str, list[Sheet]]:
    """The file's format and its sheets, text cleaned of control characters. Raises ImportRejected when it cannot
    be read; never anything else (KeyboardInterrupt and SystemExit aside)."""
    if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise ImportRejected(
            _("The file is %(size)s MB; at most %(limit)s MB may be uploaded."),
            size=round(len(data) / (1024 * 1024), 1),
            limit=round(settings.IMPORT_MAX_UPLOAD_BYTES / (1024 * 1024), 1),
        )
    file_format = ""
    try:
        file_format = sniff_format(data)
        reading = sandbox.run(
            data,
            file_format,
            limits(),
            memory_bytes=settings.IMPORT_READER_MEMORY_BYTES,
            seconds=settings.IMPORT_READER_TIMEOUT_SECONDS,
        )
    except ImportRejected:
        raise
    except Refusal as refusal:
        _log_refusal(data, file_format, refusal)
        params = {key: value for key, value in refusal.params.items() if key not in LOG_ONLY}
        raise ImportRejected(MESSAGES.get(refusal.code, MESSAGES["crashed"]), **params) from refusal
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # a bug of ours or of a library at this boundary: still a refusal, never a 500
        logger.exception("import file %s (%s) failed to read", _sha256(data), file_format or "?")
        raise ImportRejected(DAMAGED, detail=detail(exc)) from exc
    logger.debug(
        "import file %s (%s) read in %.3f s, reader child peak %d MB",
        _sha256(data),
        file_format,
        reading.seconds,
        reading.child_peak_kb // 1024,
        extra={"read_seconds": reading.seconds, "child_peak_kb": reading.child_peak_kb},
    )
    return file_format, [Sheet(name, rows) for name, rows in reading.sheets]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _log_refusal(data: bytes, file_format: str, refusal: Refusal) -> None:
    # The reader's own failures are worth a look (a hostile file, or a reader bug); the limits doing their job are not.
    level = logging.WARNING if refusal.code in ("memory", "timeout", "crashed", "damaged") else logging.INFO
    logger.log(
        level,
        "import file %s (%s) refused: %s %s",
        _sha256(data),
        file_format or "?",
        refusal.code,
        refusal.params,
        extra={"refusal": refusal.code},
    )
