from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plans.drafts import catalogue_rows
from plans.proposals import propose


class Command(BaseCommand):
    help = (
        "Propose candidate targets from a plan's text (UTF-8 .txt): each quantified aim with its quote and line, "
        "the indicator matched to this installation's catalogue. Nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the plan's text")
        parser.add_argument("--json", action="store_true", help="print a JSON list (the default is a table)")

    def handle(self, *args: Any, file: Path, json: bool, **options: Any) -> None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 / cannot read {file}: {exc} (UTF-8 text expected)") from exc
        candidates = propose(text, catalogue_rows())
        if json:
            self.stdout.write(_dumps([c.as_json() for c in candidates]))
            return
        for c in candidates:
            self.stdout.write(
                f"{c.line:5d} {c.section:6} {c.kind:22} {c.comparator:6} {c.target_value} {c.unit} "
                f"{c.indicator} [{c.indicator_code or '—'}]"
            )


def _dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
