"""django-import-export resources for the admin, keyed on adcodes; and the base of every app's resources, which
neutralises every exported text cell (cities.cells), whatever the format; numbers stay numbers.

django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only drops a leading "=" (+ - @, tabs and the
rest pass) and turns every cell into text on the way (numbers, and blanks into "None", in .xlsx), so it is off in
the settings and SafeExportResource does the job. It works on each field's value, where a number is still told
from text: the CSV format has turned both into strings by the time it writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget, NumberWidget

from cities.cells import neutralise, restore
from cities.models import Region


class SafeExportResource(resources.ModelResource):
    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        value = super().export_field(field, instance, **kwargs)
        # A number widget's text is a number ("-1.5"), which programs read as one.
        if isinstance(value, str) and not isinstance(field.widget, NumberWidget):
            return neutralise(value)
        return value

    def get_export_headers(self, selected_fields: Sequence[Any] | None = None) -> list[str]:
        return [neutralise(header) for header in super().get_export_headers(selected_fields)]

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        # An export edited and imported back stores what was exported, not the apostrophe added to it.
        for key, value in row.items():
            if isinstance(value, str):
                row[key] = restore(value)
        super().before_import_row(row, **kwargs)


class RegionResource(SafeExportResource):
    parent = fields.Field(attribute="parent", column_name="parent", widget=ForeignKeyWidget(Region, field="adcode"))

    class Meta:
        model = Region
        import_id_fields = ("adcode",)
        fields = ("adcode", "name_zh", "name_en", "level", "parent")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
