"""The admin's django-import-export exports, downloaded as the admin does in every spreadsheet format and read
back cell by cell: no formula, no text that would run as one, numbers still numbers; and an export imported back
stores what was exported, not the apostrophes."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse
from import_export.formats.base_formats import CSV
from import_export.mixins import BaseExportMixin

from cities.models import Region
from cities.resources import SafeExportResource
from indicators.models import Indicator, Observation
from indicators.resources import IndicatorResource
from plans.models import Plan, Target
from tests.spreadsheets import PLANTED, assert_inert_texts, csv_cells, escaped, hostile_catalogue, ods_cells, xlsx_cells

pytestmark = pytest.mark.django_db

# model → the planted texts its export holds as whole cells
EXPECTED: dict[type[models.Model], list[str]] = {
    Region: ["zhengzhou.name_zh", "zhengzhou.name_en", "kaifeng.name_zh", "kaifeng.name_en"],
    Indicator: ["indicator.name_zh", "indicator.name_en", "indicator.unit", "indicator.description"],
    Observation: ["observation.source", "observation.note"],
    Plan: ["plan.title", "plan.document_number"],
    Target: ["target.label", "kaifeng_target.label", "target.quote", "target.note", "target.baseline_note"],
}
READERS: dict[str, Callable[[bytes], list[Any]]] = {
    "csv": csv_cells,
    "tsv": lambda data: csv_cells(data, delimiter="\t"),
    "xlsx": xlsx_cells,
    "ods": ods_cells,
}


def export(client: Client, model: type[models.Model], file_format: str) -> bytes:
    export_url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
    form = client.get(export_url).context["form"]
    [index] = [value for value, title in form.fields["format"].choices if title == file_format]
    data = {"format": index, "resource": "0"} | {name: "on" for name in form.fields if "resource_" in name}
    response = client.post(export_url, data)
    assert response.status_code == 200, response.content[:300]
    return response.content


@pytest.mark.parametrize("file_format", list(READERS))
@pytest.mark.parametrize("model", list(EXPECTED), ids=lambda m: m.__name__)
def test_no_admin_export_carries_a_formula(
    model: type[models.Model], file_format: str, alice_client: Client, alice: Any
) -> None:
    hostile_catalogue()
    cells = READERS[file_format](export(alice_client, model, file_format))
    for key in EXPECTED[model]:
        assert escaped(cells, PLANTED[key]), key
    if model is Observation:  # -1.5, a number: not escaped
        assert any(cell == -1.5 or (isinstance(cell, str) and cell.startswith("-1.5")) for cell in cells)


def test_every_admin_export_goes_through_the_safe_resource(alice_client: Client) -> None:
    request = alice_client.get("/admin/").wsgi_request
    exporting = [a for a in admin.site._registry.values() if isinstance(a, BaseExportMixin)]
    assert len(exporting) == len(EXPECTED)
    for model_admin in exporting:
        for resource_class in model_admin.get_export_resource_classes(request):
            assert issubclass(resource_class, SafeExportResource), resource_class


def test_an_export_imported_back_stores_what_was_exported(db: None) -> None:
    hostile_catalogue()
    text = CSV().export_data(IndicatorResource().export(queryset=Indicator.objects.all()))
    assert_inert_texts([cell for row in csv.reader(io.StringIO(text)) for cell in row])
    result = IndicatorResource().import_data(CSV().create_dataset(text), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["update"] == 0, "nothing changed"
    rd = Indicator.objects.get(code="rd_intensity")
    planted = tuple(PLANTED[f"indicator.{name}"] for name in ("name_zh", "name_en", "unit", "description"))
    assert (rd.name_zh, rd.name_en, rd.unit, rd.description) == planted
