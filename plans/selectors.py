"""Reads for the progress evaluation: targets and their actuals out of the database, into plans.progress.

A fixed number of queries whatever the number of targets: the targets, their plans (with region and parent
region) and their indicators, then every actual they need in one query. Also the years of plans (plan_span) and
the as-of year a page reads them at when none is asked for (default_as_of).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from django.conf import settings
from django.db.models import Exists, FloatField, Max, Min, OuterRef, Prefetch, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from cities.models import Region
from cities.selectors import subtree_q
from indicators.models import ActualsImport, Observation, SubmittedValue
from indicators.units import unit_factor
from plans import consistency, wording
from plans import progress as pr
from plans import vocabulary as v
from plans.models import Plan, PlanPeriod, Target, TargetExplanation, TargetRevision, TargetVerdict
from plans.revisions import in_force, revised_target, revisions_by_target

# The origin a submitted value (awaiting review) is shown with: never stored as an Observation's origin.
SUBMITTED = ActualsImport.Status.SUBMITTED.value

# Kinds whose stated numbers are levels of the indicator (in the plan's printed unit, converted here).
_LEVEL_VALUED = {
    Target.Kind.LEVEL,
    Target.Kind.CUMULATIVE_NEW,
    Target.Kind.PER_YEAR,
    Target.Kind.QUALITATIVE,
    Target.Kind.RELATIVE_TO_AVERAGE,
}


@dataclass(frozen=True)
class TargetProgress:
    target: Target
    progress: pr.Progress
    spec: pr.TargetSpec  # what the method judged: the target in plain numbers, in the indicator's unit
    is_demo: bool  # the actual of the evaluation year is demonstration data
    actual_origin: str | None
    actuals: Mapping[int, float] = field(default_factory=dict)  # the region's series the target was judged on
    parent_actuals: Mapping[int, float] = field(default_factory=dict)  # the province's, for relative targets
    demo_years: frozenset[int] = frozenset()  # the years of `actuals` that are demonstration data
    parent_demo_years: frozenset[int] = frozenset()  # the years of `parent_actuals` that are demonstration data
    # The years of `actuals` that are submitted values awaiting review (only with include_submitted), and whether
    # the evaluation year's actual (or the province's yardstick) is one.
    submitted_years: frozenset[int] = frozenset()
    is_submitted: bool = False
    # A reviewer's verdict (qualitative targets), the latest for the latest year up to the as-of year: the status.
    verdict: TargetVerdict | None = None
    # The years of `actuals` (and `parent_actuals`) that are estimates (预计值), not final statistics, and whether
    # the evaluation year's actual (or the province's yardstick) is one.
    estimate_years: frozenset[int] = frozenset()
    parent_estimate_years: frozenset[int] = frozenset()
    is_estimate: bool = False
    # A revised target (plans.revisions): the revision in force at the as-of year, if any. Then `progress` and
    # `spec` are the judgement against the revised target (the headline: status, counts, colours) and `original`
    # and `original_spec` the judgement against the target as the plan states it.
    revision: TargetRevision | None = None
    original: pr.Progress | None = None
    original_spec: pr.TargetSpec | None = None
    revised: Target | None = None  # the revised copy of the target (in memory, never saved)
    revisions: tuple[TargetRevision, ...] = ()  # every revision of the target, oldest first (its history)

    @property
    def status(self) -> str:
        """The target's one status code (plans.vocabulary.STATUSES): its word, colour and counts follow it —
        against the revised target when a revision is in force."""
        return pr.status(self.progress)

    @property
    def status_original(self) -> str:
        """The status against the target as the plan states it (按原目标)."""
        return pr.status(self.original if self.original is not None else self.progress)

    @property
    def status_revised(self) -> str | None:
        """The status against the revised target (按调整后目标), when a revision is in force; else None."""
        return pr.status(self.progress) if self.revision is not None else None

    @property
    def original_progress(self) -> pr.Progress:
        return self.original if self.original is not None else self.progress


def thresholds() -> pr.Thresholds:
    return pr.Thresholds(**{key: float(value) for key, value in settings.PROGRESS_THRESHOLDS.items()})


def _float(value: Decimal | None, factor: Decimal = Decimal(1)) -> float | None:
    return None if value is None else float(value * factor)


def target_spec(target: Target) -> pr.TargetSpec:
    """The plain-number description of a target, its values converted to the indicator's unit."""
    indicator = target.indicator
    factor = unit_factor(target.unit, indicator.unit) if target.kind in _LEVEL_VALUED else Decimal(1)
    baseline = target.baseline_value
    if target.kind == Target.Kind.ANNUAL_GROWTH_RATE or factor is None:
        # A growth target's baseline is a rate; a unit that does not measure the indicator (e.g. "%" on a
        # count compared by growth) is not a level either. The evaluation then takes B from the actuals.
        baseline = None
    # multiple_of_baseline: the value is a multiplier (倍) and the baseline a level in the indicator's unit.
    value_factor = factor if factor is not None else Decimal(1)
    return pr.TargetSpec(
        kind=target.kind,
        comparator=target.comparator,
        target_year=target.target_year,
        target_value=_float(target.target_value, value_factor),
        target_value_max=_float(target.target_value_max, value_factor),
        baseline_year=target.baseline_year,
        baseline_value=_float(baseline, value_factor),
        period_start=target.plan.period_start,
        direction=indicator.direction,
        measure=indicator.measure,
        compares=target.compares,
    )


def targets_for(
    *,
    region: Region | None = None,
    plan: Plan | None = None,
    indicator_code: str | None = None,
    below: bool = True,
    periods: Iterable[PlanPeriod] | None = None,
) -> QuerySet[Target]:
    """Targets of the plans of `region` and (unless `below` is false) every region below it, optionally of one
    plan or indicator, of the plans of `periods` (None: of every period)."""
    # Plans and indicators come in queries of their own, one instance each shared by its targets (a join would
    # build a plan, two regions and an indicator per target: 4 400 objects on a province's overview). The
    # plan's document text is large and not needed to judge its targets.
    plans = Plan.objects.defer("source_text").select_related("region__parent", "period")
    targets = Target.objects.prefetch_related(Prefetch("plan", queryset=plans), "indicator")
    if region is not None and not below:
        targets = targets.filter(plan__region=region)
    elif region is not None:
        targets = targets.filter(subtree_q(region, "plan__region"))
    if plan is not None:
        targets = targets.filter(plan=plan)
    if indicator_code is not None:
        targets = targets.filter(indicator__code=indicator_code)
    if periods is not None:
        targets = targets.filter(plan__period__in=list(periods))
    return targets.order_by("plan__region__adcode", "plan_id", "position")


def evaluate_targets(
    targets: Iterable[Target],
    *,
    as_of: int | None = None,
    include_submitted: bool = False,
    submitted_imports: Collection[int] | None = None,
    submitted_regions: Collection[int] | None = None,
) -> list[TargetProgress]:
    """Evaluate each target against its region's approved actuals (and its parent region's for relative targets).
    `include_submitted` lays the values of every import awaiting review over them (the latest submission wins);
    `submitted_imports` those of these imports only (what one import would do, for its reviewer);
    `submitted_regions` keeps the submitted values of these regions only (cities.access.submitted_scope: what the
    user may see), None every region's."""
    targets = list(targets)
    if not targets:
        return []
    region_ids = {t.plan.region_id for t in targets} | {
        t.plan.region.parent_id
        for t in targets
        if t.kind == Target.Kind.RELATIVE_TO_AVERAGE and t.plan.region.parent_id
    }
    indicator_ids = {t.indicator_id for t in targets}
    series: dict[tuple[int, int], dict[int, float]] = defaultdict(dict)
    origins: dict[tuple[int, int, int], str] = {}
    demo: dict[tuple[int, int], set[int]] = defaultdict(set)
    estimates: dict[tuple[int, int], set[int]] = defaultdict(set)
    observations = Observation.objects.filter(region_id__in=region_ids, indicator_id__in=indicator_ids)
    if as_of is not None:
        observations = observations.filter(year__lte=as_of)  # later years cannot count
    # As floats straight from the database: the method computes in floats, and Decimal → float per value cost
    # more than the query itself on a province's thousands of actuals.
    rows = observations.values_list("region_id", "indicator_id", "year", Cast("value", FloatField()), "origin", "stage")
    for region_id, indicator_id, year, value, origin, stage in rows:
        series[region_id, indicator_id][year] = value
        origins[region_id, indicator_id, year] = origin
        if origin == Observation.Origin.DEMO:
            demo[region_id, indicator_id].add(year)
        if stage == Observation.Stage.ESTIMATE:
            estimates[region_id, indicator_id].add(year)
    submitted: dict[tuple[int, int], set[int]] = defaultdict(set)
    if include_submitted or submitted_imports is not None:
        pending = SubmittedValue.objects.filter(region_id__in=region_ids, indicator_id__in=indicator_ids)
        if submitted_imports is not None:
            pending = pending.filter(actuals_import_id__in=submitted_imports)
        else:
            pending = pending.filter(actuals_import__status=ActualsImport.Status.SUBMITTED)
        if submitted_regions is not None:
            pending = pending.filter(region_id__in=submitted_regions)
        if as_of is not None:
            pending = pending.filter(year__lte=as_of)
        pending = pending.order_by("actuals_import__committed_at", "actuals_import_id")  # later ones overwrite
        for region_id, indicator_id, year, value, stage in pending.values_list(
            "region_id", "indicator_id", "year", Cast("value", FloatField()), "stage"
        ):
            series[region_id, indicator_id][year] = value
            origins[region_id, indicator_id, year] = SUBMITTED
            demo[region_id, indicator_id].discard(year)
            if stage == Observation.Stage.ESTIMATE:
                estimates[region_id, indicator_id].add(year)
            else:
                estimates[region_id, indicator_id].discard(year)
            submitted[region_id, indicator_id].add(year)
    limits = thresholds()
    verdicts = latest_verdicts(targets, year=as_of)
    history = revisions_by_target(target.pk for target in targets)
    results = []
    for target in targets:
        region = target.plan.region
        parent = series.get((region.parent_id, target.indicator_id), {}) if region.parent_id else {}
        own = series.get((region.pk, target.indicator_id), {})
        verdict = verdicts.get(target.pk)
        spec, result = _judge(target, own, parent, verdict, as_of, limits)
        revisions = tuple(history.get(target.pk, ()))
        revision = in_force(revisions, as_of)
        original = original_spec = revised = None
        if revision is not None:
            # The same method on a revised copy of the target: the headline is the revised judgement.
            revised = revised_target(target, revision)
            original, original_spec = result, spec
            spec, result = _judge(revised, own, parent, verdict, as_of, limits)
        shown = origins.get((region.pk, target.indicator_id, result.year)) if result.year is not None else None
        # A comparison with the province rests on the province's value of that year too.
        yardstick = None
        if parent and region.parent_id is not None and result.year is not None:
            yardstick = origins.get((region.parent_id, target.indicator_id, result.year))
        is_demo = Observation.Origin.DEMO in (shown, yardstick)
        own_estimates = frozenset(estimates.get((region.pk, target.indicator_id), ()))
        relative = target.kind == Target.Kind.RELATIVE_TO_AVERAGE and region.parent_id
        parent_estimates: frozenset[int] = frozenset()
        if relative and region.parent_id is not None:
            parent_estimates = frozenset(estimates.get((region.parent_id, target.indicator_id), ()))
        is_estimate = result.year is not None and (
            result.year in own_estimates or (yardstick is not None and result.year in parent_estimates)
        )
        results.append(
            TargetProgress(
                target=target,
                progress=result,
                spec=spec,
                is_demo=is_demo,
                actual_origin=shown,
                actuals=own,
                parent_actuals=parent if target.kind == Target.Kind.RELATIVE_TO_AVERAGE else {},
                demo_years=frozenset(demo.get((region.pk, target.indicator_id), ())),
                parent_demo_years=(
                    frozenset(demo.get((region.parent_id, target.indicator_id), ()))
                    if target.kind == Target.Kind.RELATIVE_TO_AVERAGE and region.parent_id
                    else frozenset()
                ),
                submitted_years=frozenset(submitted.get((region.pk, target.indicator_id), ())),
                is_submitted=SUBMITTED in (shown, yardstick),
                verdict=verdict,
                estimate_years=own_estimates,
                parent_estimate_years=parent_estimates,
                is_estimate=bool(is_estimate),
                revision=revision,
                original=original,
                original_spec=original_spec,
                revised=revised,
                revisions=revisions,
            )
        )
    return results


def _judge(
    target: Target,
    own: Mapping[int, float],
    parent: Mapping[int, float],
    verdict: TargetVerdict | None,
    as_of: int | None,
    limits: pr.Thresholds,
) -> tuple[pr.TargetSpec, pr.Progress]:
    """One target (or its revised copy) judged by the method, with the reviewer's verdict when there is one."""
    spec = target_spec(target)
    result = pr.evaluate(spec, own, as_of=as_of, parent=parent, thresholds=limits)
    if verdict is not None:
        result = pr.judged(result, verdict.verdict, verdict.year)
    return spec, result


# Where no plan says (a template or an import for a database without plans): the 14th Five-Year Plan, 2021–2025,
# and its baseline year.
DEFAULT_SPAN = range(2020, 2026)


def plan_span(plans: QuerySet[Plan] | Iterable[Plan], *, including: int | None = None) -> range:
    """The years of these plans: from the baseline year (the year before the earliest period starts) to the last
    plan year; empty without plans. A queryset is read in one aggregate query, plan instances without any.
    `including` widens the span to take in that year too (an as-of year asked for outside it)."""
    first: int | None
    last: int | None
    if isinstance(plans, QuerySet):
        bounds = plans.aggregate(first=Min("period_start"), last=Max("period_end"))
        first, last = bounds["first"], bounds["last"]
    else:
        periods = [(plan.period_start, plan.period_end) for plan in plans]
        first = min((start for start, _end in periods), default=None)
        last = max((end for _start, end in periods), default=None)
    span = range(0) if first is None or last is None else range(first - 1, last + 1)
    if including is None:
        return span
    if not span:
        return range(including, including + 1)
    return range(min(span.start, including), max(span.stop, including + 1))


def default_as_of(regions: Sequence[Region], span: range) -> int:
    """The as-of year when none is asked for: the latest year of `span` with an actual of any of `regions`; else
    the span's last year; the current year when the span is empty (no plan)."""
    if not span:
        return timezone.localdate().year
    if not regions:
        return span[-1]
    observations = Observation.objects.filter(region__in=regions, year__gte=span.start, year__lte=span[-1])
    latest: int | None = observations.aggregate(latest=Max("year"))["latest"]
    return span[-1] if latest is None else latest


# ------------------------------------------------------------------------------------------------------ periods


def default_period() -> PlanPeriod | None:
    """The period a page shows when none is asked for (?period=): the latest one holding an actual (an
    Observation of any region) within its years — today the 14th, whose final evaluation is being written. With
    no actual anywhere: the period of last year (the latest year whose figures can be out), else the latest
    holding a plan, else the last. None when no period is loaded. One query."""
    actuals = Observation.objects.filter(year__gte=OuterRef("first_year"), year__lte=OuterRef("last_year"))
    periods = list(
        PlanPeriod.objects.annotate(
            has_actual=Exists(actuals), has_plan=Exists(Plan.objects.filter(period=OuterRef("pk")))
        ).order_by("-first_year")
    )
    last_year = timezone.localdate().year - 1
    return (
        next((p for p in periods if p.has_actual), None)
        or next((p for p in periods if p.covers(last_year)), None)
        or next((p for p in periods if p.has_plan), None)
        or (periods[0] if periods else None)
    )


def period_years(period: PlanPeriod) -> range:
    """The years a page of the period is read at: its baseline year to its last year (2020–2025 for 十四五)."""
    return range(period.baseline_year, period.last_year + 1)


def adjacent_periods(period: PlanPeriod) -> list[PlanPeriod]:
    """The period with the one before and the one after it (those that exist), in order: the periods a chart
    draws on one time axis (十四五 and 十五五: 2020–2030). One query."""
    periods = list(PlanPeriod.objects.order_by("first_year"))
    at = next(n for n, p in enumerate(periods) if p.pk == period.pk)
    return periods[max(at - 1, 0) : at + 2]


@dataclass(frozen=True)
class BaselineActual:
    """The stored actual of a target's region × indicator in its baseline year, when that year is the end of the
    period before (the previous period's final actual, 上期末实际值), with how far the plan's stated baseline is
    from it (converted to the indicator's unit)."""

    year: int
    value: Decimal  # exactly as stored, in the indicator's unit
    origin: str
    source: str
    difference: float | None  # relative: (stated − actual) / |actual|; None when the plan states no comparable level
    mismatch: bool  # the plan states another number (beyond PLAN_BASELINE_TOLERANCE); never on demo data

    @property
    def is_demo(self) -> bool:
        return self.origin == Observation.Origin.DEMO


def baseline_actuals(targets: Iterable[Target]) -> dict[int, BaselineActual]:
    """For each target whose baseline year is its period's baseline year (the previous period's last year), the
    stored actual of that year for its region and indicator: one query. Targets without one are left out. The
    plan's baseline is compared with it in the indicator's unit (plans.consistency.baseline_difference); a demo
    value is shown but never called a mismatch."""
    linked = [
        t
        for t in targets
        if t.baseline_year is not None
        and t.plan.period_id is not None
        and t.baseline_year == t.plan.period.baseline_year
    ]
    if not linked:
        return {}
    observations = Observation.objects.filter(
        region_id__in={t.plan.region_id for t in linked},
        indicator_id__in={t.indicator_id for t in linked},
        year__in={t.baseline_year for t in linked},
    )
    stored = {(o.region_id, o.indicator_id, o.year): o for o in observations}
    tolerance = float(settings.PLAN_BASELINE_TOLERANCE)
    found = {}
    for target in linked:
        observation = stored.get((target.plan.region_id, target.indicator_id, target.baseline_year or 0))
        if observation is None:
            continue
        stated = target_spec(target).baseline_value
        difference = consistency.baseline_difference(stated, float(observation.value))
        mismatch = (
            difference is not None and abs(difference) > tolerance and observation.origin != Observation.Origin.DEMO
        )
        found[target.pk] = BaselineActual(
            observation.year, observation.value, observation.origin, observation.source, difference, mismatch
        )
    return found


@dataclass(frozen=True)
class PlanInconsistency:
    """A disagreement between two targets of one plan (plans.consistency), with the targets themselves."""

    finding: consistency.Inconsistency
    first: Target
    second: Target

    @property
    def message(self) -> str:
        return wording.consistency_text(self.finding)


def plan_inconsistencies(plan: Plan) -> list[PlanInconsistency]:
    # plan.targets already knows its plan: no join bringing the document text along with every target.
    targets = list(plan.targets.select_related("indicator").prefetch_related("conflicts_with"))
    by_id = {t.pk: t for t in targets}
    statements = []
    for target in targets:
        spec = target_spec(target)
        statements.append(
            consistency.Statement(
                id=target.pk,
                indicator=target.indicator.code,
                kind=target.kind,
                comparator=target.comparator,
                target_year=target.target_year,
                value=spec.target_value,
                baseline_year=target.baseline_year or plan.period_start - 1,
                baseline=spec.baseline_value,
                measure=target.indicator.measure,
                conflicts_with=tuple(other.pk for other in target.conflicts_with.all() if other.pk in by_id),
            )
        )
    findings = consistency.check(statements, tolerance=float(settings.PLAN_CONSISTENCY_TOLERANCE))
    return [PlanInconsistency(f, by_id[f.first], by_id[f.second]) for f in findings]


# ---------------------------------------------------------------------------------------------- explanations


def explained_year(item: TargetProgress) -> int:
    """The year an explanation written for this status explains: the year of the reviewer's verdict it comes from,
    else of the actual it was judged on, else the target year."""
    if item.progress.verdict_year is not None:
        return item.progress.verdict_year
    return item.progress.year if item.progress.year is not None else item.target.target_year


def asks_explanation(item: TargetProgress) -> bool:
    return item.status in v.NEEDS_EXPLANATION


R = TypeVar("R", TargetExplanation, TargetVerdict)


def _latest_per_target(records: QuerySet[R], year: int | None) -> dict[int, R]:
    """The latest record of each target, for the latest year up to `year` (any year when None): one query. A
    record of a later year says nothing of this one."""
    if year is not None:
        records = records.filter(year__lte=year)
    latest: dict[int, R] = {}
    for record in records.order_by("target_id", "-year", "-created_at", "-id"):
        latest.setdefault(record.target_id, record)
    return latest


def latest_explanations(target_ids: Iterable[int], *, year: int | None = None) -> dict[int, TargetExplanation]:
    """Each target's current explanation (the latest written, for the latest year up to `year`): one query."""
    explanations = TargetExplanation.objects.filter(target_id__in=set(target_ids)).select_related("author")
    return _latest_per_target(explanations, year)


def targets_without_explanation(region: Region, year: int, *, below: bool = False) -> list[TargetProgress]:
    """The targets of `region`'s plans (and, with `below`, of the regions below it) that lag, fall far behind,
    regress or were missed as of `year` and have no explanation for that year: what the review queue asks for."""
    judged = evaluate_targets(targets_for(region=region, below=below), as_of=year)
    items = [item for item in judged if asks_explanation(item)]
    explained = set(
        TargetExplanation.objects.filter(target_id__in=[item.target.pk for item in items], year=year).values_list(
            "target_id", flat=True
        )
    )
    return [item for item in items if item.target.pk not in explained]


# ---------------------------------------------------------------------------------------------------- verdicts


def latest_verdicts(targets: Iterable[Target], *, year: int | None = None) -> dict[int, TargetVerdict]:
    """Each qualitative target's current verdict: the latest recorded for the latest year up to `year` (any year
    when None). One query, none when no target is qualitative."""
    ids = {target.pk for target in targets if target.kind in v.VERDICT_KINDS}
    if not ids:
        return {}
    return _latest_per_target(TargetVerdict.objects.filter(target_id__in=ids).select_related("reviewer"), year)
