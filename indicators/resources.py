"""django-import-export resources for the admin, keyed on natural codes (adcode, indicator code)."""

from __future__ import annotations

from typing import Any

from import_export import fields
from import_export.widgets import ForeignKeyWidget

from cities.models import Region
from cities.resources import SafeExportResource
from indicators.models import Indicator, Observation
from indicators.services import observation_set


class IndicatorResource(SafeExportResource):
    class Meta:
        model = Indicator
        import_id_fields = ("code",)
        fields = ("code", "name_zh", "name_en", "unit", "direction", "measure", "description")
        export_order = fields
        skip_unchanged = True
        report_skipped = True


class ObservationResource(SafeExportResource):
    region = fields.Field(attribute="region", column_name="region", widget=ForeignKeyWidget(Region, field="adcode"))
    indicator = fields.Field(
        attribute="indicator", column_name="indicator", widget=ForeignKeyWidget(Indicator, field="code")
    )

    class Meta:
        model = Observation
        import_id_fields = ("region", "indicator", "year")
        fields = ("region", "indicator", "year", "value", "source", "note", "origin", "stage")
        export_order = fields
        skip_unchanged = True
        report_skipped = True

    def save_instance(self, instance: Observation, is_create: bool, row: Any, **kwargs: Any) -> None:
        # Remember who imports: the write goes through observation_set so history is kept.
        self._user = kwargs.get("user")
        super().save_instance(instance, is_create, row, **kwargs)

    def do_instance_save(self, instance: Observation, is_create: bool) -> None:
        obs, _action = observation_set(
            region=instance.region,
            indicator=instance.indicator,
            year=instance.year,
            value=instance.value,
            source=instance.source,
            note=instance.note,
            origin=Observation.Origin.IMPORT if instance.origin == Observation.Origin.DEMO else instance.origin,
            stage=instance.stage or Observation.Stage.FINAL,
            user=getattr(self, "_user", None),
            reason="admin import",
        )
        instance.pk = obs.pk
