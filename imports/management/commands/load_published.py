"""`manage.py load_published [--dry-run]`: the published figures of fixtures/published/*.csv (imports.published),
the shown ones, imported through the ordinary import path as the operator (no user): the same parsing, unit
conversion, history and origin as an upload. Idempotent: a second run finds every value stored and writes
nothing. Exit status 1, with nothing written, when a fixture row or the import has a problem."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from imports.published import PublishedError, long_table, read_all, shown
from imports.service import CHANGED, NEW, StaleImport, build_preview, commit, save_pending

FILE_NAME = "fixtures-published.csv"


class Command(BaseCommand):
    help = "Load the published figures (公开数据) of fixtures/published/ through the import path. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        try:
            figures = read_all()
        except PublishedError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        loaded = shown(figures)
        if not loaded:
            self.stdout.write("No published figures in fixtures/published/: nothing to load.")
            return
        data = long_table(loaded)
        preview = build_preview(data, FILE_NAME, user=None)
        if preview.errors:
            for problem in preview.errors:
                self.stderr.write(f"  ERROR: {problem.text()}")
            raise CommandError(f"{len(preview.errors)} problem(s): nothing was written.", returncode=1)
        summary = (
            f"{len(figures)} published statements, {len(loaded)} shown: {preview.count(NEW)} new, "
            f"{preview.count(CHANGED)} changed"
        )
        if not preview.changes:
            self.stdout.write(self.style.SUCCESS(f"{summary}. Every value is already stored; nothing written."))
            return
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"{summary}. Dry run: nothing written."))
            return
        try:
            with transaction.atomic():
                record = save_pending(preview, data, user=None)
                commit(record, user=None)
        except StaleImport as exc:
            raise CommandError(f"Values changed while loading ({exc}): nothing was written.", returncode=1) from exc
        self.stdout.write(self.style.SUCCESS(f"{summary} (import #{record.pk})."))
