"""What reading a file in a bounded child costs: imports.reading.read_file on a 50-row and a 50 000-row long-format
.xlsx (and the same as .csv), best of --repeat runs (the least disturbed by other load), against the same parse
in this process.

    .venv/bin/python bench/reader_overhead.py [--code DIR] [--repeat 7]

With --code DIR (another checkout, e.g. `git archive main | tar -x -C DIR`) read_file is that checkout's: the
reading path before the child process, for the same files. Prints one line per file and method.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["行政区划代码", "指标代码", "年份", "数值", "来源"]


def rows(count: int) -> list[list[Any]]:
    return [HEADERS] + [
        [410100 + i % 17 * 100, f"ind_{i % 113}", 2000 + i % 30, 1.5 + i, "统计公报"] for i in range(count)
    ]


def xlsx(data: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("指标")
    for row in data:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv(data: list[list[Any]]) -> bytes:
    return "\r\n".join(",".join(str(cell) for cell in row) for row in data).encode()


def best(function: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def in_process_line(reading: Any, data: bytes, kind: str, seconds: float, repeat: int) -> str:
    """The same checks and parse without the child, for the overhead."""
    from imports import parsing, prechecks

    limits = reading.limits()

    def in_process() -> None:
        if kind == "xlsx":
            prechecks.inspect_zip(data, limits, 200 * 1024 * 1024)
        parsing.parse(data, kind, limits)

    here = best(in_process, repeat)
    checks = best(lambda: prechecks.inspect_zip(data, limits, 1 << 28), repeat) if kind == "xlsx" else 0.0
    return (
        f"  same work in-process {here * 1000:7.1f} ms  (prechecks {checks * 1000:5.1f} ms)"
        f"  child overhead {(seconds - here) * 1000:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", default=str(ROOT))
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, args.code)
    os.chdir(args.code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from imports import reading

    bounded = hasattr(reading, "limits")
    for count in (50, 50_000):
        table = rows(count)
        for kind, data in (("xlsx", xlsx(table)), ("csv", csv(table))):
            label = f"{count:>6} rows {kind:4} {len(data) / 1024:8.0f} KB"
            seconds = best(lambda data=data: reading.read_file(data), args.repeat)
            line = f"{label}  read_file {'(child)' if bounded else '(old)'} {seconds * 1000:7.1f} ms"
            if bounded:
                line += in_process_line(reading, data, kind, seconds, args.repeat)
            print(line, flush=True)


if __name__ == "__main__":
    main()
