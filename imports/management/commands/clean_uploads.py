"""`manage.py clean_uploads [--older-than-hours N] [--dry-run]`: remove uploaded spreadsheets nothing needs —
files no import points at, and the files of imports never committed — once older than N hours (default
IMPORT_ORPHAN_MAX_AGE_HOURS). Committed imports' files are never removed. Safe to run again and again (cron)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from imports.cleanup import ORPHAN, Sweep, sweep_uploads
from indicators.models import ActualsImport


class Command(BaseCommand):
    help = (
        "Remove uploaded import files that no import points at, and the files of imports never committed, once "
        "older than IMPORT_ORPHAN_MAX_AGE_HOURS. Committed imports' files are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=None,
            help="age limit in hours, at least 1 (default: IMPORT_ORPHAN_MAX_AGE_HOURS)",
        )
        parser.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"], help="language of the report")

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["older_than_hours"]
        if hours is None:
            hours = settings.IMPORT_ORPHAN_MAX_AGE_HOURS
        if hours < 1:
            # An upload writes its file a moment before its row: a younger limit could take a file in flight.
            raise CommandError("--older-than-hours must be at least 1")
        with translation.override(options["language"]):
            try:
                sweep = sweep_uploads(hours, dry_run=options["dry_run"])
            except TypeError as exc:
                raise CommandError(str(exc)) from exc
            self._report(sweep, hours)
        if sweep.failed:
            raise CommandError(f"{len(sweep.failed)} file(s) could not be deleted", returncode=1)

    def _report(self, sweep: Sweep, hours: int) -> None:
        statuses = dict(ActualsImport.Status.choices)
        for removal in sweep.removed:
            if removal.kind == ORPHAN:
                what = _("no import points at it")
            elif removal.kind == ActualsImport.Status.PENDING:
                what = _("import #%(id)s, never confirmed: it expires") % {"id": removal.import_id}
            else:
                what = _("import #%(id)s, %(status)s") % {"id": removal.import_id, "status": statuses[removal.kind]}
            verb = _("would remove") if sweep.dry_run else _("removed")
            self.stdout.write(f"  {verb} {removal.name} ({removal.size} B; {what})")
        orphans, orphan_bytes = sweep.total(orphans=True)
        purged, purged_bytes = sweep.total(orphans=False)
        numbers = {
            "orphans": orphans,
            "orphan_bytes": orphan_bytes,
            "purged": purged,
            "purged_bytes": purged_bytes,
            "hours": hours,
        }
        if sweep.dry_run:
            summary = _(
                "Dry run, nothing removed. Would remove %(orphans)s file(s) no import points at (%(orphan_bytes)s "
                "bytes) and %(purged)s file(s) of imports never committed (%(purged_bytes)s bytes), older than "
                "%(hours)s h."
            )
        else:
            summary = _(
                "Removed %(orphans)s file(s) no import points at (%(orphan_bytes)s bytes) and %(purged)s file(s) of "
                "imports never committed (%(purged_bytes)s bytes), older than %(hours)s h."
            )
        self.stdout.write(self.style.SUCCESS(summary % numbers))
        if sweep.expired and not sweep.dry_run:
            self.stdout.write(
                ngettext(
                    "%(count)s unconfirmed preview expired (its row is kept as history).",
                    "%(count)s unconfirmed previews expired (their rows are kept as history).",
                    sweep.expired,
                )
                % {"count": sweep.expired}
            )
        if sweep.too_recent:
            self.stdout.write(
                ngettext(
                    "%(count)s file no import points at is kept: younger than %(hours)s h (perhaps being uploaded).",
                    "%(count)s files no import points at are kept: younger than %(hours)s h (perhaps being uploaded).",
                    sweep.too_recent,
                )
                % {"count": sweep.too_recent, "hours": hours}
            )
        for name in sweep.failed:
            self.stderr.write(_("Could not delete %(name)s.") % {"name": name})
