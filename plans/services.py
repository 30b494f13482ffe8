"""Writes for plans: loading the reviewed fixture files into the database."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.db import models, transaction

from cities.models import Region
from indicators.models import Indicator, IndicatorAlias, normalize_name
from plans import fixture_schema as fx
from plans.models import Plan, Target


class LoadError(Exception):
    pass


def _upsert(model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]) -> tuple[Any, str]:
    """Create or update one row; returns (row, "created" | "updated" | "unchanged"). Saves only on a real change,
    so loading twice writes nothing the second time."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **values), "created"
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

    for path in fx.plan_paths(base / "plans"):
        _load_plan(fx.load_plan(path, set(indicators)), regions, indicators, counts)
    return counts


def _load_plan(
    pf: fx.PlanFile, regions: dict[str, Region], indicators: dict[str, Indicator], counts: Counter[str]
) -> None:
    if pf.region not in regions:
        raise LoadError(f"plan {pf.slug}: unknown region {pf.region}")
    plan, status = _upsert(
        Plan,
        {"slug": pf.slug},
        {
            "region": regions[pf.region],
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
