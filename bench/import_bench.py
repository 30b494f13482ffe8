"""Import benchmark: this project's spreadsheet importer against django-import-export and a bare calamine read.

    .venv/bin/python bench/import_bench.py [--rows 50000] [--profile] [--no-postgres]

One run builds a long-format .xlsx of ROWS distinct actuals (region × indicator × year), sets up a fresh SQLite
database and a fresh PostgreSQL database (`plan_tracker_bench`; skipped, and said so, when PostgreSQL is
unreachable), and measures on each:

1. a bare `python-calamine` read of the file (the floor: no matching, no checks, no database);
2. the importer (`imports.service`): build_preview → save_pending → commit, each phase timed;
3. a default django-import-export `ModelResource` import of the same rows (measured on a subset and
   extrapolated linearly when the full run would take longer than --iexport-budget seconds);
4. the web preview of a 1 000-row upload (build_preview only, median of 5).

Every measurement runs in a fresh child process (this script, re-run with --child), so its peak resident set size
(`getrusage(RUSAGE_SELF).ru_maxrss`, which counts what Rust and C allocate too) belongs to that method alone. The
database is emptied of actuals, their history and imports before each measurement. The report goes to
bench/results/import-<YYYYMMDD-HHMM>.md and bench/results/import-latest.md, and to stdout. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/plan_tracker_bench"
HEADERS = ["行政区划代码", "指标代码", "年份", "数值", "来源"]
CHILD_TIMEOUT = 3 * 3600  # a full django-import-export run on a slow disk still fits

# Goals from the issue.
GOAL_SPEEDUP = 10.0  # importer at least this many times faster than django-import-export
GOAL_READ_RATIO = 4.0  # importer total (preview + commit) at most this many times the bare read (issue 16)
GOAL_PEAK_MB = 500.0
GOAL_PREVIEW_S = 0.5  # "well under a second", made checkable


# ---------------------------------------------------------------------------------------------------------------
# Child side: one measurement per process.
# ---------------------------------------------------------------------------------------------------------------


def rss_now_mb() -> float:
    """Current resident set size (VmRSS), for the baseline right after start-up."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def check(condition: bool, message: str) -> None:
    """Fail loudly: a benchmark that measured the wrong thing must not produce a report."""
    if not condition:
        raise SystemExit(f"benchmark check failed: {message}")


def observation_counts() -> tuple[int, int]:
    from indicators.models import Observation, ObservationChange

    return Observation.objects.count(), ObservationChange.objects.count()


def child_prepare(params: dict[str, Any]) -> dict[str, Any]:
    """Add synthetic counties until the catalogue holds `rows` distinct keys within the accepted years; return the
    catalogue (adcodes with their accepted years, indicator codes) so the parent can write the file."""
    django_setup()
    from django.db import connection

    from cities.models import Region
    from imports.service import Catalogue
    from indicators.models import Indicator

    rows = int(params["rows"])
    cities = list(Region.objects.filter(level=Region.Level.CITY, adcode__endswith="00").order_by("adcode"))
    check(bool(cities), "load_plans loaded no prefecture-level cities")
    indicators = sorted(Indicator.objects.values_list("code", flat=True))

    def capacity() -> int:
        catalogue = Catalogue()
        return sum(hi - lo + 1 for lo, hi in map(catalogue.year_range, catalogue.region_list)) * len(indicators)

    # One county per city per round (adcodes 4101NN under 410100, …): the 19 loaded regions hold only ~34 000 keys.
    round_ = 0
    while capacity() < rows:
        round_ += 1
        check(round_ < 100, "cannot make enough synthetic counties")
        Region.objects.bulk_create(
            Region(
                adcode=f"{city.adcode[:4]}{round_:02d}",
                name_zh=f"{city.name_zh.removesuffix('市')}基准{round_:02d}县",
                name_en=f"{city.name_en} bench county {round_:02d}",
                level=Region.Level.COUNTY,
                parent=city,
            )
            for city in cities
        )
    catalogue = Catalogue()
    regions = [
        {"adcode": region.adcode, "years": list(catalogue.year_range(region))}
        for region in sorted(catalogue.region_list, key=lambda r: r.adcode)
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = str(cursor.fetchone()[0])
            settings_shown = []
            for name in ("shared_buffers", "synchronous_commit", "fsync"):
                cursor.execute(f"SHOW {name}")  # names from the tuple above
                settings_shown.append(f"{name}={cursor.fetchone()[0]}")
            server = ", ".join(settings_shown)
        else:
            cursor.execute("SELECT sqlite_version()")
            version = str(cursor.fetchone()[0])
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            server = f"file in {Path(connection.settings_dict['NAME']).parent}, journal_mode={journal}, "
            server += f"synchronous={cursor.fetchone()[0]} (Django's defaults)"
    return {
        "regions": regions,
        "indicators": indicators,
        "synthetic_counties": round_ * len(cities),
        "vendor": connection.vendor,
        "version": version,
        "server": server,
    }


def child_reset(params: dict[str, Any]) -> dict[str, Any]:
    """Empty the actuals, their history and the imports (raw SQL: Django's delete() would load every row to apply
    SET_NULL, which is slow and not what is measured)."""
    django_setup()
    from django.conf import settings
    from django.db import connection

    from indicators.models import ActualsImport, Observation, ObservationChange, SubmittedValue

    models = (SubmittedValue, ObservationChange, Observation, ActualsImport)
    tables = [connection.ops.quote_name(m._meta.db_table) for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")  # table names from the models, not input
            cursor.execute("ANALYZE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table names from the models, not input
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "imports", ignore_errors=True)
    check(observation_counts() == (0, 0), "reset left actuals behind")
    return {}


def child_bare(params: dict[str, Any]) -> dict[str, Any]:
    """The floor: bytes → python-calamine → a list of rows. No Django (nothing of it is needed)."""
    import python_calamine

    path, rows, repeat = Path(params["file"]), int(params["rows"]), int(params["repeat"])
    baseline = rss_now_mb()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        data = path.read_bytes()
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        table = workbook.get_sheet_by_index(0).to_python()
        times.append(time.perf_counter() - start)
        check(len(table) == rows + 1, f"bare read saw {len(table) - 1} rows, expected {rows}")
        del table, workbook, data
    return {"seconds": statistics.median(times), "times": times, "baseline_mb": baseline, "peak_mb": peak_rss_mb()}


def timed(function: Callable[..., Any], spent: dict[str, float], key: str) -> Callable[..., Any]:
    """`function`, adding the seconds each call takes to spent[key]."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - start

    return wrapper


def child_importer(params: dict[str, Any]) -> dict[str, Any]:
    """The importer as the web upload runs it: preview, keep the upload pending, confirm (commit)."""
    django_setup()
    from unittest import mock

    from imports import service
    from imports.service import build_preview, save_pending

    path, rows = Path(params["file"]), int(params["rows"])
    baseline = rss_now_mb()
    start = time.perf_counter()
    data = path.read_bytes()
    preview = build_preview(data, path.name, user=None, region=None)
    after_preview = time.perf_counter()
    peak_preview = peak_rss_mb()
    if preview.errors:
        raise SystemExit(f"the preview has {len(preview.errors)} errors, e.g. {preview.errors[0].text()}")
    check(len(preview.items) == rows, f"the preview read {len(preview.items)} values, expected {rows}")
    record = save_pending(preview, data, user=None)
    after_pending = time.perf_counter()
    warnings = len(preview.warnings)
    del preview
    # commit() looks both up in the service module: wrapping them there splits the commit into its comparison
    # (the stored reading loaded, checked and compared again with the database under lock; the file is not parsed
    # again) and its writes, without touching the importer.
    spent = {"compare": 0.0, "write": 0.0}
    with (
        mock.patch.object(service, "stored_preview", timed(service.stored_preview, spent, "compare")),
        mock.patch.object(service, "observations_write_many", timed(service.observations_write_many, spent, "write")),  # type: ignore[attr-defined]
    ):
        service.commit(record, user=None)
    end = time.perf_counter()
    check(observation_counts() == (rows, rows), f"after the commit the database holds {observation_counts()}")
    return {
        "preview_s": after_preview - start,
        "pending_s": after_pending - after_preview,
        "commit_s": end - after_pending,
        "commit_compare_s": spent["compare"],
        "commit_write_s": spent["write"],
        "seconds": end - start,
        "warnings": warnings,
        "baseline_mb": baseline,
        "peak_preview_mb": peak_preview,
        "peak_mb": peak_rss_mb(),
    }


def child_copy(params: dict[str, Any]) -> dict[str, Any]:
    """The physical limit of the importer's write on PostgreSQL: the rows it just wrote (values and their history),
    copied out beforehand, COPYed into scratch tables made LIKE the real ones (same columns, defaults, indexes,
    constraints) in one transaction, committed. No Python per row, no matching, no checks. Twice: without foreign
    keys (LIKE copies none), then with the real tables' foreign keys added (deferred, as Django makes them: checked
    row by row at COMMIT), which is what the importer's write must pay too."""
    django_setup()
    from django.db import connection, transaction

    from indicators.models import Observation, ObservationChange

    check(connection.vendor == "postgresql", "the COPY floor is measured on PostgreSQL")
    rows = int(params["rows"])
    quote = connection.ops.quote_name
    buffers = []
    with connection.cursor() as cursor:
        for model in (Observation, ObservationChange):
            columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields if not f.primary_key)
            real = model._meta.db_table
            buffer = io.StringIO()
            cursor.copy_expert(f"COPY {quote(real)} ({columns}) TO STDOUT WITH (FORMAT csv)", buffer)  # model names
            check(buffer.getvalue().count("\n") >= rows, f"the importer's rows are missing from {real}")
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
                [real],
            )
            foreign_keys = [str(definition) for (definition,) in cursor.fetchall()]
            buffers.append((real, quote(f"bench_scratch_{real}"), columns, buffer, foreign_keys))

    def copy(with_foreign_keys: bool) -> float:
        with connection.cursor() as cursor:
            for real, scratch, _columns, _buffer, foreign_keys in buffers:
                cursor.execute(f"DROP TABLE IF EXISTS {scratch}")
                cursor.execute(f"CREATE TABLE {scratch} (LIKE {quote(real)} INCLUDING ALL)")
                for definition in foreign_keys if with_foreign_keys else []:
                    cursor.execute(f"ALTER TABLE {scratch} ADD {definition}")  # the catalogue's own text
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for _real, scratch, columns, buffer, _fks in buffers:
                buffer.seek(0)
                cursor.copy_expert(f"COPY {scratch} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
        seconds = time.perf_counter() - start
        with connection.cursor() as cursor:
            for _real, scratch, _columns, _buffer, _fks in buffers:
                cursor.execute(f"SELECT count(*) FROM {scratch}")  # noqa: S608 - the scratch names above
                check(cursor.fetchone()[0] == rows, f"{scratch} did not get {rows} rows")
            for _real, scratch, _columns, _buffer, _fks in reversed(buffers):
                cursor.execute(f"DROP TABLE {scratch}")
        return seconds

    bare = copy(with_foreign_keys=False)
    keyed = copy(with_foreign_keys=True)
    return {"seconds": bare, "with_fk_seconds": keyed, "peak_mb": peak_rss_mb()}


def child_iexport(params: dict[str, Any]) -> dict[str, Any]:
    """django-import-export as it comes: a plain ModelResource, foreign keys by primary key (the default widget),
    import_data in a transaction. The file is read with calamine and the codes mapped to primary keys, timed."""
    django_setup()
    import python_calamine
    import tablib
    from import_export import resources

    from cities.models import Region
    from indicators.models import Indicator, Observation

    class ObservationResource(resources.ModelResource):  # type: ignore[misc]
        class Meta:
            model = Observation
            fields = ("region", "indicator", "year", "value", "source")
            import_id_fields = ("region", "indicator", "year")

    path, rows = Path(params["file"]), int(params["rows"])
    baseline = rss_now_mb()
    start = time.perf_counter()
    data = path.read_bytes()
    table: list[list[Any]] = (
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    )
    region_pk = dict(Region.objects.values_list("adcode", "pk"))
    indicator_pk = dict(Indicator.objects.values_list("code", "pk"))
    dataset = tablib.Dataset(headers=["region", "indicator", "year", "value", "source"])
    for adcode, code, year, value, source in table[1:]:
        dataset.append([region_pk[str(adcode)], indicator_pk[str(code)], int(year), value, source])
    del table
    after_read = time.perf_counter()
    result = ObservationResource().import_data(dataset, dry_run=False, use_transactions=True)
    end = time.perf_counter()
    check(not result.has_errors(), "django-import-export reported errors")
    check(not result.has_validation_errors(), "django-import-export reported invalid rows")
    check(observation_counts()[0] == rows, f"after django-import-export the database holds {observation_counts()}")
    return {
        "read_s": after_read - start,
        "import_s": end - after_read,
        "seconds": end - start,
        "baseline_mb": baseline,
        "peak_mb": peak_rss_mb(),
    }


def child_preview(params: dict[str, Any]) -> dict[str, Any]:
    """The web preview of a small upload: build_preview only, repeated; the median is what a user waits."""
    django_setup()
    from imports.service import build_preview

    path, rows, repeat = Path(params["file"]), int(params["rows"]), int(params["repeat"])
    baseline = rss_now_mb()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        preview = build_preview(path.read_bytes(), path.name, user=None, region=None)
        times.append(time.perf_counter() - start)
        check(not preview.errors and len(preview.items) == rows, "the small preview did not read every value")
    return {"seconds": statistics.median(times), "times": times, "baseline_mb": baseline, "peak_mb": peak_rss_mb()}


def _profile_text(profile: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    # Shorter paths: project files relative to the repository, libraries relative to site-packages.
    for prefix in sorted({str(ROOT) + "/", *(p + "/" for p in sys.path if p.endswith("site-packages"))}, key=len)[::-1]:
        text = text.replace(prefix, "")
    return text


def child_profile(params: dict[str, Any]) -> dict[str, Any]:
    """cProfile of the importer's preview and commit (slower than unprofiled: for where the time goes only)."""
    django_setup()
    from imports.service import build_preview, commit, save_pending

    path, top = Path(params["file"]), int(params["top"])
    data = path.read_bytes()
    preview_profile = cProfile.Profile()
    preview = preview_profile.runcall(build_preview, data, path.name, user=None, region=None)
    check(not preview.errors, "the profiled preview has errors")
    record = save_pending(preview, data, user=None)
    del preview
    commit_profile = cProfile.Profile()
    commit_profile.runcall(commit, record, user=None)
    return {"preview": _profile_text(preview_profile, top), "commit": _profile_text(commit_profile, top)}


CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "prepare": child_prepare,
    "reset": child_reset,
    "bare": child_bare,
    "importer": child_importer,
    "copy": child_copy,
    "iexport": child_iexport,
    "preview": child_preview,
    "profile": child_profile,
}


# ---------------------------------------------------------------------------------------------------------------
# Parent side: databases, the data set, the runs, the report.
# ---------------------------------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass
class Database:
    label: str
    url: str
    media: Path
    version: str = ""
    server: str = ""
    catalogue: dict[str, Any] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.url,
            MEDIA_ROOT=str(self.media),
            DJANGO_SETTINGS_MODULE="config.settings",
            # As in production: DEBUG off, so Django does not keep every query in memory (it would skew both the
            # time and the peak memory of the query-per-row import).
            DEBUG="false",
            SECRET_KEY="bench-only-not-secret",  # noqa: S106 - a throwaway key for throwaway databases
            LOG_LEVEL="WARNING",
        )
        return env


def run_child(db: Database | None, action: str, params: dict[str, Any], workdir: Path) -> dict[str, Any]:
    out = workdir / f"child-{action}.json"
    out.unlink(missing_ok=True)
    command = [PYTHON, str(Path(__file__).resolve()), "--child", action, "--params", json.dumps(params)]
    command += ["--out", str(out)]
    env = db.env() if db else dict(os.environ)
    # Our own interpreter and script, arguments built here: no untrusted input reaches the command line.
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT)  # noqa: S603
    if done.returncode != 0:
        tail = done.stdout[-3000:] + done.stderr[-3000:]
        raise SystemExit(f"child {action!r} failed (exit {done.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def manage(db: Database, *args: str) -> None:
    command = [PYTHON, "manage.py", *args]
    done = subprocess.run(command, cwd=ROOT, env=db.env(), capture_output=True, text=True, timeout=600)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def postgres_create(url: str) -> str | None:
    """Drop and create the benchmark database. None when done, else why PostgreSQL cannot be used."""
    try:
        import psycopg2
        from psycopg2 import sql
    except ImportError as exc:  # pragma: no cover - psycopg2 is a runtime requirement
        return f"psycopg2 is not installed ({exc})"
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name or name in ("postgres", "plan_tracker"):
        return f"refusing to drop database {name!r}: use a dedicated benchmark database"
    try:
        admin = psycopg2.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password) if parts.password else None,
            dbname="postgres",
            connect_timeout=5,
        )
    except psycopg2.Error as exc:
        return f"PostgreSQL is unreachable at {parts.hostname}:{parts.port or 5432} ({str(exc).strip()})"
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()
    return None


def postgres_drop(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    admin = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        dbname="postgres",
        connect_timeout=5,
    )
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            name = unquote(parts.path.lstrip("/"))
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        admin.close()


def data_rows(catalogue: dict[str, Any], rows: int) -> list[list[Any]]:
    """ROWS distinct keys in export order (region, indicator, year), every year inside the region's accepted span.
    Values are deterministic, positive and grow 2–6 % a year, so the preview raises no jump or fall warnings."""
    out: list[list[Any]] = []
    indicators: list[str] = catalogue["indicators"]
    for r, region in enumerate(catalogue["regions"]):
        lo, hi = region["years"]
        for i, code in enumerate(indicators):
            base = 50 + ((i * 7919 + r * 104729) % 5000) / 10
            growth = 1.02 + ((i + r) % 5) / 100
            for year in range(lo, hi + 1):
                value = round(base * growth ** (year - lo), 2)
                out.append([region["adcode"], code, year, value, f"{year + 1}年河南统计年鉴"])
                if len(out) == rows:
                    return out
    raise SystemExit(f"the catalogue holds only {len(out)} keys, {rows} asked")


def write_xlsx(path: Path, rows: list[list[Any]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("实际值")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


@dataclass
class Line:
    method: str
    rows: int
    seconds: float
    peak_mb: float | None
    baseline_mb: float | None
    note: str = ""

    def cells(self) -> list[str]:
        rate = f"{self.rows / self.seconds:,.0f}" if self.seconds else "—"
        peak = "—" if self.peak_mb is None else f"{self.peak_mb:,.0f}"
        base = "—" if self.baseline_mb is None else f"{self.baseline_mb:,.0f}"
        return [self.method, f"{self.rows:,}", f"{self.seconds:,.3f}", rate, peak, base, self.note]


@dataclass
class Outcome:
    db: Database
    lines: list[Line] = field(default_factory=list)
    goals: list[tuple[str, str, bool]] = field(default_factory=list)
    iexport_note: str = ""
    profile: dict[str, str] = field(default_factory=dict)
    side: dict[str, float | None] = field(default_factory=dict)


def measure(db: Database, files: dict[str, Path], args: argparse.Namespace, workdir: Path) -> Outcome:
    outcome = Outcome(db)
    rows = args.rows

    def reset() -> None:
        run_child(db, "reset", {}, workdir)

    log(f"{db.label}: bare python-calamine read")
    bare = run_child(None, "bare", {"file": str(files["full"]), "rows": rows, "repeat": 5}, workdir)
    outcome.lines.append(
        Line("bare python-calamine read", rows, bare["seconds"], bare["peak_mb"], bare["baseline_mb"], "median of 5")
    )

    log(f"{db.label}: importer (preview + save_pending + commit)")
    reset()
    imp = run_child(db, "importer", {"file": str(files["full"]), "rows": rows}, workdir)
    warned = f"{imp['warnings']} warnings" if imp["warnings"] else ""
    outcome.lines += [
        Line(
            "importer: preview (read + match + check + compare)",
            rows,
            imp["preview_s"],
            imp["peak_preview_mb"],
            imp["baseline_mb"],
            warned,
        ),
        Line("importer: save_pending (store the upload)", rows, imp["pending_s"], None, None),
        Line("importer: commit", rows, imp["commit_s"], None, None),
        Line(
            "  ↳ commit: stored reading checked + compared under lock",
            rows,
            imp["commit_compare_s"],
            None,
            None,
            "stored_preview (no parse)",
        ),
        Line("  ↳ commit: write values + history", rows, imp["commit_write_s"], None, None, "observations_write_many"),
        Line("**importer: total**", rows, imp["seconds"], imp["peak_mb"], imp["baseline_mb"]),
    ]
    copy_s: float | None = None
    if db.label == "PostgreSQL":
        log(f"{db.label}: bare COPY of the same rows and history rows into scratch tables")
        copy = run_child(db, "copy", {"rows": rows}, workdir)
        copy_s = copy["seconds"]
        outcome.lines.append(
            Line(
                "bare COPY of the same values + history rows",
                rows,
                copy_s,
                copy["peak_mb"],
                None,
                "scratch tables LIKE the real ones, one transaction",
            )
        )
        outcome.lines.append(
            Line(
                "bare COPY, scratch tables with the real foreign keys",
                rows,
                copy["with_fk_seconds"],
                None,
                None,
                "deferred, checked row by row at COMMIT, as the importer's are",
            )
        )
    outcome.side = {
        "bare": bare["seconds"],
        "preview": imp["preview_s"],
        "commit": imp["pending_s"] + imp["commit_s"],
        "total": imp["seconds"],
        "copy": copy_s,
        "copy_fk": copy["with_fk_seconds"] if copy_s is not None else None,
        "write": imp["commit_write_s"],
    }

    log(f"{db.label}: django-import-export ModelResource")
    subset = min(args.iexport_subset, rows)
    reset()
    pilot = run_child(db, "iexport", {"file": str(files["subset"]), "rows": subset}, workdir)
    projected = pilot["seconds"] * rows / subset
    if subset == rows:
        iexport_s, iexport_peak, how = pilot["seconds"], pilot["peak_mb"], "measured"
        outcome.lines.append(Line("django-import-export", rows, iexport_s, iexport_peak, pilot["baseline_mb"]))
    elif projected <= args.iexport_budget:
        log(f"{db.label}: {subset}-row pilot projects {projected:.0f} s: running all {rows} rows")
        reset()
        full = run_child(db, "iexport", {"file": str(files["full"]), "rows": rows}, workdir)
        iexport_s, iexport_peak, how = full["seconds"], full["peak_mb"], "measured"
        note = f"read + map to pks {full['read_s']:.2f} s, import_data {full['import_s']:.2f} s"
        outcome.lines.append(Line("django-import-export", rows, iexport_s, iexport_peak, full["baseline_mb"], note))
    else:
        log(f"{db.label}: {subset}-row pilot projects {projected:.0f} s > {args.iexport_budget:.0f} s: extrapolating")
        iexport_s, iexport_peak, how = projected, None, f"extrapolated linearly from {subset:,} rows"
        note = f"read + map to pks {pilot['read_s']:.2f} s, import_data {pilot['import_s']:.2f} s"
        outcome.lines += [
            Line(f"django-import-export ({subset:,}-row run)", subset, pilot["seconds"], pilot["peak_mb"], None, note),
            Line(
                f"django-import-export, **extrapolated** to {rows:,} rows",
                rows,
                projected,
                None,
                None,
                f"{subset:,}-row time × {rows / subset:g}",
            ),
        ]
    outcome.iexport_note = how

    log(f"{db.label}: {args.preview_rows}-row upload preview")
    reset()
    small = run_child(db, "preview", {"file": str(files["small"]), "rows": args.preview_rows, "repeat": 5}, workdir)
    spread = f"median of 5 (min {min(small['times']):.3f}, max {max(small['times']):.3f})"
    outcome.lines.append(
        Line(
            f"{args.preview_rows:,}-row upload preview",
            args.preview_rows,
            small["seconds"],
            small["peak_mb"],
            small["baseline_mb"],
            spread,
        )
    )

    speedup = iexport_s / imp["seconds"]
    ratio = imp["seconds"] / bare["seconds"]
    outcome.goals = [
        (
            f"importer ≥ {GOAL_SPEEDUP:g}× faster than django-import-export",
            f"{speedup:,.1f}× ({iexport_s:,.1f} s {how} / {imp['seconds']:.2f} s)",
            speedup >= GOAL_SPEEDUP,
        ),
        (
            f"importer total (preview + commit) ≤ {GOAL_READ_RATIO:g}× the bare read",
            f"{ratio:,.1f}× ({imp['seconds']:.2f} s / {bare['seconds']:.3f} s); preview alone "
            f"{imp['preview_s'] / bare['seconds']:,.1f}×, commit alone "
            f"{(imp['pending_s'] + imp['commit_s']) / bare['seconds']:,.1f}×",
            ratio <= GOAL_READ_RATIO,
        ),
        (
            f"importer peak memory ≤ {GOAL_PEAK_MB:g} MB",
            f"{imp['peak_mb']:,.0f} MB peak RSS",
            imp["peak_mb"] <= GOAL_PEAK_MB,
        ),
        (
            f"{args.preview_rows:,}-row upload previews well under a second (≤ {GOAL_PREVIEW_S:g} s)",
            f"{small['seconds']:.3f} s",
            small["seconds"] <= GOAL_PREVIEW_S,
        ),
    ]

    if args.profile:
        log(f"{db.label}: cProfile of the importer's preview and commit")
        reset()
        outcome.profile = run_child(db, "profile", {"file": str(files["full"]), "top": args.profile_top}, workdir)
    return outcome


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("Django", "django-import-export", "python-calamine", "openpyxl", "tablib")}


def report(
    outcomes: list[Outcome],
    args: argparse.Namespace,
    files: dict[str, Path],
    catalogue: dict[str, Any],
    pg_skipped: str | None,
    stamp: str,
) -> str:
    size = files["full"].stat().st_size
    regions = len(catalogue["regions"])
    out = [
        f"# Import benchmark — {time.strftime('%Y-%m-%d %H:%M %Z')}",
        "",
        f"**Data set**: {args.rows:,} actuals in one long-format sheet ({', '.join(HEADERS)}), "
        f"{size / 1024 / 1024:.2f} MB .xlsx written by openpyxl (write-only); every row a distinct region × "
        f"indicator × year within the accepted years, values positive and growing 2–6 % a year (no warnings). "
        f"Catalogue: {regions} regions ({catalogue['synthetic_counties']} of them synthetic counties added for the "
        f"benchmark), {len(catalogue['indicators'])} indicators, plans and targets from `load_plans`, no demo actuals.",
        "",
        f"**Machine**: {os.cpu_count()} CPUs ({cpu_model()}), {platform.platform()}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version} (Python's module), "
        + ", ".join(f"{k} {v}" for k, v in versions().items())
        + ".",
        "",
        "**How**: every method runs in a fresh process against a database emptied of actuals, history and imports; "
        "seconds by `time.perf_counter`, from reading the file's bytes to the last write. *Peak RSS* is that "
        "process's `ru_maxrss` (absolute, includes the interpreter, Django and what Rust/C allocate); *start RSS* "
        "is its resident size right after start-up (Django set up, where used) — the bare read does not load "
        "Django. DEBUG is off, as in production. The importer's commit does not parse the file again: it loads the "
        "values the preview read (the stored reading, JSON, SHA-256 checked), compares them under lock with the "
        "stored values (the preview's digest) and writes them with their history (what the web confirmation does). "
        "*commit* below includes save_pending (keeping the upload and its stored reading).",
        "",
    ]
    if pg_skipped:
        out += [f"**PostgreSQL was not measured**: {pg_skipped}. The report covers SQLite only.", ""]
    side_rows = []
    for o in outcomes:
        sd = o.side
        copy = sd.get("copy")
        side_rows.append(
            [
                o.db.label,
                f"{sd['bare']:.3f}",
                f"{sd['preview']:.3f}",
                f"{sd['commit']:.3f}",
                f"**{sd['total']:.3f}**",
                f"**{sd['total'] / sd['bare']:.1f}×**",  # type: ignore[operator]
                "—" if copy is None else f"{copy:.3f}",
                "—" if copy is None else f"{sd['total'] / copy:.1f}× (write alone {sd['write'] / copy:.1f}×)",  # type: ignore[operator]
                "—" if sd.get("copy_fk") is None else f"{sd['copy_fk']:.3f} ({sd['total'] / sd['copy_fk']:.1f}×)",  # type: ignore[operator]
            ]
        )
    out += [
        "## Side by side (seconds, same run)",
        "",
        table(
            [
                "database",
                "bare calamine read",
                "preview",
                "commit",
                "total",
                f"total / bare read (goal ≤ {GOAL_READ_RATIO:g}×)",
                "bare COPY (values + history)",
                "total / COPY",
                "COPY with the foreign keys (total / it)",
            ],
            side_rows,
        ),
        "",
    ]
    headers = ["method", "rows", "seconds", "rows/s", "peak RSS MB", "start RSS MB", "note"]
    for outcome in outcomes:
        out += [f"## {outcome.db.label} {outcome.db.version}", "", f"Server: {outcome.db.server}.", ""]
        out.append(table(headers, [ln.cells() for ln in outcome.lines]))
        out += ["", "Goals:", ""]
        out.append(
            table(
                ["goal", "measured", "status"],
                [[goal, got, "met" if ok else "**NOT met**"] for goal, got, ok in outcome.goals],
            )
        )
        out.append("")
    if any(o.profile for o in outcomes):
        out += [f"Profiles (cProfile, top {args.profile_top}): `bench/results/import-profile-{stamp}.md`.", ""]
    return "\n".join(out)


def profile_report(outcomes: list[Outcome], args: argparse.Namespace) -> str:
    out = [
        f"# Importer profile — {time.strftime('%Y-%m-%d %H:%M %Z')}, {args.rows:,} rows",
        "",
        "cProfile of build_preview (parse + validate + compare) and of commit (the stored reading loaded, compared "
        "under lock, then written), each sorted by cumulative and by own time. Profiling slows Python code more than "
        "C code: read the shares, not the absolute seconds.",
        "",
    ]
    for outcome in outcomes:
        if not outcome.profile:
            continue
        for phase in ("preview", "commit"):
            out += [f"## {outcome.db.label}: {phase}", "", "```", outcome.profile[phase].strip(), "```", ""]
    return "\n".join(out)


def main_parent(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="import-bench-"))
    pg_url = args.pg_url
    pg_made = False
    try:
        databases = [Database("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}", workdir / "media-sqlite")]
        pg_skipped: str | None = "--no-postgres was given" if args.no_postgres else None
        if not args.no_postgres:
            pg_skipped = postgres_create(pg_url)
            if pg_skipped:
                log(f"PostgreSQL skipped: {pg_skipped}")
            else:
                pg_made = True
                databases.append(Database("PostgreSQL", pg_url, workdir / "media-postgres"))

        for db in databases:
            log(f"{db.label}: migrate + load_plans + synthetic counties")
            manage(db, "migrate", "--noinput")
            manage(db, "load_plans")
            db.catalogue = run_child(db, "prepare", {"rows": args.rows}, workdir)
            db.version, db.server = db.catalogue["version"], db.catalogue["server"]
        catalogue = databases[0].catalogue
        for db in databases[1:]:
            same = db.catalogue["regions"] == catalogue["regions"]
            if not same or db.catalogue["indicators"] != catalogue["indicators"]:
                raise SystemExit(f"{db.label}'s catalogue differs from {databases[0].label}'s: the runs not comparable")

        log(f"writing the {args.rows}-row workbook")
        rows = data_rows(catalogue, args.rows)
        files = {
            "full": workdir / f"actuals-{args.rows}.xlsx",
            "subset": workdir / f"actuals-{min(args.iexport_subset, args.rows)}.xlsx",
            "small": workdir / f"actuals-{args.preview_rows}.xlsx",
        }
        write_xlsx(files["full"], rows)
        write_xlsx(files["subset"], rows[: args.iexport_subset])
        write_xlsx(files["small"], rows[: args.preview_rows])
        del rows

        outcomes = [measure(db, files, args, workdir) for db in databases]
        stamp = time.strftime("%Y%m%d-%H%M")
        text = report(outcomes, args, files, catalogue, pg_skipped, stamp)
        RESULTS.mkdir(parents=True, exist_ok=True)
        for name in (f"import-{stamp}.md", "import-latest.md"):
            (RESULTS / name).write_text(text + "\n", encoding="utf-8")
        if args.profile:
            profiles = profile_report(outcomes, args)
            for name in (f"import-profile-{stamp}.md", "import-profile-latest.md"):
                (RESULTS / name).write_text(profiles + "\n", encoding="utf-8")
        print(text)
        log(f"report written to {RESULTS / f'import-{stamp}.md'} and import-latest.md")
    finally:
        if args.keep:
            log(f"kept {workdir}" + (f" and {pg_url}" if pg_made else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            if pg_made:
                postgres_drop(pg_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=50_000, help="actuals in the workbook (default 50 000)")
    parser.add_argument("--preview-rows", type=int, default=1_000, help="rows of the small upload previewed")
    parser.add_argument(
        "--iexport-subset", type=int, default=5_000, help="rows of the django-import-export pilot run (default 5 000)"
    )
    parser.add_argument(
        "--iexport-budget",
        type=float,
        default=120.0,
        help="run django-import-export on all rows only if the pilot projects at most this many seconds",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL database to drop, create and use (default %(default)s)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    parser.add_argument("--profile", action="store_true", help="also write cProfile output of preview and commit")
    parser.add_argument("--profile-top", type=int, default=15, help="functions listed per profile")
    parser.add_argument("--keep", action="store_true", help="keep the temporary files and the PostgreSQL database")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = CHILDREN[args.child](json.loads(args.params))
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return
    if args.rows < 1 or args.preview_rows < 1 or args.iexport_subset < 1:
        parser.error("row counts must be positive")
    args.preview_rows = min(args.preview_rows, args.rows)
    main_parent(args)


if __name__ == "__main__":
    main()
