from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plans.fixture_schema import FixtureError
from plans.services import LoadError, fixtures_load


class Command(BaseCommand):
    help = "Load regions, indicators and the plan files of fixtures/ (idempotent: a second run changes nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fixtures", type=Path, default=None, help="fixtures directory (default: ./fixtures)")

    def handle(self, *args: Any, fixtures: Path | None, **options: Any) -> None:
        try:
            counts = fixtures_load(fixtures)
        except (FixtureError, LoadError) as exc:
            raise CommandError(str(exc)) from exc
        for key in sorted(counts):
            self.stdout.write(f"{key}: {counts[key]}")
        changed = sum(n for key, n in counts.items() if not key.endswith("unchanged"))
        self.stdout.write(self.style.SUCCESS("load_plans: done" + ("" if changed else " (nothing changed)")))
