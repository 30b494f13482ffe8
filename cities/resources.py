"""django-import-export resources for the admin, keyed on adcodes."""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from cities.models import Region


class RegionResource(resources.ModelResource):
    parent = fields.Field(attribute="parent", column_name="parent", widget=ForeignKeyWidget(Region, field="adcode"))

    class Meta:
        model = Region
        import_id_fields = ("adcode",)
        fields = ("adcode", "name_zh", "name_en", "level", "parent")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
