"""django-import-export resources for the admin, keyed on natural codes (plan slug, adcode, indicator code)."""

from import_export import fields
from import_export.widgets import ForeignKeyWidget

from cities.models import Region
from cities.resources import SafeExportResource
from indicators.models import Indicator
from plans.models import Plan, PlanPeriod, Target


class PlanResource(SafeExportResource):
    region = fields.Field(attribute="region", column_name="region", widget=ForeignKeyWidget(Region, field="adcode"))
    period = fields.Field(attribute="period", column_name="period", widget=ForeignKeyWidget(PlanPeriod, field="code"))

    class Meta:
        model = Plan
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "region",
            "period",
            "kind",
            "title",
            "document_number",
            "issue_date",
            "period_start",
            "period_end",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True


class TargetResource(SafeExportResource):
    plan = fields.Field(attribute="plan", column_name="plan", widget=ForeignKeyWidget(Plan, field="slug"))
    indicator = fields.Field(
        attribute="indicator", column_name="indicator", widget=ForeignKeyWidget(Indicator, field="code")
    )

    class Meta:
        model = Target
        import_id_fields = ("plan", "key")
        fields = (
            "plan",
            "key",
            "position",
            "indicator",
            "label",
            "kind",
            "compares",
            "comparator",
            "baseline_year",
            "baseline_value",
            "baseline_note",
            "baseline_quote",
            "target_year",
            "target_value",
            "target_value_max",
            "unit",
            "section",
            "attribute",
            "quote",
            "quote_line",
            "note",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
