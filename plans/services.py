"""Writes for plans: loading the reviewed fixture files into the database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import models, transaction

from cities.models import Region
from indicators.models import Indicator, IndicatorAlias, normalize_name
from indicators.numbers import plain
from plans import fixture_schema as fx
from plans.models import Plan, PlanPeriod, Target


class LoadError(Exception):
    pass


def _upsert(
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    *,
    on_create: dict[str, Any] | None = None,
) -> tuple[Any, str]:
    """Create or update one row; returns (row, "created" | "updated" | "unchanged"). Saves only on a real change,
    so loading twice writes nothing the second time. `on_create`: defaults set on a new row only, never over
    what the admin has edited since."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **values, **(on_create or {})), "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    return obj, "updated"


@transaction.atomic
def fixtures_load(fixtures_dir: Path | None = None) -> Counter[str]:
    """Load regions, indicators and every plan file from ``fixtures/``, all or nothing.

    Returns counts such as {"target created": 120, "plan unchanged": 5}. Targets of a loaded plan that are no
    longer in its file are deleted: the reviewed file is the source of truth for a plan's targets.
    """
    base = fixtures_dir or fx.FIXTURES_DIR
    counts: Counter[str] = Counter()

    regions: dict[str, Region] = {}
    for r in fx.load_regions(base / "regions.yaml"):
        region, status = _upsert(
            Region,
            {"adcode": r.adcode},
            {
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "level": r.level,
                "parent": regions[r.parent] if r.parent else None,
            },
        )
        regions[r.adcode] = region
        counts[f"region {status}"] += 1

    indicators: dict[str, Indicator] = {}
    for row in fx.load_indicators(base / "indicators.yaml"):
        indicator, status = _upsert(
            Indicator,
            {"code": row.code},
            {
                "name_zh": row.name_zh,
                "name_en": row.name_en,
                "unit": row.unit,
                "direction": row.direction,
                "measure": row.measure,
                "description": row.description,
                "theme": row.theme,
            },
            # The reporting calendar is the bureau's to edit in the admin: the fixture gives the first values.
            on_create={"release_month": row.release_month, "release_lag_years": row.release_lag_years},
        )
        indicators[row.code] = indicator
        counts[f"indicator {status}"] += 1
        for name in row.aliases:
            existing = IndicatorAlias.objects.filter(normalized=normalize_name(name)).first()
            if existing is None:
                IndicatorAlias.objects.create(indicator=indicator, name=name)
                counts["alias created"] += 1
            elif existing.indicator_id != indicator.pk:
                raise LoadError(f"alias {name!r} of {row.code} already names indicator {existing.indicator}")

    periods: dict[str, PlanPeriod] = {}
    period_rows = fx.load_periods(base / "periods.yaml")
    for period_row in period_rows:
        period, status = _upsert(
            PlanPeriod,
            {"code": period_row.code},
            {
                "name_zh": period_row.name_zh,
                "name_en": period_row.name_en,
                "first_year": period_row.first_year,
                "last_year": period_row.last_year,
                "baseline_year": period_row.baseline_year,
            },
        )
        periods[period_row.code] = period
        counts[f"period {status}"] += 1

    for path in fx.plan_paths(base / "plans"):
        pf = fx.load_plan(path, set(indicators))
        _load_plan(pf, periods[fx.period_of(pf, period_rows).code], regions, indicators, counts)
    return counts


def _load_plan(
    pf: fx.PlanFile,
    period: PlanPeriod,
    regions: dict[str, Region],
    indicators: dict[str, Indicator],
    counts: Counter[str],
) -> None:
    if pf.region not in regions:
        raise LoadError(f"plan {pf.slug}: unknown region {pf.region}")
    plan, status = _upsert(
        Plan,
        {"slug": pf.slug},
        {
            "region": regions[pf.region],
            "period": period,
            "title": pf.title,
            "document_number": pf.document_number or "",
            "issue_date": pf.issue_date,
            "period_start": pf.period_start,
            "period_end": pf.period_end,
            "source_text": pf.text,
        },
    )
    counts[f"plan {status}"] += 1

    by_key: dict[str, Target] = {}
    for position, t in enumerate(pf.targets, start=1):
        target, status = _upsert(
            Target,
            {"plan": plan, "key": t.key},
            {
                "position": position,
                "indicator": indicators[t.indicator],
                "label": t.label,
                "kind": t.kind,
                "comparator": t.comparator,
                "baseline_year": t.baseline_year,
                "baseline_value": t.baseline_value,
                "baseline_note": t.baseline_note,
                "baseline_quote": t.baseline_quote or "",
                "target_year": t.target_year,
                "target_value": t.target_value,
                "target_value_max": t.target_value_max,
                "unit": t.unit,
                "section": t.section,
                "attribute": t.attribute or "",
                "quote": t.quote,
                "quote_line": t.line,
                "note": t.note,
                "compares": t.compares,
            },
        )
        by_key[t.key] = target
        counts[f"target {status}"] += 1

    removed, _ = plan.targets.exclude(key__in=by_key).delete()
    if removed:
        counts["target deleted"] += removed

    for t in pf.targets:
        wanted = {by_key[k].pk for k in t.conflicts_with}
        target = by_key[t.key]
        current = set(target.conflicts_with.values_list("pk", flat=True))
        # Symmetrical relation: adding A→B also adds B→A, so only add what is missing.
        if missing := wanted - current:
            target.conflicts_with.add(*missing)
            counts["conflict link created"] += len(missing)


# ------------------------------------------------------------------------------------------- plans travel
# A plan leaves one installation as its fixture file and document (the layout of fixtures/: plans/SLUG.yaml beside
# documents/SLUG.txt) and enters another through the same checks and loader as load_plans.


class _FixtureDumper(yaml.SafeDumper):
    pass


def _decimal_node(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    # The exact decimal as written (2.31, 800), never a binary float's digits.
    if value == value.to_integral_value():
        return dumper.represent_scalar("tag:yaml.org,2002:int", str(int(value)))
    return dumper.represent_scalar("tag:yaml.org,2002:float", plain(value))


_FixtureDumper.add_representer(Decimal, _decimal_node)


def plan_export(plan: Plan) -> tuple[str, str]:
    """The plan as a fixture file (YAML text) and its document text."""
    header: dict[str, Any] = {
        "slug": plan.slug,
        "region": plan.region.adcode,
        "title": plan.title,
        "document_number": plan.document_number or None,
        "issue_date": plan.issue_date.isoformat() if plan.issue_date else None,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "period": plan.period.code,
        "document": f"documents/{plan.slug}.txt",
    }
    targets = []
    for t in plan.targets.select_related("indicator").prefetch_related("conflicts_with").order_by("position", "pk"):
        targets.append(
            {
                "key": t.key,
                "indicator": t.indicator.code,
                "label": t.label,
                "kind": t.kind,
                "compares": t.compares,
                "comparator": t.comparator,
                "baseline_year": t.baseline_year,
                "baseline_value": t.baseline_value,
                "baseline_note": t.baseline_note,
                "baseline_quote": t.baseline_quote or None,
                "target_year": t.target_year,
                "target_value": t.target_value,
                "target_value_max": t.target_value_max,
                "unit": t.unit,
                "section": t.section,
                "attribute": t.attribute or None,
                "quote": t.quote,
                "line": t.quote_line,
                "note": t.note,
                "conflicts_with": sorted(other.key for other in t.conflicts_with.all()),
            }
        )
    text = yaml.dump(
        {"plan": header, "targets": targets}, Dumper=_FixtureDumper, allow_unicode=True, sort_keys=False, width=120
    )
    return text, plan.source_text


def plan_export_to(plan: Plan, folder: Path) -> Path:
    """Writes folder/plans/SLUG.yaml and folder/documents/SLUG.txt; returns the plan file's path."""
    text, document = plan_export(plan)
    (folder / "plans").mkdir(parents=True, exist_ok=True)
    (folder / "documents").mkdir(parents=True, exist_ok=True)
    (folder / "documents" / f"{plan.slug}.txt").write_text(document, encoding="utf-8")
    path = folder / "plans" / f"{plan.slug}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@transaction.atomic
def plan_import(path: Path) -> Counter[str]:
    """Load one plan file (with its document beside it, as in fixtures/) into this installation: checked by the
    fixture schema against this catalogue and these periods, then loaded as load_plans loads, all or nothing."""
    return _plan_import(lambda codes: fx.load_plan(path, codes))


@transaction.atomic
def plan_import_data(data: dict[str, Any], text: str) -> Counter[str]:
    """plan_import for a plan file's content built in memory (its YAML as a dict) and its document text: the same
    checks and loader (a draft published in the admin goes this way)."""
    document = Path(str(data["plan"].get("document") or "document.txt"))
    return _plan_import(lambda codes: fx.plan_from_data(data, text, document, document.name, codes))


def _plan_import(read: Callable[[set[str]], fx.PlanFile]) -> Counter[str]:
    indicators = {i.code: i for i in Indicator.objects.all()}
    regions = {r.adcode: r for r in Region.objects.all()}
    periods = {p.code: p for p in PlanPeriod.objects.all()}
    rows = [
        fx.PeriodRow(p.code, p.name_zh, p.name_en, p.first_year, p.last_year, p.baseline_year) for p in periods.values()
    ]
    pf = read(set(indicators))
    counts: Counter[str] = Counter()
    _load_plan(pf, periods[fx.period_of(pf, rows).code], regions, indicators, counts)
    return counts
