"""Load benchmark: the app under gunicorn (DEBUG off, PostgreSQL, the five plans with demo data), driven by wrk.

    make bench-load                       # ≈ 3 minutes; report in bench/results/load-<time>.md and load-latest.md
    .venv/bin/python bench/load_bench.py --seconds 2

1. A fresh PostgreSQL database (plan_tracker_loadbench: dropped, created, dropped again at the end) gets migrate,
   load_plans, load_demo_actuals and the demo users; collectstatic fills staticfiles/ (DEBUG off reads its
   manifest).
2. One server (gunicorn, --workers 3, local-memory cache): each page is driven by wrk for --seconds with 4
   connections, loopback only, logged in as the provincial staff demo user and accepting gzip like a browser —
   first with PAGE_CACHE=false (every request computed: the code before the cache), then with the cache on
   (warm: one request per page first). /healthz is measured in the same run and each page's throughput given as
   its share. Cold: the first request of each page on a freshly started server.
3. Two servers sharing PostgreSQL and Redis: wrk drives the Xinxiang page on both while a checker fetches it
   from both in turn; midway an import (manage.py import_actuals, the same code path as the web's confirm)
   commits a new value. Every page whose request started after the import returned must show it.
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
HOST = "127.0.0.1"
PAGES = [
    ("/healthz", "health check"),
    ("/cities/410100/", "Zhengzhou (27 targets)"),
    ("/cities/410700/", "Xinxiang (74 targets)"),
    ("/cities/410200/", "Kaifeng"),
    ("/cities/411300/", "Nanyang"),
    ("/cities/411100/", "Luohe"),
    ("/", "overview"),
    ("/indicators/rd_intensity/", "indicator page"),
    ("/api/v1/progress/?region=410700", "progress API (Xinxiang)"),
]
CITY_PAGES = [path for path, _ in PAGES if path.startswith("/cities/")]
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --------------------------------------------------------------------------------------------------- database


def admin_connection(url: str) -> Any:
    parts = urlsplit(url)
    return psycopg2.connect(
        host=parts.hostname or HOST,
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        dbname="postgres",
        connect_timeout=5,
    )


def database_name(url: str) -> str:
    name = unquote(urlsplit(url).path.lstrip("/"))
    if not name or name in ("postgres", "plan_tracker"):
        raise SystemExit(f"refusing to drop database {name!r}: use a dedicated benchmark database")
    return name


def recreate(url: str, *, drop_only: bool = False) -> None:
    admin = admin_connection(url)
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(url)))
            )
            if not drop_only:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name(url))))
    finally:
        admin.close()


def environment(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "PAGE_CACHE")}
    env.update(
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY="load-bench-only-" + "x" * 40,
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        # The API's per-user rate (1200/min) would turn most of wrk's requests into 429s.
        API_THROTTLE_USER="100000000/min",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


# ----------------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.base = f"http://{HOST}:{self.port}"
        command = [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"{HOST}:{self.port}", "--workers", str(workers)]
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        for _ in range(120):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):  # noqa: S310 — loopback
                    return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


class Browser:
    """A logged-in session (urllib + cookies), gzip accepted."""

    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        form = self.get("/accounts/login/")[1]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        if token is None:
            raise SystemExit("no login form")
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1), "next": "/healthz"}
        ).encode()
        login = urllib.request.Request(base + "/accounts/login/", data=data)  # noqa: S310 — loopback http only
        self.opener.open(login, timeout=30)
        if "sessionid" not in self.cookie_header():
            raise SystemExit("login failed")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def get(self, path: str, base: str | None = None) -> tuple[int, str, int]:
        """(status, body, bytes on the wire)."""
        url = (base or self.base) + path
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})  # noqa: S310 — loopback http only
        with self.opener.open(request, timeout=60) as response:
            raw = response.read()
            body = gzip.decompress(raw) if response.headers.get("Content-Encoding") == "gzip" else raw
            return response.status, body.decode(), len(raw)


def wrk(base: str, path: str, cookie: str, seconds: int, lua: Path) -> dict[str, Any]:
    command = ["wrk", "-t2", "-c4", f"-d{seconds}s", "--timeout", "10s", "-s", str(lua)]
    command += ["-H", f"Cookie: {cookie}", "-H", "Accept-Encoding: gzip", base + path]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)  # noqa: S603
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(line[4:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def drive(server: Server, browser: Browser, seconds: int, lua: Path) -> dict[str, dict[str, Any]]:
    results = {}
    for path, _label in PAGES:
        results[path] = wrk(server.base, path, browser.cookie_header(), seconds, lua)
        log(f"  {path}: {results[path]['rps']:.0f} req/s, p99 {results[path]['p99'] / 1000:.1f} ms")
    return results


# -------------------------------------------------------------------------------------------- the stale check


def stale_check(url: str, env: dict[str, str], seconds: int, lua: Path, workdir: Path) -> dict[str, Any]:
    servers = [Server(env, workers=2), Server(env, workers=2)]
    try:
        browser = Browser(servers[0].base, "province", "province-demo-2025")
        page = "/cities/410700/"
        for server in servers:  # warm both
            browser.get(page, server.base)
        value = new_value(url)
        csv = workdir / "mid-run.csv"
        csv.write_text(f"地区,指标,年份,数值\n410700,{value[0]},2024,{value[1]}\n", encoding="utf-8")
        marker = value[2]
        seen: list[tuple[float, float, int, bool, int]] = []
        stop = threading.Event()

        def check() -> None:
            n = 0
            while not stop.is_set():
                server = servers[n % 2]
                started = time.monotonic()
                status, body, _size = browser.get(page, server.base)
                seen.append((started, time.monotonic(), n % 2, marker in body, status))
                n += 1

        loads = [
            subprocess.Popen(  # noqa: S603
                [
                    *("wrk", "-t1", "-c2", f"-d{seconds}s", "--timeout", "10s", "-s", str(lua)),
                    *("-H", f"Cookie: {browser.cookie_header()}", "-H", "Accept-Encoding: gzip", s.base + page),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for s in servers
        ]
        checker = threading.Thread(target=check)
        checker.start()
        time.sleep(seconds / 4)
        import_started = time.monotonic()
        manage(env, "import_actuals", str(csv), "--region", "410700", "--user", "province", "--language", "en")
        import_returned = time.monotonic()
        outs = [p.communicate(timeout=seconds + 60)[0] for p in loads]
        stop.set()
        checker.join()
        loaded = [json.loads(next(x for x in o.splitlines() if x.startswith("WRK "))[4:]) for o in outs]
        after = [s for s in seen if s[0] > import_returned]
        before = [s for s in seen if s[1] < import_started]
        return {
            "value": value,
            "checked": len(seen),
            "after": len(after),
            "after_per_server": [sum(1 for s in after if s[2] == i) for i in (0, 1)],
            "stale": sum(1 for s in after if not s[3]),
            "before_with_value": sum(1 for s in before if s[3]),
            "bad_status": sum(1 for s in seen if s[4] != 200),
            "import_seconds": import_returned - import_started,
            "load": [
                {"requests": r["requests"], "rps": r["requests"] / (r["duration_us"] / 1e6), "p99": r["p99"]}
                | {"errors": sum(r[k] for k in ("connect", "read", "write", "status", "timeout"))}
                for r in loaded
            ],
        }
    finally:
        for server in servers:
            server.stop()


def new_value(url: str) -> tuple[str, str, str]:
    """(indicator code, value, what the page shows): a value of one of Xinxiang's targets that no page has yet."""
    connection = psycopg2.connect(url.replace("postgres://", "postgresql://"))
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.code, o.value FROM plans_target t JOIN plans_plan p ON p.id = t.plan_id "
                "JOIN cities_region r ON r.id = p.region_id JOIN indicators_indicator i ON i.id = t.indicator_id "
                "JOIN indicators_observation o ON o.indicator_id = i.id AND o.region_id = r.id AND o.year = 2023 "
                "WHERE r.adcode = '410700' AND t.kind = 'level' ORDER BY t.position LIMIT 1"
            )
            code, value = cursor.fetchone()
    finally:
        connection.close()
    new = f"{float(value) * 1.01 + 0.000321:.6f}".rstrip("0")
    return str(code), new, new


# ------------------------------------------------------------------------------------------------------ report


def report(results: dict[str, Any], stamp: str) -> str:
    lines = [
        f"# Load benchmark — {stamp} UTC",
        "",
        f"gunicorn `--workers 3`, DEBUG off, PostgreSQL {results['postgres']}, the five plans with demo data; "
        f"wrk `-t2 -c4 -d{results['seconds']}s` on 127.0.0.1 per page, logged in (provincial staff), "
        "`Accept-Encoding: gzip`. "
        f"{os.cpu_count()} CPUs, shared with other work. `make bench-load` (bench/load_bench.py).",
        "",
    ]
    for phase, title in (("uncached", "Uncached (PAGE_CACHE=false: every request computed, as before the cache)"),
                         ("warm", "Warm (cache on, local memory; each page requested a few times first)")):  # fmt: skip
        rows = results[phase]
        health = rows["/healthz"]["rps"]
        lines += [f"## {title}", "", "| page | req/s | share of /healthz | p50 ms | p95 ms | p99 ms | errors |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
        for path, label in PAGES:
            r = rows[path]
            share = r["rps"] / health * 100
            lines.append(
                f"| {label} `{path}` | {r['rps']:.0f} | {share:.1f} % | {r['p50'] / 1000:.1f} | {r['p95'] / 1000:.1f} "
                f"| {r['p99'] / 1000:.1f} | {r['errors']} |"
            )
        lines.append("")
    lines += ["## Cold (first request of each page on a freshly started server, cache empty)", "",
              "| page | ms |", "| --- | ---: |"]  # fmt: skip
    for path, label in PAGES:
        lines.append(f"| {label} `{path}` | {results['cold'][path] * 1000:.0f} |")
    sizes = results["sizes"]
    lines += ["", f"Xinxiang page on the wire: {sizes['plain']:,} bytes plain, {sizes['gzip']:,} bytes gzipped.", ""]
    warm = results["warm"]
    health = warm["/healthz"]["rps"]
    goal_pages = [*CITY_PAGES, "/"]
    share_ok = all(warm[p]["rps"] / health >= 0.10 for p in goal_pages)
    p99_ok = all(warm[p]["p99"] <= 50_000 for p in goal_pages)
    errors = sum(r["errors"] for phase in ("uncached", "warm") for r in results[phase].values())
    s = results["stale"]
    lines += [
        "## Two servers sharing PostgreSQL and Redis, an import committed mid-run",
        "",
        f"Two gunicorn servers (`--workers 2` each, `REDIS_URL`), wrk `-c2` on the Xinxiang page of each for "
        f"{results['seconds'] * 4 + 12}s, a checker fetching it from each in turn; after a quarter of the time "
        f"`manage.py import_actuals` commits {s['value'][0]} 2024 = {s['value'][1]} for Xinxiang "
        f"({s['import_seconds']:.2f}s).",
        "",
        f"- pages checked: {s['checked']}; requested after the import returned: {s['after']} "
        f"(server 1: {s['after_per_server'][0]}, server 2: {s['after_per_server'][1]})",
        f"- **stale pages after the commit: {s['stale']}**; pages showing the value before the import started: "
        f"{s['before_with_value']}; non-200 answers: {s['bad_status']}",
        "- wrk under the import: "
        + "; ".join(
            f"server {i + 1} {x['rps']:.0f} req/s, p99 {x['p99'] / 1000:.1f} ms, {x['errors']} errors"
            for i, x in enumerate(s["load"])
        ),
        "",
        "## Goals",
        "",
        f"- every city page and the overview ≥ 10 % of /healthz (warm): **{'met' if share_ok else 'NOT met'}**",
        f"- their p99 ≤ 50 ms (warm): **{'met' if p99_ok else 'NOT met'}**",
        f"- zero errors: **{'met' if errors == 0 else f'NOT met ({errors})'}**",
        f"- zero stale pages: **{'met' if s['stale'] == 0 and s['after'] > 0 else 'NOT met'}**",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=3, help="wrk duration per page (default 3)")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/plan_tracker_loadbench")
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: make bench-load installs it (apt-get install wrk)")
    url, seconds = args.pg_url, args.seconds
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    lua_dir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    lua = lua_dir / "report.lua"
    lua.write_text(LUA)
    results: dict[str, Any] = {"seconds": seconds}
    log(f"database {database_name(url)}: migrate, load_plans, load_demo_actuals, demo users")
    recreate(url)
    try:
        env = environment(url)
        manage(env, "migrate", "--noinput")
        manage(env, "load_plans")
        manage(env, "load_demo_actuals")
        manage(env, "create_demo_users", "--force")
        manage(env, "collectstatic", "--noinput")
        connection = psycopg2.connect(url.replace("postgres://", "postgresql://"))
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            results["postgres"] = cursor.fetchone()[0]
        connection.close()
        for phase, extra in (("uncached", {"PAGE_CACHE": "false"}), ("warm", {})):
            log(f"{phase}: one server")
            server = Server(environment(url, **extra), workers=3)
            try:
                browser = Browser(server.base, "province", "province-demo-2025")
                if phase == "warm":
                    cold = {}
                    for path, _label in PAGES:
                        started = time.monotonic()
                        browser.get(path)
                        cold[path] = time.monotonic() - started
                    results["cold"] = cold
                    for _ in range(3):  # every worker's local cache, roughly
                        for path, _label in PAGES:
                            browser.get(path)
                    _status, _body, zipped = browser.get("/cities/410700/")
                    xinxiang, cookie = server.base + "/cities/410700/", browser.cookie_header()
                    plain = urllib.request.Request(xinxiang, headers={"Cookie": cookie})  # noqa: S310 — loopback
                    with urllib.request.urlopen(plain, timeout=60) as response:  # noqa: S310 — loopback
                        results["sizes"] = {"plain": len(response.read()), "gzip": zipped}
                results[phase] = drive(server, browser, seconds, lua)
            finally:
                server.stop()
        log("two servers, Redis, an import mid-run")
        redis_env = environment(url, REDIS_URL=args.redis_url, CACHE_KEY_PREFIX=f"loadbench-{stamp}")
        # Long enough for the import (a command starting Django: seconds on a busy machine) to return mid-run.
        results["stale"] = stale_check(url, redis_env, seconds * 4 + 12, lua, lua_dir)
        log(f"stale pages after the commit: {results['stale']['stale']} of {results['stale']['after']}")
    finally:
        recreate(url, drop_only=True)
        shutil.rmtree(lua_dir, ignore_errors=True)
    text = report(results, stamp)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"load-{stamp}.md").write_text(text, encoding="utf-8")
    (RESULTS / "load-latest.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
