"""Reads about actual values: where each one comes from (origin, source, who, when, the import) and the history of
one region × indicator. A fixed number of queries whatever the number of values."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import QuerySet

from cities.models import Region
from indicators.models import ActualsImport, Indicator, Observation, ObservationChange, SubmittedValue

# How a value is drawn: the stored origins, and a value submitted and awaiting review (never stored as an origin).
DEMO = Observation.Origin.DEMO.value
APPROVED = Observation.Origin.IMPORT.value  # imported, approved (or written approved at once)
MANUAL = Observation.Origin.MANUAL.value  # entered by hand (the admin)
SUBMITTED = ActualsImport.Status.SUBMITTED.value
ORIGINS = (APPROVED, MANUAL, DEMO, SUBMITTED)


@dataclass(frozen=True)
class ValueOrigin:
    """Where one value of a region × indicator × year comes from."""

    origin: str  # one of ORIGINS
    source: str
    who: str  # who wrote it (submitter of an import, the admin of a manual value); "" when unknown (the operator)
    approved_by: str  # who approved it, when someone else submitted it
    when: datetime | None
    import_id: int | None
    import_name: str
    stage: str = Observation.Stage.FINAL  # estimate (预计值) or final (统计值)


def value_origins(
    region: Region, indicator_ids: Collection[int], *, include_submitted: bool = False
) -> dict[tuple[int, int], ValueOrigin]:
    """(indicator id, year) → where the value shown comes from: the stored value and its latest change; with
    `include_submitted` the latest submission awaiting review instead, as the pages lay them over. Three queries."""
    found: dict[tuple[int, int], ValueOrigin] = {}
    if not indicator_ids:
        return found
    observations = Observation.objects.filter(region=region, indicator_id__in=indicator_ids)
    latest: dict[tuple[int, int], tuple[int | None, str, str, str]] = {}
    changes = ObservationChange.objects.filter(region=region, indicator_id__in=indicator_ids).order_by(
        "changed_at", "id"
    )
    for indicator_id, year, import_id, import_name, who, approver in changes.values_list(
        "indicator_id", "year", "actuals_import_id", "actuals_import__file_name", "changed_by__username",
        "approved_by__username",
    ):  # fmt: skip
        latest[indicator_id, year] = (import_id, import_name or "", who or "", approver or "")
    for indicator_id, year, origin, source, updated_at, writer, stage in observations.values_list(
        "indicator_id", "year", "origin", "source", "updated_at", "updated_by__username", "stage"
    ):
        change_import, change_name, who, approver = latest.get((indicator_id, year), (None, "", "", ""))
        found[indicator_id, year] = ValueOrigin(
            origin=origin,
            source=source,
            who=who or writer or "",
            approved_by=approver if approver != (who or writer) else "",
            when=updated_at,
            import_id=change_import,
            import_name=change_name,
            stage=stage,
        )
    if include_submitted:
        pending = SubmittedValue.objects.filter(
            region=region, indicator_id__in=indicator_ids, actuals_import__status=ActualsImport.Status.SUBMITTED
        ).order_by("actuals_import__committed_at", "actuals_import_id")  # later ones overwrite, as the pages do
        for indicator_id, year, source, import_id, import_name, who, when, stage in pending.values_list(
            "indicator_id", "year", "source", "actuals_import_id", "actuals_import__file_name",
            "actuals_import__uploaded_by__username", "actuals_import__committed_at", "stage",
        ):  # fmt: skip
            found[indicator_id, year] = ValueOrigin(
                SUBMITTED, source, who or "", "", when, import_id, import_name, stage
            )
    return found


@dataclass(frozen=True)
class PendingValue:
    """A value submitted and awaiting review, for the history view (with ?include=submitted)."""

    year: int
    value: Decimal
    source: str
    note: str
    actuals_import: ActualsImport


def value_history(region: Region, indicator: Indicator) -> QuerySet[ObservationChange]:
    """Every change of the region's values of the indicator, newest first within each year, years in order."""
    changes = ObservationChange.objects.filter(region=region, indicator=indicator)
    return changes.select_related("changed_by", "approved_by", "actuals_import").order_by("year", "-changed_at", "-id")


def pending_values(region: Region, indicator: Indicator) -> list[PendingValue]:
    """The values of imports awaiting review for the region × indicator, latest submission first."""
    pending = SubmittedValue.objects.filter(
        region=region, indicator=indicator, actuals_import__status=ActualsImport.Status.SUBMITTED
    ).select_related("actuals_import__uploaded_by")
    return [
        PendingValue(row.year, row.value, row.source, row.note, row.actuals_import)
        for row in pending.order_by("year", "-actuals_import__committed_at", "-actuals_import_id")
    ]
