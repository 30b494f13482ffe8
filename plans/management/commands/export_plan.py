from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plans.models import Plan
from plans.services import plan_export_to


class Command(BaseCommand):
    help = (
        "Write a plan as its fixture file and document (DIR/plans/SLUG.yaml, DIR/documents/SLUG.txt), "
        "for import_plan on another installation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the plan's key (e.g. zhengzhou)")
        parser.add_argument("--to", type=Path, required=True, help="folder to write into")

    def handle(self, *args: Any, slug: str, to: Path, **options: Any) -> None:
        plan = Plan.objects.select_related("region", "period").filter(slug=slug).first()
        if plan is None:
            raise CommandError(f"无此规划 / no plan with key {slug!r}")
        path = plan_export_to(plan, to)
        self.stdout.write(self.style.SUCCESS(f"{path} ({plan.targets.count()} targets)"))
