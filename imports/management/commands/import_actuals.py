"""`manage.py import_actuals FILE [--region ADCODE] [--dry-run] [--user USERNAME]`: the web upload's code path
from the command line. Exit status 0 when written or submitted (or, with --dry-run, when it would be), 1 when
anything is wrong, and then nothing is written. With --user the values are submitted for review unless the user
may review every region they touch; without, the operator writes them approved. The command never guesses a
region: a file naming none (no region column, no region in its title) needs --region, whoever runs it (with
--user a province official, or without --user the operator), else every row is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cities.models import Region
from imports.service import (
    CHANGED,
    NEW,
    DamagedReading,
    Preview,
    StaleImport,
    build_preview,
    commit,
    save_pending,
)
from indicators.models import ActualsImport
from indicators.numbers import plain
from indicators.services import LockedPeriod

MAX_LISTED = 200


class Command(BaseCommand):
    help = "Import yearly actual values from a spreadsheet (.xlsx, .xls, .ods, .csv), all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", help="adcode of the region the file is about (when it has no region column)")
        parser.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
        parser.add_argument(
            "--user", help="act as this user: their write rights apply and the history names them (default: all rights)"
        )
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"], help="language of the report")
        parser.add_argument(
            "--stage",
            default="final",
            choices=["estimate", "final"],
            help="stage of the values the file does not mark in a 数据性质 column: estimate (预计值) or final (统计值)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            self._handle(**options)

    def _handle(
        self, *, file: Path, region: str | None, dry_run: bool, user: str | None, stage: str = "final", **_: Any
    ) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        chosen = None
        if region:
            chosen = Region.objects.filter(adcode=region).first()
            if chosen is None:
                raise CommandError(f"Unknown region adcode {region!r}")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"Unknown or inactive user {user!r}")
        preview = build_preview(data, file.name, user=actor, region=chosen, default_stage=stage)
        self._report(preview)
        if preview.errors:
            raise CommandError(f"{len(preview.errors)} problem(s): nothing was written.", returncode=1)
        if not preview.changes:
            self.stdout.write(self.style.SUCCESS("No changes: every value is already stored. Nothing written."))
            return
        if dry_run:
            self.stdout.write(self.style.SUCCESS("Dry run: nothing written."))
            return
        try:
            with transaction.atomic():
                record = save_pending(preview, data, user=actor)
                commit(record, user=actor)
        except (LockedPeriod, DamagedReading) as exc:
            raise CommandError(f"{exc} Nothing was written.", returncode=1) from exc
        except StaleImport as exc:
            # Another import or edit wrote some of these values since the preview above (imports of the same
            # regions take turns): a clean refusal, not a traceback.
            raise CommandError(
                f"Values changed while importing ({exc}): nothing was written; run again to compare with them.",
                returncode=1,
            ) from exc
        record.refresh_from_db()  # commit() worked on its own locked copy
        if record.status == ActualsImport.Status.SUBMITTED:
            # The user may not approve every region it touches: the values wait for review (review_import).
            self.stdout.write(
                self.style.SUCCESS(
                    f"Submitted {file.name} for review: {preview.count(NEW)} new, {preview.count(CHANGED)} changed "
                    f"(import #{record.pk}, SHA-256 {record.sha256[:12]}…); nothing is shown until approved."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {file.name}: {preview.count(NEW)} added, {preview.count(CHANGED)} changed "
                f"(import #{record.pk}, SHA-256 {record.sha256[:12]}…)."
            )
        )

    def _report(self, preview: Preview) -> None:
        summary = preview.summary()
        self.stdout.write(
            f"{preview.file_name} ({preview.file_format or '?'}, {'+'.join(sorted(set(preview.layouts))) or '-'}): "
            f"{summary['values']} values — {summary['new']} new, {summary['changed']} changed, "
            f"{summary['unchanged']} unchanged; {summary['errors']} errors, {summary['warnings']} warnings"
            + (f"; {preview.demo_replaced} of the changes replace demo data" if preview.demo_replaced else "")
        )
        for item in preview.changes[:MAX_LISTED]:
            old = "" if item.old_value is None else f"{plain(item.old_value)} → "
            demo = f"   ({_('replaces demo data')})" if item.replaces_demo else ""
            self.stdout.write(
                f"  {item.status:9} {item.region.adcode} {item.indicator.code} {item.year}: "
                f"{old}{plain(item.value)}   [{item.location.text()}]{demo}"
            )
        if len(preview.changes) > MAX_LISTED:
            self.stdout.write(f"  … and {len(preview.changes) - MAX_LISTED} more")
        for problem in preview.problems[:MAX_LISTED]:
            label = "ERROR" if problem.is_error else "warning"
            self.stdout.write(f"  {label}: {problem.text()}")
        if len(preview.problems) > MAX_LISTED:
            self.stdout.write(f"  … and {len(preview.problems) - MAX_LISTED} more problems")
