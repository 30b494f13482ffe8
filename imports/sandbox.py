"""Running imports.parsing in a child process whose memory and time are bounded.

One child per file read: `python -m imports.parsing` with the file on stdin and one pickled message on stdout,
both temporary files (no pipe to deadlock on, and a child that writes too much is stopped by its own RLIMIT_FSIZE
rather than filling this process's memory). The child limits its own address space (RLIMIT_AS) and CPU time; this
process kills it at the wall-clock deadline. Whatever happens in the child (an allocation of 550 GB that aborts, a
Rust panic, a segfault, an endless loop), the caller gets a Reading or a Refusal.

A plain subprocess rather than multiprocessing: the forkserver and spawn methods make every child import the
parent's main script again (manage.py, gunicorn's, pytest's), and a subprocess's stderr can be read to tell an
allocation failure from other crashes.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from imports.parsing import MAX_RESULT_BYTES, Limits, Refusal, Rows

ROOT = Path(__file__).resolve().parent.parent
# -E -s: no PYTHON* variables, no user site-packages: the child runs the project's code and nothing else.
COMMAND = [sys.executable, "-E", "-s", "-m", "imports.parsing"]
STDERR_KEPT = 4096


@dataclass
class Reading:
    sheets: list[tuple[str, Rows]]
    seconds: float
    child_peak_kb: int


class _CellUnpickler(pickle.Unpickler):
    """Only the types cells hold: a child whose reader was subverted must not get this process to run code."""

    ALLOWED = frozenset({("datetime", name) for name in ("datetime", "date", "time", "timedelta")})

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def run(data: bytes, file_format: str, limits: Limits, *, memory_bytes: int, seconds: int) -> Reading:
    """Parse in a child. Raises Refusal: the reader's own ("damaged", "rows"…) or "memory", "timeout", "crashed"
    (with the exit code and the start of the child's stderr among its params)."""
    arguments = [file_format, *(str(n) for n in (*limits, memory_bytes, seconds))]
    started = time.monotonic()
    with (
        tempfile.TemporaryFile() as stdin,
        tempfile.TemporaryFile() as stdout,
        tempfile.TemporaryFile() as stderr,
    ):
        stdin.write(data)
        stdin.seek(0)
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [*COMMAND, *arguments], stdin=stdin, stdout=stdout, stderr=stderr, cwd=ROOT, close_fds=True
        )
        try:
            exitcode = _wait(child, seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            raise Refusal("timeout", limit=seconds, stderr=_tail(stderr)) from None
        except BaseException:  # KeyboardInterrupt while waiting: leave no child behind
            child.kill()
            child.wait()
            raise
        elapsed = time.monotonic() - started
        size = os.fstat(stdout.fileno()).st_size
        if exitcode != 0 or not 0 < size <= MAX_RESULT_BYTES:
            raise _death(exitcode, _tail(stderr), seconds, memory_bytes)
        stdout.seek(0)
        try:
            message = _CellUnpickler(stdout).load()
        except Exception as exc:
            raise Refusal("crashed", exitcode=exitcode, stderr=f"unreadable message: {exc!r}"[:STDERR_KEPT]) from exc
    return _reading(message, elapsed)


def _wait(child: subprocess.Popen[bytes], seconds: int) -> int:
    """The child's exit status, TimeoutExpired after `seconds`. Popen.wait(timeout) polls, sleeping up to 50 ms
    between looks (a tenth of a small file's whole read); a pidfd wakes this process the moment the child ends."""
    try:
        pidfd = os.pidfd_open(child.pid)
    except (AttributeError, OSError):  # not Linux ≥ 5.3
        return child.wait(timeout=seconds)
    try:
        ready, _, _ = select.select([pidfd], [], [], seconds)
    finally:
        os.close(pidfd)
    if not ready:
        raise subprocess.TimeoutExpired(child.args, seconds)
    return child.wait()


def _tail(stream: IO[bytes]) -> str:
    stream.seek(0)
    return stream.read(STDERR_KEPT).decode("utf-8", "replace")


def _death(exitcode: int, stderr: str, seconds: int, memory_bytes: int) -> Refusal:
    """Why a child that sent nothing ended."""
    if exitcode == -signal.SIGXCPU:
        return Refusal("timeout", limit=seconds, exitcode=exitcode, stderr=stderr)
    # Rust aborts when RLIMIT_AS refuses an allocation ("memory allocation of N bytes failed"), and Python may
    # run out while starting to handle its MemoryError; a SIGKILL that is not ours is the kernel's OOM killer.
    if (
        exitcode in (-signal.SIGABRT, -signal.SIGKILL)
        or "memory allocation of" in stderr
        or "MemoryError" in stderr
        or exitcode == -signal.SIGXFSZ
    ):
        return Refusal("memory", limit=memory_bytes // (1024 * 1024), exitcode=exitcode, stderr=stderr)
    return Refusal("crashed", exitcode=exitcode, stderr=stderr)


def _reading(message: Any, elapsed: float) -> Reading:
    """The child's message, checked for shape (it came from a process that parsed hostile bytes)."""
    if isinstance(message, tuple) and len(message) == 4 and message[0] == "refused" and isinstance(message[2], dict):
        raise Refusal(str(message[1]), **message[2])
    if isinstance(message, tuple) and len(message) == 3 and message[0] == "ok" and isinstance(message[1], list):
        sheets = message[1]
        if all(
            isinstance(sheet, tuple)
            and len(sheet) == 2
            and isinstance(sheet[0], str)
            and isinstance(sheet[1], list)
            and all(isinstance(row, list) for row in sheet[1])
            for sheet in sheets
        ):
            return Reading(sheets, elapsed, int(message[2]))
    raise Refusal("crashed", exitcode=0, stderr="unexpected message")
