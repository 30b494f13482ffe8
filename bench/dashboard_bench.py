"""Dashboard benchmark: server time of the city, province-overview and indicator pages on a national-scale data set.

    .venv/bin/python bench/dashboard_bench.py [--runs 15] [--profile] [--no-postgres] [--keep-db PATH]

One run sets up a fresh SQLite database (a file in a temporary directory) and a fresh PostgreSQL database
(`plan_tracker_dashbench`; skipped, and said so, when PostgreSQL is unreachable). On each it runs `migrate` and
synthesizes, deterministically (a seeded random.Random) and with bulk_create, a national data set: 31 provinces,
333 prefecture-level cities, 40 indicators, one 2021–2025 plan per region with one target per indicator, and the
actuals of every region × indicator × year 2016–2030 (≈ 218 000 values).

In a fresh child process per database (this script, re-run with --child) it then requests, with
django.test.Client as a logged-in superuser:

- the city page `/cities/<adcode>/` of 5 cities,
- the province overview `/?region=<adcode>` of 3 provinces (the fewest, a middling and the most cities: 4, 13, 21),
- the indicator page `/indicators/<code>/` of 2 indicators (every region has a target on each),

each once to warm up and then --runs times; server time is the wall time of `client.get` (middleware, view,
template). It reports median, p90 and min per page type against the goals, the SQL queries per page, and the
compressed size of the scripts and styles a first visit downloads. A page that answers 404 or fails is reported
as "not available" instead of stopping the run. The report goes to bench/results/dashboard-<YYYYMMDD-HHMM>.md and
bench/results/dashboard-latest.md, and to stdout. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import gzip
import importlib
import importlib.util
import io
import json
import math
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/plan_tracker_dashbench"
CHILD_TIMEOUT = 3 * 3600
SEED = 20_211_225
USERNAME = "dashbench"

# The data set of the issue.
YEARS = range(2016, 2031)  # actuals (and, past 2025, what the projection would be judged against)
PERIOD = (2021, 2025)
BASELINE_YEAR = PERIOD[0] - 1
N_CITIES = 333
N_INDICATORS = 40

# Goals from the issue (milliseconds of server time, median; bytes of compressed scripts and styles).
GOALS_MS = {"city": 100.0, "overview": 150.0, "indicator": 500.0}
GOAL_TRANSFER_BYTES = 1_500_000  # 1.5 MB, decimal megabytes (the stricter reading)

PAGE_TITLES = {
    "city": "city page `/cities/<adcode>/`",
    "overview": "province overview `/?region=<adcode>`",
    "indicator": "indicator page `/indicators/<code>/`",
}

# The 31 provincial-level divisions of the mainland by their real adcodes, with their real number of
# prefecture-level divisions (333 in all; the four municipalities have none). The cities themselves are synthetic.
PROVINCES = [
    ("110000", "北京市", "Beijing", 0),
    ("120000", "天津市", "Tianjin", 0),
    ("130000", "河北省", "Hebei", 11),
    ("140000", "山西省", "Shanxi", 11),
    ("150000", "内蒙古自治区", "Inner Mongolia", 12),
    ("210000", "辽宁省", "Liaoning", 14),
    ("220000", "吉林省", "Jilin", 9),
    ("230000", "黑龙江省", "Heilongjiang", 13),
    ("310000", "上海市", "Shanghai", 0),
    ("320000", "江苏省", "Jiangsu", 13),
    ("330000", "浙江省", "Zhejiang", 11),
    ("340000", "安徽省", "Anhui", 16),
    ("350000", "福建省", "Fujian", 9),
    ("360000", "江西省", "Jiangxi", 11),
    ("370000", "山东省", "Shandong", 16),
    ("410000", "河南省", "Henan", 17),
    ("420000", "湖北省", "Hubei", 13),
    ("430000", "湖南省", "Hunan", 14),
    ("440000", "广东省", "Guangdong", 21),
    ("450000", "广西壮族自治区", "Guangxi", 14),
    ("460000", "海南省", "Hainan", 4),
    ("500000", "重庆市", "Chongqing", 0),
    ("510000", "四川省", "Sichuan", 21),
    ("520000", "贵州省", "Guizhou", 9),
    ("530000", "云南省", "Yunnan", 16),
    ("540000", "西藏自治区", "Tibet", 7),
    ("610000", "陕西省", "Shaanxi", 10),
    ("620000", "甘肃省", "Gansu", 14),
    ("630000", "青海省", "Qinghai", 8),
    ("640000", "宁夏回族自治区", "Ningxia", 5),
    ("650000", "新疆维吾尔自治区", "Xinjiang", 14),
]

# Indicator templates: Chinese name, English name, unit, direction, measure. 40 indicators cycle through them.
INDICATOR_TEMPLATES = [
    ("全社会研发经费投入强度", "R&D expenditure intensity", "%", "higher", "ratio"),
    ("高新技术企业数量", "High-tech enterprises", "家", "higher", "stock"),
    ("技术合同成交额", "Technology contract turnover", "亿元", "higher", "flow"),
    ("省级以上创新平台数量", "Provincial-level innovation platforms", "个", "higher", "stock"),
    ("科技型中小企业数量", "Technology-based SMEs", "家", "higher", "stock"),
    ("高新技术产业增加值占规上工业增加值比重", "High-tech share of industrial value added", "%", "higher", "ratio"),
    ("财政科技支出", "Public spending on science and technology", "亿元", "higher", "flow"),
    ("研发活动空白的规上工业企业占比", "Large industrial firms without R&D", "%", "lower", "ratio"),
    ("新认定科技企业孵化器", "Newly recognised incubators", "个", "higher", "flow"),
    ("科研失信行为查处案件", "Research misconduct cases", "家", "lower", "flow"),
]

# Typical size of a city's value in 2016, by unit (provinces sum their cities, or average them for ratios).
BASE_RANGE = {"%": (0.8, 30.0), "家": (40.0, 3000.0), "亿元": (1.0, 400.0), "个": (5.0, 300.0)}
COUNT_UNITS = ("家", "个")  # whole numbers


# ---------------------------------------------------------------------------------------------------------------
# Child side.
# ---------------------------------------------------------------------------------------------------------------


def django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import warnings

    # WhiteNoise warns that STATIC_ROOT does not exist (nothing is collected for the benchmark): expected.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()


def check(condition: bool, message: str) -> None:
    """Fail loudly: a benchmark that measured the wrong thing must not produce a report."""
    if not condition:
        raise SystemExit(f"benchmark check failed: {message}")


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def dec(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def fit(value: float, unit: str) -> float:
    """A value as the unit has it: whole numbers for counts, two decimals otherwise."""
    return float(round(value)) if unit in COUNT_UNITS else round(value, 2)


def num(value: float) -> str:
    """A number as a plan prints it: no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass
class IndicatorSpec:
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    measure: str


@dataclass
class RegionSpec:
    adcode: str
    name_zh: str
    name_en: str
    level: str
    parent: str | None
    cities: list[str] = field(default_factory=list)


def synthetic_catalogue(rng: random.Random) -> tuple[list[RegionSpec], list[IndicatorSpec]]:
    """31 provinces, their 333 cities (as many per province as in reality), 40 indicators."""
    check(sum(p[3] for p in PROVINCES) == N_CITIES, "the provinces do not hold 333 cities")
    regions: list[RegionSpec] = []
    for adcode, name_zh, name_en, count in PROVINCES:
        province = RegionSpec(adcode, name_zh, name_en, "province", None)
        short = re.sub(r"(维吾尔|回族|壮族)?(自治区|省|市)$", "", name_zh)
        regions.append(province)
        for m in range(1, count + 1):
            city = RegionSpec(
                f"{adcode[:2]}{m:02d}00", f"{short}样本{m:02d}市", f"{name_en} sample city {m:02d}", "city", adcode
            )
            province.cities.append(city.adcode)
            regions.append(city)
    indicators = []
    for n in range(1, N_INDICATORS + 1):
        name_zh, name_en, unit, direction, measure = INDICATOR_TEMPLATES[(n - 1) % len(INDICATOR_TEMPLATES)]
        variant = (n - 1) // len(INDICATOR_TEMPLATES) + 1
        indicators.append(
            IndicatorSpec(
                f"synthetic_{n:02d}",
                f"{name_zh}（样本{variant}）",
                f"{name_en} (sample {variant})",
                unit,
                direction,
                measure,
            )
        )
    return regions, indicators


def synthetic_series(
    rng: random.Random, regions: list[RegionSpec], indicators: list[IndicatorSpec]
) -> dict[tuple[str, str], dict[int, float]]:
    """Every region × indicator × year: positive; growing 2–8 % a year (falling 2–8 % for lower-is-better
    indicators, so that they improve too). A province sums its cities (averages them for ratios); a municipality,
    without cities, gets a series of its own, ten cities' worth (ratios: one city's)."""

    def own(ind: IndicatorSpec, scale: float) -> dict[int, float]:
        lo, hi = BASE_RANGE[ind.unit]
        level = math.exp(rng.uniform(math.log(lo), math.log(hi))) * scale
        rate = rng.uniform(0.02, 0.08) * (-1 if ind.direction == "lower" else 1)
        values = {}
        for year in YEARS:
            values[year] = fit(level, ind.unit)
            level *= 1 + rate + rng.uniform(-0.01, 0.01)
        return values

    series: dict[tuple[str, str], dict[int, float]] = {}
    for region in regions:
        if region.level == "city":
            for ind in indicators:
                series[region.adcode, ind.code] = own(ind, 1.0)
    for region in regions:
        if region.level != "province":
            continue
        for ind in indicators:
            if not region.cities:
                series[region.adcode, ind.code] = own(ind, 1.0 if ind.unit == "%" else 10.0)
                continue
            parts = [series[city, ind.code] for city in region.cities]
            total = {year: sum(part[year] for part in parts) for year in YEARS}
            if ind.unit == "%":
                total = {year: value / len(parts) for year, value in total.items()}
            series[region.adcode, ind.code] = {year: round(value, 2) for year, value in total.items()}
    return series


FILLER = [
    "坚持把科技创新摆在发展全局的核心位置，深入实施创新驱动发展战略，加快建设国家创新高地。",
    "“十三五”以来，全市创新能力显著增强，创新主体不断壮大，创新平台加快布局，创新生态持续优化。",
    "同时也要看到，研发投入总体不足，高层次人才较为缺乏，科技成果转化效率有待提升。",
    "以提升自主创新能力为主线，以深化科技体制改革为动力，推动科技与经济深度融合。",
    "强化企业创新主体地位，促进各类创新要素向企业集聚，构建产学研用深度融合的技术创新体系。",
    "完善科技成果转移转化机制，健全技术交易市场，打通科技成果向现实生产力转化的通道。",
    "优化创新创业生态，营造尊重知识、崇尚创新、宽容失败的良好氛围。",
]


def target_rows(
    rng: random.Random,
    region: RegionSpec,
    indicators: list[IndicatorSpec],
    series: dict[tuple[str, str], dict[int, float]],
) -> tuple[str, list[dict[str, Any]]]:
    """One plan's targets (one per indicator, kinds mixed, every CheckConstraint of plans.models respected) and
    its document: each target's quote on a line of its own, quote_line the 1-based number of that line."""
    is_city = region.level == "city"
    drafts: list[dict[str, Any]] = []
    for ind in indicators:
        values = series[region.adcode, ind.code]
        a0, a1, a5 = values[BASELINE_YEAR], values[PERIOD[0]], values[PERIOD[1]]
        ambition = rng.uniform(0.85, 1.2)  # some targets are met, some lag
        higher = ind.direction == "higher"
        unit = ind.unit
        if higher:
            kinds = {"level": 5.0, "qualitative": 1.0}
            if ind.measure != "ratio":
                kinds.update(annual_growth_rate=2.0, cumulative_new=1.5, multiple_of_baseline=1.5)
            if ind.measure == "flow":
                kinds["per_year"] = 1.5
        else:
            kinds = {"level": 6.0, "qualitative": 2.0}
        if is_city:
            kinds["relative_to_average"] = 1.0
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        row: dict[str, Any] = {
            "indicator": ind.code,
            "label": ind.name_zh,
            "kind": kind,
            "comparator": ">=" if higher else "<=",
            "baseline_year": BASELINE_YEAR,
            "baseline_value": None,
            "baseline_quote": "",
            "target_value": None,
            "target_value_max": None,
            "unit": unit,
            "compares": "level",
        }
        name = ind.name_zh
        if kind == "level":
            level = fit(a5 * ambition if higher else a5 / ambition, unit)
            row["target_value"] = dec(level)
            row["baseline_value"] = dec(a0)
            row["baseline_quote"] = f"{BASELINE_YEAR}年，{name}为{num(a0)}{unit}"
            if higher and rng.random() < 0.2:
                row["comparator"] = "range"
                upper = fit(level * 1.1, unit)
                row["target_value_max"] = dec(upper)
                quote = f"到{PERIOD[1]}年，{name}达到{num(level)}—{num(upper)}{unit}"
            elif higher:
                quote = f"到{PERIOD[1]}年，{name}达到{num(level)}{unit}以上"
            else:
                quote = f"到{PERIOD[1]}年，{name}控制在{num(level)}{unit}以内"
        elif kind == "annual_growth_rate":
            rate = 100 * ((a5 / a0) ** (1 / 5) - 1) * ambition
            row["unit"] = "%"
            row["target_value"] = dec(rate)
            if rng.random() < 0.25:
                row["comparator"] = "range"
                row["target_value_max"] = dec(rate + 2)
                quote = f"{name}年均增长{num(rate)}%—{num(rate + 2)}%"
            else:
                quote = f"{name}年均增长{num(rate)}%以上"
        elif kind == "cumulative_new":
            if ind.measure == "flow":
                amount = fit(sum(values[year] for year in range(PERIOD[0], PERIOD[1] + 1)) * ambition, unit)
                row["baseline_year"] = None
            else:
                amount = fit((a5 - a0) * ambition, unit)
                row["baseline_value"] = dec(a0)
                row["baseline_quote"] = f"{BASELINE_YEAR}年，{name}为{num(a0)}{unit}"
            amount = max(amount, 1.0)  # at least one more of a small count
            row["target_value"] = dec(amount)
            quote = f"“十四五”期间，累计新增{name}{num(amount)}{unit}"
        elif kind == "multiple_of_baseline":
            multiple = a5 / a0 * ambition
            row["unit"] = "倍"
            row["target_value"] = dec(multiple)
            row["baseline_value"] = dec(a0)
            row["baseline_quote"] = f"{BASELINE_YEAR}年，{name}为{num(a0)}{unit}"
            quote = f"到{PERIOD[1]}年，{name}达到{BASELINE_YEAR}年的{num(multiple)}倍"
        elif kind == "per_year":
            amount = fit(a1 * ambition, unit)
            row["baseline_year"] = None
            row["target_value"] = dec(amount)
            quote = f"每年{name}不低于{num(amount)}{unit}"
        elif kind == "relative_to_average":
            row["comparator"] = ">" if higher else "<="
            row["baseline_value"] = dec(a0)
            row["baseline_quote"] = f"{BASELINE_YEAR}年，{name}为{num(a0)}{unit}"
            quote = f"{name}{'高于' if higher else '不高于'}全省平均水平"
        else:  # qualitative, with a number
            level = fit(a5 * ambition if higher else a5 / ambition, unit)
            row["baseline_year"] = None
            row["target_value"] = dec(level)
            quote = f"{name}{'力争达到' if higher else '力争降至'}{num(level)}{unit}左右，取得明显成效"
        row["quote"] = quote
        row["section"] = rng.choices(["table", "goals", "body"], weights=[5, 3, 2])[0]
        row["attribute"] = rng.choice(["预期性", "约束性"]) if row["section"] == "table" else ""
        drafts.append(row)

    lines = [f"{region.name_zh}“十四五”科技创新规划（样本）", "", "一、发展基础"]
    lines += rng.sample(FILLER, 4)
    headings = {"table": "二、主要指标", "goals": "三、发展目标", "body": "四、重点任务"}
    position = 0
    rows: list[dict[str, Any]] = []
    for section, heading in headings.items():
        lines += ["", heading]
        for row in (r for r in drafts if r["section"] == section):
            if rng.random() < 0.3:
                lines.append(rng.choice(FILLER))
            lines.append(row["quote"])
            position += 1
            row.update(position=position, quote_line=len(lines), key=f"{section}-{row['indicator']}")
            rows.append(row)
    lines += ["", "五、保障措施", *rng.sample(FILLER, 3)]
    return "\n".join(lines) + "\n", rows


def db_version() -> tuple[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = str(cursor.fetchone()[0])
            shown = []
            for name in ("shared_buffers", "work_mem", "random_page_cost"):
                cursor.execute(f"SHOW {name}")  # names from the tuple above
                shown.append(f"{name}={cursor.fetchone()[0]}")
            return version, ", ".join(shown)
        cursor.execute("SELECT sqlite_version()")
        version = str(cursor.fetchone()[0])
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        return version, f"file in {Path(connection.settings_dict['NAME']).parent}, journal_mode={journal}"


def child_generate(params: dict[str, Any]) -> dict[str, Any]:
    """Synthesize the national data set with bulk_create; return its sizes and the pages to request."""
    django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.db.models import Count

    from cities.models import Membership, Region
    from indicators.models import Indicator, Observation
    from plans.models import Plan, PlanPeriod, Target

    check(not Region.objects.exists() and not Plan.objects.exists(), "the database is not empty")
    started = time.perf_counter()
    rng = random.Random(int(params["seed"]))  # noqa: S311 - reproducible synthetic data, not a secret
    regions, indicators = synthetic_catalogue(rng)
    series = synthetic_series(rng, regions, indicators)
    batch = int(params["batch"])
    steps: dict[str, float] = {}

    with transaction.atomic():
        Region.objects.bulk_create(
            Region(adcode=r.adcode, name_zh=r.name_zh, name_en=r.name_en, level=r.level)
            for r in regions
            if r.level == "province"
        )
        province_pk = dict(Region.objects.values_list("adcode", "pk"))
        Region.objects.bulk_create(
            Region(
                adcode=r.adcode,
                name_zh=r.name_zh,
                name_en=r.name_en,
                level=r.level,
                parent_id=province_pk[r.parent or ""],
            )
            for r in regions
            if r.level == "city"
        )
        region_pk = dict(Region.objects.values_list("adcode", "pk"))
        Indicator.objects.bulk_create(
            Indicator(
                code=i.code,
                name_zh=i.name_zh,
                name_en=i.name_en,
                unit=i.unit,
                direction=i.direction,
                measure=i.measure,
                description="合成指标，仅用于性能基准测试。",
            )
            for i in indicators
        )
        indicator_pk = dict(Indicator.objects.values_list("code", "pk"))
        steps["regions + indicators"] = time.perf_counter() - started

        mark = time.perf_counter()
        documents = {r.adcode: target_rows(rng, r, indicators, series) for r in regions}
        # The migrations create the periods: the one holding the plans' first year.
        period = PlanPeriod.objects.get(first_year__lte=PERIOD[0], last_year__gte=PERIOD[0])
        Plan.objects.bulk_create(
            (
                Plan(
                    slug=f"dashbench-{r.adcode}",
                    region_id=region_pk[r.adcode],
                    period=period,
                    title=f"{r.name_zh}“十四五”科技创新规划（样本）",
                    document_number=f"样本〔2021〕{int(r.adcode) % 997}号",
                    period_start=PERIOD[0],
                    period_end=PERIOD[1],
                    source_text=documents[r.adcode][0],
                )
                for r in regions
            ),
            batch_size=batch,
        )
        plan_pk = dict(Plan.objects.values_list("region__adcode", "pk"))
        targets = (
            Target(
                plan_id=plan_pk[adcode],
                key=row["key"],
                position=row["position"],
                indicator_id=indicator_pk[row["indicator"]],
                label=row["label"],
                kind=row["kind"],
                comparator=row["comparator"],
                baseline_year=row["baseline_year"],
                baseline_value=row["baseline_value"],
                baseline_quote=row["baseline_quote"],
                target_year=PERIOD[1],
                target_value=row["target_value"],
                target_value_max=row["target_value_max"],
                unit=row["unit"],
                compares=row["compares"],
                section=row["section"],
                attribute=row["attribute"],
                quote=row["quote"],
                quote_line=row["quote_line"],
            )
            for adcode, (_text, rows) in documents.items()
            for row in rows
        )
        for part in chunked(targets, batch):
            Target.objects.bulk_create(part)
        steps["plans + targets"] = time.perf_counter() - mark

        mark = time.perf_counter()
        source = "样本数据（基准测试）"
        observations = (
            Observation(
                region_id=region_pk[adcode],
                indicator_id=indicator_pk[code],
                year=year,
                value=dec(value),
                source=source,
                origin="demo",
            )
            for (adcode, code), values in series.items()
            for year, value in values.items()
        )
        for part in chunked(observations, batch):
            Observation.objects.bulk_create(part)
        steps["observations"] = time.perf_counter() - mark

        user_model = get_user_model()
        user = user_model.objects.create_superuser(USERNAME, f"{USERNAME}@example.invalid", None)
        # The overview defaults to the user's province: give the superuser one (it may read every region anyway).
        Membership.objects.create(user=user, region_id=region_pk["410000"])

    if connection.vendor == "postgresql":
        mark = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # steady state: what autovacuum would have done some seconds later
        steps["ANALYZE"] = time.perf_counter() - mark
    seconds = time.perf_counter() - started

    # Pages to request: 5 cities across the country; the provinces with the fewest (municipalities aside), a
    # middling number and the most cities (time or queries growing with the cities show there); a higher- and a
    # lower-is-better indicator.
    cities = [r for r in regions if r.level == "city"]
    sample_cities = [cities[i * (len(cities) - 1) // 4].adcode for i in range(5)]
    provinces = sorted(
        (r for r in regions if r.level == "province" and r.cities), key=lambda r: (len(r.cities), r.adcode)
    )
    sample_provinces = [provinces[0], provinces[len(provinces) // 2], provinces[-1]]
    lower = next(i.code for i in indicators if i.direction == "lower")
    kinds = dict(Target.objects.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    version, server = db_version()
    return {
        "seconds": seconds,
        "steps": steps,
        "regions": Region.objects.count(),
        "provinces": Region.objects.filter(level="province").count(),
        "cities": Region.objects.filter(level="city").count(),
        "indicators": Indicator.objects.count(),
        "plans": Plan.objects.count(),
        "targets": Target.objects.count(),
        "observations": Observation.objects.count(),
        "kinds": kinds,
        "source_text_kb": statistics.mean(len(text.encode()) for text, _rows in documents.values()) / 1024,
        "samples": {
            "city": [f"/cities/{adcode}/" for adcode in sample_cities],
            "overview": [f"/?region={p.adcode}" for p in sample_provinces],
            "indicator": [f"/indicators/{code}/" for code in (indicators[0].code, lower)],
        },
        "sample_notes": {
            **{f"/?region={p.adcode}": f"{p.name_zh}, {len(p.cities)} cities" for p in sample_provinces},
            **{f"/cities/{adcode}/": by_name(regions, adcode) for adcode in sample_cities},
            **{
                f"/indicators/{i.code}/": f"{i.unit}, {i.direction} is better"
                for i in indicators
                if i.code in (indicators[0].code, lower)
            },
        },
        "vendor": connection.vendor,
        "version": version,
        "server": server,
    }


def by_name(regions: list[RegionSpec], adcode: str) -> str:
    return next(r.name_zh for r in regions if r.adcode == adcode)


class AssetParser(HTMLParser):
    """The scripts (<script src>) and style sheets (<link rel="stylesheet" href>) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script" and found.get("src"):
            self.assets.append(str(found["src"]))
        elif tag == "link" and "stylesheet" in (found.get("rel") or "").lower().split() and found.get("href"):
            self.assets.append(str(found["href"]))


def compressed_sizes(path: str) -> dict[str, Any]:
    """Raw, gzip (level 9, as WhiteNoise compresses) and, when the module is installed, brotli sizes."""
    from django.contrib.staticfiles import finders

    found = finders.find(path)
    if not found:
        return {"found": False}
    data = Path(str(found)).read_bytes()
    sizes: dict[str, Any] = {"found": True, "raw": len(data), "gzip": len(gzip.compress(data, 9, mtime=0))}
    if importlib.util.find_spec("brotli") is not None:
        import brotli

        sizes["brotli"] = len(brotli.compress(data))
    return sizes


_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')


def _profile_text(profile: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    for prefix in sorted({str(ROOT) + "/", *(p + "/" for p in sys.path if p.endswith("site-packages"))}, key=len)[::-1]:
        text = text.replace(prefix, "")
    return text


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def child_measure(params: dict[str, Any]) -> dict[str, Any]:
    """Request every sample page: warm-up, then `runs` timed requests; SQL queries; assets; optional profile."""
    django_setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from cities.models import Region
    from indicators.models import Indicator, Observation
    from plans.models import Plan, Target

    # Start as the server process does (config/wsgi.py): every view imported, then gc.freeze() on what is loaded.
    importlib.import_module("config.wsgi")

    # Production serves hashed names from the collectstatic manifest; nothing is collected here, so the plain
    # storage names the files (the manifest lookup costs microseconds). The files themselves are found through
    # the staticfiles finders below.
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    runs, profile_top = int(params["runs"]), int(params["profile_top"])
    samples: dict[str, list[str]] = params["samples"]
    client = Client()
    client.force_login(get_user_model().objects.get(username=USERNAME))

    def get(url: str) -> Any:
        # secure: DEBUG is off, so plain HTTP would be redirected to HTTPS (behind the proxy, requests are HTTPS).
        return client.get(url, secure=True)

    # Garbage-collector pauses inside the timed requests (a full collection walks every object of the process).
    gc_clock = {"spent": 0.0, "start": 0.0, "full": 0}

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            gc_clock["start"] = time.perf_counter()
        else:
            gc_clock["spent"] += time.perf_counter() - gc_clock["start"]
            gc_clock["full"] += info.get("generation") == 2

    gc.callbacks.append(on_gc)

    # Time in cursor.execute, on the request that counts the queries.
    sql_clock = [0.0]

    def sql_timer(execute: Callable[..., Any], *args: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(*args)
        finally:
            sql_clock[0] += time.perf_counter() - start

    pages: dict[str, Any] = {}
    asset_paths: dict[str, list[str]] = {}
    static_url = "/" + settings.STATIC_URL.lstrip("/")
    for page, urls in samples.items():
        result: dict[str, Any] = {"available": True, "reason": "", "urls": {}}
        pages[page] = result
        bodies = {}
        for url in urls:
            try:
                response = get(url)
            except Exception as exc:  # the page is being written: report it, do not stop the run
                result.update(available=False, reason=f"{url} raised {type(exc).__name__}: {str(exc)[:200]}")
                break
            if response.status_code != 200:
                result.update(available=False, reason=f"{url} answered HTTP {response.status_code}")
                break
            bodies[url] = _CSRF.sub(r"\1\"", response.content.decode())
        if result["available"] and page == "overview" and len(set(bodies.values())) == 1 and len(bodies) > 1:
            result.update(available=False, reason="`/` shows the same page whatever ?region= says (no overview yet)")
        if not result["available"]:
            continue
        assets: set[str] = set()
        for url in urls:
            times, gc_times = [], []
            full_before = gc_clock["full"]
            for _ in range(runs):
                gc_before = gc_clock["spent"]
                start = time.perf_counter()
                response = get(url)
                times.append(time.perf_counter() - start)
                gc_times.append(gc_clock["spent"] - gc_before)
                check(response.status_code == 200, f"{url} answered HTTP {response.status_code} in a timed run")
            html = response.content
            sql_clock[0] = 0.0
            with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(sql_timer):
                check(get(url).status_code == 200, f"{url} failed while counting queries")
            parser = AssetParser()
            parser.feed(html.decode())
            assets.update(a.split("?")[0] for a in parser.assets)
            result["urls"][url] = {
                "times": times,
                "gc": gc_times,
                "full_gc": gc_clock["full"] - full_before,
                "queries": len(queries.captured_queries),
                "sql_s": sql_clock[0],
                "html_bytes": len(html),
                "html_gzip": len(gzip.compress(html, 6)),
            }
        asset_paths[page] = sorted(assets)
        if params["profile"]:
            # The slowest sample page of the type: where the time goes when it goes.
            slowest = max(urls, key=lambda url: statistics.median(result["urls"][url]["times"]))
            # With the collector off: a full collection would be charged to whatever function allocated last
            # (its pauses are measured separately, in the GC column).
            gc.collect()
            gc.disable()
            profile = cProfile.Profile()
            try:
                response = profile.runcall(get, slowest)
            finally:
                gc.enable()
            check(response.status_code == 200, f"{slowest} failed under the profiler")
            result["profile"] = {"url": slowest, "text": _profile_text(profile, profile_top)}

    sizes: dict[str, Any] = {}
    for path in sorted({a for assets in asset_paths.values() for a in assets}):
        if path.startswith(static_url):
            sizes[path] = compressed_sizes(unquote(path.removeprefix(static_url)))
        else:
            sizes[path] = {"found": False, "external": True}

    # What each request would add with CONN_MAX_AGE = 0 (the default): opening the database connection. The
    # test client keeps it open between requests, so the times above do not include it.
    connects = []
    for _ in range(10):
        connection.close()
        start = time.perf_counter()
        connection.ensure_connection()
        connects.append(time.perf_counter() - start)
    counts = {
        "regions": Region.objects.count(),
        "indicators": Indicator.objects.count(),
        "plans": Plan.objects.count(),
        "targets": Target.objects.count(),
        "observations": Observation.objects.count(),
    }
    return {"pages": pages, "assets": asset_paths, "sizes": sizes, "connect_s": statistics.median(connects), **counts}


CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "generate": child_generate,
    "measure": child_measure,
}


# ---------------------------------------------------------------------------------------------------------------
# Parent side: databases, the runs, the report.
# ---------------------------------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass
class Database:
    label: str
    url: str
    media: Path
    generated: dict[str, Any] = field(default_factory=dict)
    measured: dict[str, Any] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.url,
            MEDIA_ROOT=str(self.media),
            DJANGO_SETTINGS_MODULE="config.settings",
            DEBUG="false",  # as in production: no query log, no debug templates
            SECRET_KEY="bench-only-not-secret",  # noqa: S106 - a throwaway key for throwaway databases
            CONN_MAX_AGE="0",
            LOG_LEVEL="ERROR",  # the 404s of pages not written yet are expected
        )
        return env


def run_child(db: Database, action: str, params: dict[str, Any], workdir: Path) -> dict[str, Any]:
    out = workdir / f"child-{action}.json"
    out.unlink(missing_ok=True)
    command = [PYTHON, str(Path(__file__).resolve()), "--child", action, "--params", json.dumps(params)]
    command += ["--out", str(out)]
    # Our own interpreter and script, arguments built here: no untrusted input reaches the command line.
    done = subprocess.run(command, cwd=ROOT, env=db.env(), capture_output=True, text=True, timeout=CHILD_TIMEOUT)  # noqa: S603
    if done.returncode != 0:
        tail = done.stdout[-3000:] + done.stderr[-3000:]
        raise SystemExit(f"child {action!r} failed on {db.label} (exit {done.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def manage(db: Database, *args: str) -> None:
    command = [PYTHON, "manage.py", *args]
    done = subprocess.run(command, cwd=ROOT, env=db.env(), capture_output=True, text=True, timeout=600)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def _admin_connection(url: str) -> Any:
    import psycopg2

    parts = urlsplit(url)
    return psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        dbname="postgres",
        connect_timeout=5,
    )


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
        admin = _admin_connection(url)
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
    from psycopg2 import sql

    name = unquote(urlsplit(url).path.lstrip("/"))
    if name in ("", "postgres", "plan_tracker"):
        return
    admin = _admin_connection(url)
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        admin.close()


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


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def kb(size: int) -> str:
    return f"{size / 1024:,.1f}"


def page_times(result: dict[str, Any]) -> list[float]:
    return [t for data in result["urls"].values() for t in data["times"]]


def query_note(result: dict[str, Any]) -> str:
    counts = [data["queries"] for data in result["urls"].values()]
    return str(counts[0]) if len(set(counts)) == 1 else f"{min(counts)}–{max(counts)} (varies!)"


def report(databases: list[Database], args: argparse.Namespace, pg_skipped: str | None, stamp: str) -> str:
    from importlib.metadata import version

    first = databases[0].generated
    out = [
        f"# Dashboard benchmark — {time.strftime('%Y-%m-%d %H:%M %Z')}",
        "",
        f"**Machine**: {os.cpu_count()} CPUs ({cpu_model()}), {platform.platform()}, Python "
        f"{platform.python_version()}, Django {version('Django')}, plotly {version('plotly')}, pandas "
        f"{version('pandas')}, SQLite {sqlite3.sqlite_version}"
        + "".join(f", {db.label} {db.generated['version']}" for db in databases if db.label != "SQLite")
        + f". Load average (1 min) before the timed runs {args.load_before:.2f}, after {os.getloadavg()[0]:.2f} "
        "— another busy process on the machine shows as a high figure here and a wide p90 below.",
        "",
        f"**Data set** (synthetic, seed {args.seed}, the same on every database): {first['regions']} regions "
        f"({first['provinces']} provinces by their real adcodes, {first['cities']} synthetic prefecture-level cities, "
        f"as many per province as in reality, the municipalities none), {first['indicators']} "
        f"indicators, {first['plans']} plans ({PERIOD[0]}–{PERIOD[1]}, one per region, documents "
        f"≈ {first['source_text_kb']:.1f} KB), {first['targets']:,} targets (one per indicator per plan; "
        + ", ".join(f"{k} {n:,}" for k, n in sorted(first["kinds"].items()))
        + f"), {first['observations']:,} actuals (every region × indicator × year {YEARS[0]}–{YEARS[-1]}, "
        "origin demo, growing 2–8 % a year — falling for lower-is-better indicators).",
        "",
        f"**How**: each database gets `migrate` and the synthetic data (bulk_create), then a fresh child process "
        f"requests every sample page with `django.test.Client` as a logged-in superuser: once to warm up, then "
        f"{args.runs} timed runs (status 200 checked each time). *Server time* is the wall time of `client.get`: "
        "middleware, session, view, queries, template rendering. DEBUG is off, as in production. The test client "
        "keeps the database connection open between requests; the default `CONN_MAX_AGE=0` would add the "
        "connection time shown per database. *Queries* are counted on one more request "
        "(`CaptureQueriesContext`). Medians pool all runs of all sample pages of a type. PostgreSQL gets an "
        "`ANALYZE` after loading (the state autovacuum reaches); SQLite has no statistics, as Django leaves it.",
        "",
    ]
    if pg_skipped:
        out += [f"**PostgreSQL was not measured**: {pg_skipped}. The report covers SQLite only.", ""]

    out += [
        "## Server time",
        "",
        "*median*, *p90* (nearest rank) and *min* pool every timed run of every sample page of the type; "
        "*slowest page* is the median of the sample page with the highest median (the largest province, for the "
        "overview). The goal is judged on the slowest page: every sample page must meet it.",
        "",
    ]
    rows = []
    for page, title in PAGE_TITLES.items():
        goal = GOALS_MS[page]
        for db in databases:
            result = db.measured["pages"][page]
            if not result["available"]:
                reason = f"not available: {result['reason']}"
                rows.append([title, db.label, "—", "—", "—", "—", "—", "—", f"≤ {goal:g} ms", reason])
                continue
            times = page_times(result)
            slowest = max(statistics.median(data["times"]) for data in result["urls"].values())
            rows.append(
                [
                    title,
                    db.label,
                    ms(statistics.median(times)),
                    ms(nearest_rank(times, 0.9)),
                    ms(min(times)),
                    ms(slowest),
                    str(len(times)),
                    query_note(result),
                    f"≤ {goal:g} ms",
                    "✅" if slowest * 1000 <= goal else "❌",
                ]
            )
    headers = ["page", "database", "median ms", "p90 ms", "min ms", "slowest page ms", "runs", "SQL queries"]
    out.append(table([*headers, "goal", "met"], rows))
    out += [
        "",
        "Per sample page: median, p90 and min of its runs; *SQL ms* the time spent in `cursor.execute` on the "
        "counting request (PostgreSQL: the query and the transfer of its rows; SQLite: only the first step of "
        "each query, the rows are read later, while Django iterates); *GC* the garbage collector's pauses "
        "inside the timed requests, median and worst, "
        "with the number of full (generation 2) collections among them; the HTML uncompressed and gzip level 6.",
        "",
    ]
    rows = []
    for page in PAGE_TITLES:
        for db in databases:
            result = db.measured["pages"][page]
            for url, data in result["urls"].items():
                rows.append(
                    [
                        f"`{url}`",
                        first["sample_notes"].get(url, ""),
                        db.label,
                        ms(statistics.median(data["times"])),
                        ms(nearest_rank(data["times"], 0.9)),
                        ms(min(data["times"])),
                        str(data["queries"]),
                        ms(data["sql_s"]),
                        f"{ms(statistics.median(data['gc']))} / {ms(max(data['gc']))} ({data['full_gc']})",
                        kb(data["html_bytes"]),
                        kb(data["html_gzip"]),
                    ]
                )
    headers = ["page", "what", "database", "median ms", "p90 ms", "min ms", "queries", "SQL ms"]
    out.append(table([*headers, "GC ms median / max (full GCs)", "HTML KB", "HTML gzip KB"], rows))
    out += ["", "Database:", ""]
    out.append(
        table(
            ["database", "version", "server", "data generated in", "connect (CONN_MAX_AGE=0) ms"],
            [
                [
                    db.label,
                    db.generated["version"],
                    db.generated["server"],
                    f"{db.generated['seconds']:.1f} s ("
                    + ", ".join(f"{k} {v:.1f} s" for k, v in db.generated["steps"].items())
                    + ")",
                    ms(db.measured["connect_s"]),
                ]
                for db in databases
            ],
        )
    )
    out += ["", *transfer_section(databases), ""]

    profiled = [(db, page) for db in databases for page in PAGE_TITLES if db.measured["pages"][page].get("profile")]
    if profiled:
        out += [
            "## Profiles",
            "",
            f"cProfile of one request to the slowest sample page of each type (after the timed runs), top "
            f"{args.profile_top} by cumulative and by own time, with the garbage collector off (a collection would "
            "be charged to whichever function happened to allocate; its pauses are in the GC column above). "
            "Profiling slows Python code more than C code: read the shares, not the seconds.",
            "",
        ]
        for db, page in profiled:
            profile = db.measured["pages"][page]["profile"]
            out += [
                f"### {db.label}: {PAGE_TITLES[page]} — `{profile['url']}`",
                "",
                "```",
                profile["text"].strip(),
                "```",
                "",
            ]
    return "\n".join(out)


def transfer_section(databases: list[Database]) -> list[str]:
    """First-visit transfer of scripts and styles, from the first database where the page is available."""
    assets: dict[str, list[str]] = {}
    sizes: dict[str, Any] = {}
    for db in databases:
        for page, paths in db.measured["assets"].items():
            assets.setdefault(page, paths)
        sizes.update(db.measured["sizes"])
    has_brotli = any("brotli" in s for s in sizes.values())
    out = [
        "## First-visit transfer (scripts and styles)",
        "",
        'The `<script src>` and `<link rel="stylesheet">` files of each page, found through the staticfiles '
        "finders and compressed as WhiteNoise serves them: gzip level 9"
        + (", brotli (quality 11)" if has_brotli else " (the `brotli` module is not installed: no brotli sizes)")
        + ". A first visit to one page type downloads its row; *all page types* is the union, a first visit "
        f"that goes on to every page. Goal: ≤ {GOAL_TRANSFER_BYTES / 1e6:g} MB ({GOAL_TRANSFER_BYTES:,} bytes) "
        "compressed. HTML, the favicon and images are not counted.",
        "",
    ]
    if not assets:
        return [*out, "No page was available: nothing measured."]
    missing = sorted(path for path, s in sizes.items() if not s.get("found"))

    def total(paths: Iterable[str], kind: str) -> int:
        return sum(int(sizes[p].get(kind, 0)) for p in paths if sizes[p].get("found"))

    rows = []
    union = sorted({p for paths in assets.values() for p in paths})
    for page, paths in [
        *((PAGE_TITLES[p], assets[p]) for p in PAGE_TITLES if p in assets),
        ("**all page types**", union),
    ]:
        compressed = total(paths, "gzip")
        rows.append(
            [
                page,
                str(len(paths)),
                kb(total(paths, "raw")),
                kb(compressed),
                *([kb(total(paths, "brotli"))] if has_brotli else []),
                "✅" if compressed <= GOAL_TRANSFER_BYTES else "❌",
            ]
        )
    headers = ["page", "files", "raw KB", "gzip KB", *(["brotli KB"] if has_brotli else []), "≤ 1.5 MB"]
    out.append(table(headers, rows))
    out += ["", "Files:", ""]
    file_rows = [
        [f"`{p}`", kb(sizes[p]["raw"]), kb(sizes[p]["gzip"]), *([kb(sizes[p].get("brotli", 0))] if has_brotli else [])]
        for p in union
        if sizes[p].get("found")
    ]
    out.append(table(["file", "raw KB", "gzip KB", *(["brotli KB"] if has_brotli else [])], file_rows))
    unavailable = [PAGE_TITLES[p] for p in PAGE_TITLES if p not in assets]
    if unavailable:
        out += ["", "Not measured (page not available): " + "; ".join(unavailable) + "."]
    if missing:
        out += ["", "**Not found by the staticfiles finders** (not counted): " + ", ".join(f"`{p}`" for p in missing)]
    return out


def main_parent(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    pg_made = False
    try:
        sqlite_path = args.keep_db.resolve() if args.keep_db else workdir / "dashbench.sqlite3"
        databases = [Database("SQLite", f"sqlite:///{sqlite_path}", workdir / "media-sqlite")]
        pg_skipped: str | None = "--no-postgres was given" if args.no_postgres else None
        if not args.no_postgres:
            pg_skipped = postgres_create(args.pg_url)
            if pg_skipped:
                log(f"PostgreSQL skipped: {pg_skipped}")
            else:
                pg_made = True
                databases.append(Database("PostgreSQL", args.pg_url, workdir / "media-postgres"))

        params = {"seed": args.seed, "batch": 2000}
        for db in databases:
            log(f"{db.label}: migrate")
            manage(db, "migrate", "--noinput")
            log(f"{db.label}: synthesizing the national data set")
            db.generated = run_child(db, "generate", params, workdir)
            log(f"{db.label}: {db.generated['observations']:,} actuals etc. in {db.generated['seconds']:.1f} s")
        samples = databases[0].generated["samples"]
        for db in databases[1:]:
            if db.generated["samples"] != samples or db.generated["targets"] != databases[0].generated["targets"]:
                raise SystemExit(f"{db.label}'s data set differs from {databases[0].label}'s: runs not comparable")

        args.load_before = os.getloadavg()[0]
        for db in databases:
            log(f"{db.label}: requesting the pages ({args.runs} runs each)")
            measure_params = {
                "runs": args.runs,
                "samples": samples,
                "profile": args.profile,
                "profile_top": args.profile_top,
            }
            db.measured = run_child(db, "measure", measure_params, workdir)
            for page, result in db.measured["pages"].items():
                if result["available"]:
                    log(f"{db.label}: {page}: median {ms(statistics.median(page_times(result)))} ms")
                else:
                    log(f"{db.label}: {page}: not available ({result['reason']})")

        stamp = time.strftime("%Y%m%d-%H%M")
        text = report(databases, args, pg_skipped, stamp)
        RESULTS.mkdir(parents=True, exist_ok=True)
        for name in (f"dashboard-{stamp}.md", "dashboard-latest.md"):
            (RESULTS / name).write_text(text + "\n", encoding="utf-8")
        print(text)
        log(f"report written to {RESULTS / f'dashboard-{stamp}.md'} and dashboard-latest.md")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if args.keep_db:
            log(f"kept the SQLite database {args.keep_db}")
        if pg_made:
            postgres_drop(args.pg_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=15, help="timed requests per sample page (default 15)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_DASHBOARD_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL database to drop, create, use and drop again (default %(default)s)",
    )
    parser.add_argument("--no-postgres", action="store_true", help="measure SQLite only")
    parser.add_argument("--profile", action="store_true", help="add cProfile output of one page of each type")
    parser.add_argument("--profile-top", type=int, default=30, help="functions listed per profile (default 30)")
    parser.add_argument(
        "--keep-db", type=Path, metavar="PATH", help="build the SQLite database at PATH (must not exist) and keep it"
    )
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the synthetic data (default %(default)s)")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--params", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = CHILDREN[args.child](json.loads(args.params))
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.keep_db and args.keep_db.exists():
        parser.error(f"--keep-db {args.keep_db} exists: give a new path (the benchmark never overwrites a database)")
    main_parent(args)


if __name__ == "__main__":
    main()
