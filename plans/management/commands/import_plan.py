from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from plans.fixture_schema import FixtureError
from plans.services import LoadError, plan_import


class Command(BaseCommand):
    help = (
        "Load one plan file written by export_plan (or in the fixtures' format: plans/SLUG.yaml with its "
        "documents/ folder beside), checked by the fixture schema; all or nothing, idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the plan's YAML file")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            counts = plan_import(file)
        except (FixtureError, LoadError, KeyError, OSError, yaml.YAMLError) as exc:
            raise CommandError(f"规划文件无法导入 / the plan file cannot be imported: {file}: {exc}") from exc
        for key in sorted(counts):
            self.stdout.write(f"{key}: {counts[key]}")
        self.stdout.write(self.style.SUCCESS("import_plan: done"))
