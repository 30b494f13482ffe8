"""Published evaluations (已发布的评估): a plan's, or every plan of the province's, evaluation as of a year, frozen.

The snapshot is built from plans.evaluation (the same rows, counts, texts and values the evaluation page shows:
nothing here judges a target) as plain JSON: per plan its rows — numbers, status, completion, explanation, verdict
— and its counts, and every actual value the rows rest on (region, indicator, year, value, source, stage,
origin; demo values say so). Texts are kept in Chinese and in English. `compare` puts a snapshot beside the same
evaluation computed now: what changed, and which values went from estimate (预计值) to final (统计值).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cities.models import Region
from cities.selectors import subtree_q
from indicators.models import Observation
from indicators.numbers import plain
from plans import vocabulary as v
from plans.evaluation import Evaluation, EvaluationRow, plan_evaluation, stated_target
from plans.models import Plan, PublishedEvaluation
from plans.selectors import plan_span

SNAPSHOT_FORMAT = 1
PUBLISH_PERMISSION = "plans.add_publishedevaluation"
LANGUAGES = ("zh-hans", "en")


class PublishError(Exception):
    """The evaluation cannot be published (no plan, a year outside the plans' years…): str() says why."""


def may_publish(user: User | AnonymousUser | None) -> bool:
    """Province staff (the permission, granted with the review right) and superusers."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_perm(PUBLISH_PERMISSION))


def province() -> Region:
    found = Region.objects.filter(level=Region.Level.PROVINCE).order_by("adcode").first()
    if found is None:
        raise PublishError(_("No province is loaded."))
    return found


def scope_plans(plan: Plan | None, year: int) -> list[Plan]:
    """The plans an evaluation covers: the one plan, or every plan of the province and the regions below it whose
    period holds `year` (an evaluation of 2025 is the 14th period's, never mixed with the 15th's plans, whose
    baseline year 2025 is)."""
    if plan is not None:
        return [plan]
    plans = (
        Plan.objects.defer("source_text")
        .select_related("region__parent")
        .filter(subtree_q(province(), "region"))
        .order_by("region__adcode", "period_start", "pk")
    )
    return list(plans.filter(period_start__lte=year, period_end__gte=year)) or list(plans.filter(period_start=year + 1))


def _number(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _texts(build: Any) -> dict[str, str]:
    """One text in each language of LANGUAGES."""
    texts = {}
    for language in LANGUAGES:
        with translation.override(language):
            texts[language] = str(build())
    return texts


def _row(row: EvaluationRow) -> dict[str, Any]:
    target, progress, item = row.target, row.progress, row.item
    explanation = row.explanation
    verdict = row.verdict
    return {
        "number": row.number,
        "target": target.pk,
        "key": target.key,
        "label": target.label,
        "indicator": target.indicator.code,
        "indicator_name": {"zh-hans": target.indicator.name_zh, "en": target.indicator.name_en},
        "unit": target.indicator.unit,
        "attribute": target.attribute,
        "section": target.section,
        "quote_line": target.quote_line,
        "kind": target.kind,
        "stated_target": _texts(lambda: stated_target(target)),
        "baseline": _number(progress.baseline_used),
        "baseline_year": progress.baseline_year_used,
        "target_level": _number(progress.target_level),
        "actual": _number(progress.actual),
        "actual_year": progress.year,
        "actual_origin": item.actual_origin,
        "is_demo": item.is_demo,
        "is_estimate": item.is_estimate,
        "expected": _number(progress.expected),
        "completion": _number(row.completion),
        "years_met": progress.years_met,
        "years_counted": progress.years_counted,
        "status": row.status,
        "status_label": _texts(lambda: row.status_label),
        "trend_label": _texts(lambda: row.trend_label),
        "notes": _texts(lambda: row.notes),
        "formula": _texts(lambda: row.formula),
        "disagreement": _texts(lambda: row.disagreement),
        "explanation": None
        if explanation is None
        else {
            "id": explanation.pk,
            "year": explanation.year,
            "situation": explanation.situation,
            "outlook": explanation.outlook,
            "causes": explanation.causes,
            "propose_revision": explanation.propose_revision,
            "revised_target": None if explanation.revised_target is None else plain(explanation.revised_target),
            "measures": explanation.measures,
            "author": explanation.author.get_username() if explanation.author else "",
            "created_at": explanation.created_at.isoformat(),
        },
        "verdict": None
        if verdict is None
        else {
            "id": verdict.pk,
            "verdict": verdict.verdict,
            "year": verdict.year,
            "decided_on": verdict.decided_on.isoformat(),
            "evidence_text": verdict.evidence_text,
            "evidence_url": verdict.evidence_url,
            "evidence_name": verdict.evidence_name,
            "reviewer": verdict.reviewer.get_username() if verdict.reviewer else "",
            "created_at": verdict.created_at.isoformat(),
        },
    }


def _plan_part(evaluation: Evaluation) -> dict[str, Any]:
    plan = evaluation.plan
    return {
        "plan": {
            "id": plan.pk,
            "slug": plan.slug,
            "title": plan.title,
            "region": plan.region.adcode,
            "region_name": {"zh-hans": plan.region.name_zh, "en": plan.region.name_en},
            "period": [plan.period_start, plan.period_end],
        },
        "title": _texts(lambda: evaluation.title),
        "summary": _texts(lambda: evaluation.summary),
        "attributes": _texts(lambda: "; ".join(f"{w}: {n} · {c}" for w, n, c in evaluation.attributes)),
        "counts": dict(evaluation.counts),
        "early_warnings": [row.target.pk for row in evaluation.early_warnings],
        "has_demo": evaluation.has_demo,
        "has_estimate": any(row.item.is_estimate for row in evaluation.rows),
        "rows": [_row(row) for row in evaluation.rows],
    }


def _values(evaluations: Iterable[Evaluation], year: int) -> list[dict[str, Any]]:
    """Every stored value the rows were judged on: the region's series of each target's indicator up to the year
    (and the province's, for targets relative to its average)."""
    keys: set[tuple[int, int]] = set()
    for evaluation in evaluations:
        for row in evaluation.rows:
            region = row.target.plan.region
            keys.add((region.pk, row.target.indicator_id))
            if row.item.parent_actuals and region.parent_id:
                keys.add((region.parent_id, row.target.indicator_id))
    if not keys:
        return []
    # The regions × indicators asked for, then the keys kept in Python (an OR per key would grow without bound).
    observations = (
        Observation.objects.filter(
            region_id__in={key[0] for key in keys}, indicator_id__in={key[1] for key in keys}, year__lte=year
        )
        .select_related("region", "indicator")
        .order_by("region__adcode", "indicator__code", "year")
    )
    return [
        {
            "region": o.region.adcode,
            "region_name": {"zh-hans": o.region.name_zh, "en": o.region.name_en},
            "indicator": o.indicator.code,
            "year": o.year,
            "value": plain(o.value),
            "unit": o.indicator.unit,
            "source": o.source,
            "stage": o.stage,
            "origin": o.origin,
            "is_demo": o.is_demo,
        }
        for o in observations
        if (o.region_id, o.indicator_id) in keys
    ]


def build_snapshot(plan: Plan | None, year: int, kind: str) -> dict[str, Any]:
    """The frozen content of a published evaluation: the evaluations plans.evaluation computes now, as JSON."""
    evaluations = [plan_evaluation(p, year) for p in scope_plans(plan, year)]
    counts: dict[str, int] = {status: 0 for status in v.STATUSES}
    for evaluation in evaluations:
        for status, count in evaluation.counts.items():
            counts[status] = counts.get(status, 0) + count
    values = _values(evaluations, year)
    return {
        "format": SNAPSHOT_FORMAT,
        "scope": "plan" if plan is not None else "province",
        "kind": kind,
        "as_of": year,
        "plans": [_plan_part(evaluation) for evaluation in evaluations],
        "counts": counts,
        "targets": sum(len(evaluation.rows) for evaluation in evaluations),
        "has_demo": any(evaluation.has_demo for evaluation in evaluations) or any(x["is_demo"] for x in values),
        "has_estimate": any(x["stage"] == Observation.Stage.ESTIMATE for x in values),
        "values": values,
    }


def default_title(plan: Plan | None, year: int, kind: str, snapshot: dict[str, Any]) -> str:
    """ "郑州市…规划 终期评估（2025年，基于预计值·含演示数据）": says when it rests on estimates or demo values."""
    with translation.override("zh-hans"):
        scope = plan.title if plan is not None else _("%(province)s, every plan") % {"province": province().name_zh}
        word = _("Final evaluation") if kind == v.FINAL_EVALUATION else _("Mid-term evaluation")
        marks = []
        if snapshot["has_estimate"]:
            marks.append(_("on estimates (预计值)"))
        if snapshot["has_demo"]:
            marks.append(_("includes demo data (演示数据)"))
        return str(
            _("%(scope)s · %(kind)s as of %(year)s%(marks)s")
            % {"scope": scope, "kind": word, "year": year, "marks": f"（{'，'.join(marks)}）" if marks else ""}
        )[:300]


@transaction.atomic
def publish(
    *,
    plan: Plan | None,
    year: int,
    kind: str,
    user: User | AnonymousUser | None,
    title: str = "",
    note: str = "",
) -> PublishedEvaluation:
    """Freeze the evaluation now. `user` None: the operator at the shell; anyone else needs the permission."""
    if user is not None and not may_publish(user):
        raise PermissionDenied(_("Publishing an evaluation needs the right to publish evaluations."))
    if kind not in v.EVALUATION_KINDS:
        raise PublishError(_("Unknown kind of evaluation: %(kind)s") % {"kind": kind})
    plans = scope_plans(plan, year)
    if not plans:
        raise PublishError(_("There is no plan to evaluate."))
    span = plan_span(plans)
    if year not in span:
        raise PublishError(
            _("The year %(year)s is outside the plans' years (%(first)s–%(last)s).")
            % {"year": year, "first": span.start, "last": span.stop - 1}
        )
    snapshot = build_snapshot(plan, year, kind)
    record = PublishedEvaluation(
        plan=plan,
        region=plan.region if plan is not None else province(),
        kind=kind,
        as_of=year,
        title=(title.strip() or default_title(plan, year, kind, snapshot))[:300],
        note=note.strip(),
        snapshot=snapshot,
        published_at=timezone.now(),
        published_by=user if isinstance(user, User) and user.pk else None,
    )
    record.save()
    return record


# ---------------------------------------------------------------------------------------------------- comparing


@dataclass(frozen=True)
class RowChange:
    plan_title: str
    label: str
    then: dict[str, Any] | None  # the snapshot's row (None: the target was not in it)
    now: dict[str, Any] | None  # the row computed now (None: the target is gone)
    changed: tuple[str, ...]  # the fields that differ: actual, actual_year, completion, status, verdict, explanation

    @property
    def status_changed(self) -> bool:
        return "status" in self.changed


@dataclass(frozen=True)
class ValueChange:
    key: tuple[str, str, int]  # region, indicator, year
    then: dict[str, Any] | None
    now: dict[str, Any] | None

    @property
    def finalised(self) -> bool:
        """An estimate (预计值) then, final statistics (统计值) now."""
        return (
            self.then is not None
            and self.now is not None
            and self.then["stage"] == Observation.Stage.ESTIMATE
            and self.now["stage"] == Observation.Stage.FINAL
        )


@dataclass(frozen=True)
class Comparison:
    published: PublishedEvaluation
    now: dict[str, Any]
    rows: list[RowChange] = field(default_factory=list)
    values: list[ValueChange] = field(default_factory=list)

    @property
    def changed_rows(self) -> list[RowChange]:
        return [row for row in self.rows if row.changed]

    @property
    def finalised(self) -> list[ValueChange]:
        return [value for value in self.values if value.finalised]


COMPARED = ("actual", "actual_year", "completion", "status", "is_estimate", "is_demo")


def _verdict_key(row: dict[str, Any]) -> Any:
    verdict = row.get("verdict")
    return None if verdict is None else (verdict["id"], verdict["verdict"], verdict["year"])


def _explanation_key(row: dict[str, Any]) -> Any:
    explanation = row.get("explanation")
    return None if explanation is None else explanation["id"]


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def compare(published: PublishedEvaluation) -> Comparison:
    """The snapshot beside the same evaluation (same plans, year and kind) computed now."""
    then = published.snapshot
    now = build_snapshot(published.plan, published.as_of, published.kind)
    rows: list[RowChange] = []
    now_rows: dict[tuple[int, int], tuple[dict[str, Any], dict[str, Any]]] = {
        (part["plan"]["id"], row["target"]): (part, row) for part in now["plans"] for row in part["rows"]
    }
    seen = set()
    for part in then["plans"]:
        for row in part["rows"]:
            key = (part["plan"]["id"], row["target"])
            seen.add(key)
            current = now_rows.get(key)
            new = current[1] if current else None
            changed: list[str] = []
            if new is None:
                changed.append("target")
            else:
                changed += [name for name in COMPARED if not _close(row.get(name), new.get(name))]
                if _verdict_key(row) != _verdict_key(new):
                    changed.append("verdict")
                if _explanation_key(row) != _explanation_key(new):
                    changed.append("explanation")
            rows.append(RowChange(part["plan"]["title"], row["label"], row, new, tuple(changed)))
    for key, (part, row) in now_rows.items():
        if key not in seen:
            rows.append(RowChange(part["plan"]["title"], row["label"], None, row, ("target",)))
    values_then: dict[tuple[str, str, int], dict[str, Any]] = {
        (x["region"], x["indicator"], x["year"]): x for x in then["values"]
    }
    values_now: dict[tuple[str, str, int], dict[str, Any]] = {
        (x["region"], x["indicator"], x["year"]): x for x in now["values"]
    }
    values = []
    for value_key in sorted(set(values_then) | set(values_now)):
        a, b = values_then.get(value_key), values_now.get(value_key)
        same = a is not None and b is not None and all(a[n] == b[n] for n in ("value", "stage", "origin", "source"))
        if not same:
            values.append(ValueChange(value_key, a, b))
    return Comparison(published, now, rows, values)
