"""Writes to actual values. Every change goes through here so that history is never skipped."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction

from cities.models import Region
from indicators.models import Indicator, Observation, ObservationChange


@transaction.atomic
def observation_set(
    *,
    region: Region,
    indicator: Indicator,
    year: int,
    value: Decimal,
    source: str = "",
    note: str = "",
    origin: str = Observation.Origin.MANUAL,
    user: User | None = None,
    reason: str = "",
) -> tuple[Observation, str | None]:
    """Create or change one value and record the change. Returns the observation and the action taken
    ("create", "update") or None when nothing changed (then nothing is written, not even history)."""
    value = Decimal(value)
    obs = Observation.objects.select_for_update().filter(region=region, indicator=indicator, year=year).first()
    if obs is None:
        obs = Observation.objects.create(
            region=region,
            indicator=indicator,
            year=year,
            value=value,
            source=source,
            note=note,
            origin=origin,
            updated_by=user,
        )
        _record(obs, ObservationChange.Action.CREATE, None, value, "", source, origin, user, reason)
        return obs, ObservationChange.Action.CREATE
    if obs.value == value and obs.source == source and obs.note == note and obs.origin == origin:
        return obs, None
    old_value, old_source = obs.value, obs.source
    obs.value, obs.source, obs.note, obs.origin, obs.updated_by = value, source, note, origin, user
    obs.save()
    _record(obs, ObservationChange.Action.UPDATE, old_value, value, old_source, source, origin, user, reason)
    return obs, ObservationChange.Action.UPDATE


@transaction.atomic
def observation_delete(*, observation: Observation, user: User | None = None, reason: str = "") -> None:
    # Re-read under lock: the history must hold the value actually deleted, not a caller's stale copy.
    observation = Observation.objects.select_for_update().get(pk=observation.pk)
    _record(
        observation,
        ObservationChange.Action.DELETE,
        observation.value,
        None,
        observation.source,
        "",
        observation.origin,
        user,
        reason,
    )
    observation.delete()


def _record(
    obs: Observation,
    action: str,
    old_value: Decimal | None,
    new_value: Decimal | None,
    old_source: str,
    new_source: str,
    origin: str,
    user: User | None,
    reason: str,
) -> None:
    ObservationChange.objects.create(
        observation=obs,  # nulled by SET_NULL if the observation is later deleted
        region_id=obs.region_id,
        indicator_id=obs.indicator_id,
        year=obs.year,
        action=action,
        old_value=old_value,
        new_value=new_value,
        old_source=old_source,
        new_source=new_source,
        origin=origin,
        reason=reason[:500],
        changed_by=user if user is not None and user.pk else None,
    )
