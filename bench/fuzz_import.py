"""Fuzzing the importer's reading path: thousands of mutated real files through build_preview.

    .venv/bin/python bench/fuzz_import.py [--cases 3000] [--seed 1] [--code DIR] [--label after]

Cases are real files of every format (tests/spreadsheets.py) mutated by tests/mutations.py (byte flips,
truncations, splices, zip member edits, huge dimensions and repeats, lying zip directories, control characters),
plus the hand-made hostile files of the findings. Each case goes to a worker process that stands in for a web
worker: Django set up on a SQLite database holding the plans, `build_preview(data, name, user=None)` called, and
the outcome sent back: accepted (a preview without errors), refused (a preview with errors: ImportRejected's one
problem, or the checks'), an unhandled exception, or the worker's death (an abort: killed by a signal; a hang: no
answer within --case-timeout). A dead worker is replaced and the run goes on. The worker runs under RLIMIT_AS
--worker-memory (4 GiB) so that the old code's 12 GB growths end as a failure of that case, not of the machine.

--code DIR runs the worker on another checkout (`git archive main | tar -x -C DIR` for the code before a change)
with the same cases; --label names the run in the report. The report, with the previous run of another label
beside it when bench/results/fuzz-runs.json has one, goes to bench/results/fuzz-<YYYYMMDD-HHMM>.md and
fuzz-latest.md. Peak memory: the worker's (the web process) and its reader children's (RUSAGE_CHILDREN).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pickle
import platform
import random
import resource
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
RUNS = RESULTS / "fuzz-runs.json"
GiB = 1024**3


# ---------------------------------------------------------------------------------------------------------------
# Worker: one process, many cases, until it dies.
# ---------------------------------------------------------------------------------------------------------------


def worker(code: Path, database: str) -> None:
    sys.path.insert(0, str(code))
    os.chdir(code)
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import logging

    from imports.problems import ImportRejected  # noqa: F401 - the old and new code both have it
    from imports.service import build_preview
    from indicators.models import ActualsImport, Observation, ObservationChange

    logging.getLogger("imports.reading").setLevel(logging.CRITICAL)  # refusals are counted, not printed
    logging.getLogger("django").setLevel(logging.CRITICAL)

    def state() -> tuple[int, int, int]:
        return Observation.objects.count(), ObservationChange.objects.count(), ActualsImport.objects.count()

    source, sink = sys.stdin.buffer, sys.stdout
    before = state()
    while True:
        header = source.read(4)
        if len(header) < 4:
            return
        case_id, name, data = pickle.loads(source.read(struct.unpack("<I", header)[0]))  # noqa: S301 - our driver
        started = time.perf_counter()
        result: dict[str, Any] = {"id": case_id}
        try:
            preview = build_preview(data, name, user=None)
        except BaseException as exc:
            result.update(outcome="unhandled", error=f"{type(exc).__module__}.{type(exc).__name__}: {exc}"[:300])
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
        else:
            result.update(
                outcome="refused" if preview.errors else "accepted",
                message=preview.errors[0].text_en[:160] if preview.errors else "",
            )
        result["seconds"] = time.perf_counter() - started
        result["rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result["children_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        now = state()
        result["wrote"] = now != before
        before = now
        sink.write(json.dumps(result) + "\n")
        sink.flush()


# ---------------------------------------------------------------------------------------------------------------
# Driver.
# ---------------------------------------------------------------------------------------------------------------


def build_cases(count: int, seed: int) -> list[tuple[str, str, bytes]]:
    """(description, file name, bytes): the findings' files first, then `count` mutations."""
    from tests import mutations as m

    hostile: list[tuple[str, Any]] = [
        ("hostile: xlsx cell at XFD1048576", m.xlsx_far_cell),
        ("hostile: ods rows repeated 100000000", m.ods_repeated),
        ("hostile: ods columns repeated 100000000", lambda: m.ods_repeated("1", "100000000")),
        ("hostile: xlsx directory understates a 300 MB sheet", lambda: m.xlsx_understated(300 * 1024 * 1024)),
        ("hostile: zip bomb 12 x 100 MB", m.zip_bomb),
        ("hostile: xlsx 200000 nested elements in the sheet", m.xlsx_deeply_nested),
        ("hostile: xlsx 200000 nested elements in the styles", lambda: m.xlsx_deeply_nested(part="xl/styles.xml")),
        ("hostile: xls flipped (abort)", lambda: m.xls_flipped(m.XLS_ABORT)),
        ("hostile: xls flipped (panic)", lambda: m.xls_flipped(m.XLS_PANIC)),
        ("hostile: ods unknown compression", lambda: m.zip_unusual("method")),
        ("hostile: ods local name not UTF-8", lambda: m.zip_unusual("name")),
        ("hostile: ods broken local header", lambda: m.zip_unusual("header")),
    ]
    cases = [(description, "hostile.xlsx", build()) for description, build in hostile]
    bases = {kind: build() for kind, build in m.BASES.items()}
    rng = random.Random(seed)  # noqa: S311 - fuzz cases, not secrets
    for index in range(count):
        kind = rng.choice(sorted(bases))
        case_rng = random.Random(rng.random())  # noqa: S311
        data, names = m.mutate(bases[kind], case_rng, rounds=rng.choice((1, 1, 1, 2, 3)))
        cases.append((f"#{index} {kind}: {'+'.join(names)}", f"fuzz-{index}.{kind.split('-')[0]}", data))
    return cases


class Worker:
    def __init__(self, code: Path, database: str, memory: int) -> None:
        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        self.process = subprocess.Popen(  # noqa: S603 - this script, our interpreter
            [sys.executable, __file__, "--worker", "--code", str(code), "--database", database],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            preexec_fn=limit,
        )
        self.selector = selectors.DefaultSelector()
        if self.process.stdin is None or self.process.stdout is None:  # pragma: no cover - PIPE gives both
            raise RuntimeError("no pipes to the worker")
        self.stdin: IO[bytes] = self.process.stdin
        self.stdout: IO[bytes] = self.process.stdout
        self.selector.register(self.stdout, selectors.EVENT_READ)
        self.peak_kb = 0
        self.children_kb = 0

    def ask(self, case_id: int, name: str, data: bytes, timeout: float) -> dict[str, Any]:
        message = pickle.dumps((case_id, name, data))
        try:
            self.stdin.write(struct.pack("<I", len(message)) + message)
            self.stdin.flush()
        except BrokenPipeError:
            return self.death()
        if not self.selector.select(timeout):
            self.process.kill()
            self.process.wait()
            return {"outcome": "hang", "seconds": timeout}
        line = self.stdout.readline()
        if not line:
            return self.death()
        result: dict[str, Any] = json.loads(line)
        self.peak_kb = max(self.peak_kb, result["rss_kb"])
        self.children_kb = max(self.children_kb, result["children_kb"])
        return result

    def death(self) -> dict[str, Any]:
        code = self.process.wait()
        return {"outcome": "abort" if code < 0 else "died", "signal": -code if code < 0 else None, "exit": code}

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.alive():
            self.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def prepare_database(path: Path) -> str:
    url = f"sqlite:///{path}"
    if not path.exists():
        env = {**os.environ, "DATABASE_URL": url}
        for command in (["migrate", "--noinput"], ["load_plans"]):
            subprocess.run(  # noqa: S603
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
            )
    return url


def run(args: argparse.Namespace) -> dict[str, Any]:
    database = prepare_database(Path(args.database_file))
    started = time.monotonic()
    cases = build_cases(args.cases, args.seed)
    built = time.monotonic() - started
    print(f"{len(cases)} cases built in {built:.0f} s; running on {args.code} ({args.label})", flush=True)
    outcomes: Counter[str] = Counter()
    unhandled: Counter[str] = Counter()
    signals: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    slowest: list[tuple[float, str, str]] = []
    hostile: list[tuple[str, str]] = []
    wrote = 0
    peak_kb = children_kb = 0
    worker = Worker(Path(args.code), database, args.worker_memory)
    run_started = time.monotonic()
    for index, (description, name, data) in enumerate(cases):
        if not worker.alive():
            peak_kb, children_kb = max(peak_kb, worker.peak_kb), max(children_kb, worker.children_kb)
            worker = Worker(Path(args.code), database, args.worker_memory)
        result = worker.ask(index, name, data, args.case_timeout)
        outcome = result["outcome"]
        outcomes[outcome] += 1
        if outcome == "unhandled":
            unhandled[result["error"].split(":")[0]] += 1
        elif outcome == "abort":
            signals[signal.Signals(result["signal"]).name] += 1
        elif outcome == "refused":
            refusals[result["message"].split("(")[0][:70]] += 1
        wrote += bool(result.get("wrote"))
        seconds = result.get("seconds", 0.0)
        slowest = sorted([*slowest, (seconds, description, outcome)], reverse=True)[:5]
        if description.startswith("hostile"):
            shown = result.get("message") or result.get("error") or result.get("signal") or ""
            hostile.append((description, f"{outcome} {shown}".strip()))
        if (index + 1) % 250 == 0:
            print(f"  {index + 1}/{len(cases)} {dict(outcomes)}", flush=True)
    peak_kb, children_kb = max(peak_kb, worker.peak_kb), max(children_kb, worker.children_kb)
    worker.close()
    return {
        "label": args.label,
        "code": str(args.code),
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cases": len(cases),
        "seed": args.seed,
        "seconds": round(time.monotonic() - run_started, 1),
        "outcomes": dict(outcomes),
        "unhandled": dict(unhandled),
        "signals": dict(signals),
        "refusals": dict(refusals.most_common(12)),
        "wrote": wrote,
        "parent_peak_mb": round(peak_kb / 1024),
        "child_peak_mb": round(children_kb / 1024),
        "slowest": [(round(s, 2), d, o) for s, d, o in slowest],
        "hostile": hostile,
        "worker_memory_gib": args.worker_memory / GiB,
        "case_timeout": args.case_timeout,
    }


def _row(run: dict[str, Any]) -> str:
    outcomes = run["outcomes"]
    return (
        f"| {run['label']} | {run['when']} | {run['cases']:,} | {outcomes.get('accepted', 0):,} | "
        f"{outcomes.get('refused', 0):,} | {outcomes.get('unhandled', 0):,} | {outcomes.get('abort', 0):,} | "
        f"{outcomes.get('hang', 0) + outcomes.get('died', 0):,} | {run['wrote']} | {run['parent_peak_mb']:,} | "
        f"{run['child_peak_mb']:,} | {run['slowest'][0][0] if run['slowest'] else 0} s | {run['seconds']:,} s |"
    )


def report(latest: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    shown = [latest, *[r for r in reversed(runs) if r["label"] != latest["label"]][:1]]
    lines = [
        f"# Import fuzzing — {latest['when']}",
        "",
        f"**How**: `bench/fuzz_import.py` — real files of every format from tests/spreadsheets.py mutated by "
        f"tests/mutations.py (byte flips, truncations, splices, zip member edits, huge dimensions and repeats, lying "
        f"zip directories, control characters), plus the {len(latest['hostile'])} hand-made hostile files of the "
        f"findings, each through `build_preview` in a worker process that stands in for a web worker (Django, "
        f"SQLite with the plans; RLIMIT_AS {latest['worker_memory_gib']:.0f} GiB so that a runaway case ends "
        f"without hurting the machine; {latest['case_timeout']} s a case). *Abort*: the worker killed by a "
        f"signal; *hang*: no answer in time. *Parent peak*: the worker's ru_maxrss over the run; *child peak*: "
        f"the largest reader child's (RUSAGE_CHILDREN; the old code has no child). Runs with the same seed share "
        f"their first cases: a shorter run is the start of a longer one.",
        "",
        f"**Machine**: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}.",
        "",
        "| run | when | cases | accepted | refused | unhandled exceptions | aborts | hangs/died | wrote | "
        "parent peak MB | child peak MB | slowest case | run time |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *[_row(run) for run in shown],
        "",
    ]
    for run in shown:
        lines += [f"## {run['label']} ({run['code']}, seed {run['seed']})", ""]
        if run["unhandled"]:
            lines.append("Unhandled exceptions: " + ", ".join(f"{k} ×{v}" for k, v in run["unhandled"].items()))
        if run["signals"]:
            lines.append("Aborts: " + ", ".join(f"{k} ×{v}" for k, v in run["signals"].items()))
        lines += ["", "Slowest cases:", ""]
        lines += [f"- {seconds} s — {description} → {outcome}" for seconds, description, outcome in run["slowest"]]
        lines += ["", "Most common refusals:", ""]
        lines += [f"- ×{count} {message}" for message, count in run["refusals"].items()]
        lines += ["", "The findings' files:", "", "| file | outcome |", "|---|---|"]
        lines += [f"| {d.removeprefix('hostile: ')} | {o.replace('|', '/')} |" for d, o in run["hostile"]]
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--code", default=str(ROOT), help="checkout whose importer is fuzzed (default: this one)")
    parser.add_argument("--label", default="after")
    parser.add_argument("--case-timeout", type=float, default=60.0)
    parser.add_argument("--worker-memory", type=int, default=4 * GiB)
    parser.add_argument("--database-file", default=str(Path(tempfile.gettempdir()) / "plan-tracker-fuzz.sqlite3"))
    parser.add_argument(
        "--report-only", action="store_true", help="write the report again from the last --label run, no fuzzing"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(Path(args.code), args.database)
        return
    runs = json.loads(RUNS.read_text()) if RUNS.exists() else []
    if args.report_only:
        latest = next(r for r in reversed(runs) if r["label"] == args.label)
        write(report(latest, runs), latest["when"])
        return
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{args.database_file}"
    import django

    django.setup()  # the builders in tests/spreadsheets.py import models
    latest = run(args)
    text = report(latest, runs)
    runs.append(latest)
    RESULTS.mkdir(parents=True, exist_ok=True)
    RUNS.write_text(json.dumps(runs, ensure_ascii=False, indent=1) + "\n")
    write(text, latest["when"])


def write(text: str, when: str) -> None:
    stamp = when.removesuffix(" UTC").replace("-", "").replace(":", "").replace(" ", "-")  # 20261201-0922
    for path in (RESULTS / f"fuzz-{stamp}.md", RESULTS / "fuzz-latest.md"):
        path.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
