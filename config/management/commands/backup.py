"""`manage.py backup [--dir DIR]`: the database and MEDIA_ROOT into a new timestamped folder under BACKUP_DIR
(config/backup.py says what is in it). Prints the folder; exit status 1 when anything failed (then no folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext as _

from config.backup import MANIFEST, BackupError, backup, read_manifest


class Command(BaseCommand):
    help = "Back up the database (pg_dump -Fc, or SQLite's online backup) and the uploaded files (MEDIA_ROOT)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="where to write the backup (default: BACKUP_DIR)")
        parser.add_argument("--database", default="default", help="the DATABASES entry to back up")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"], help="language of the report")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            try:
                folder = backup(
                    connections[options["database"]],
                    media_root=Path(settings.MEDIA_ROOT),
                    backup_dir=options["dir"] or Path(settings.BACKUP_DIR),
                )
                manifest = read_manifest(folder)
            except BackupError as exc:
                raise CommandError(str(exc), returncode=1) from exc
            media = manifest["media"]
            self.stdout.write(
                self.style.SUCCESS(
                    _("Backup written to %(folder)s: %(kind)s database, %(files)s uploaded file(s) (%(bytes)s bytes).")
                    % {"folder": folder, "kind": manifest["database"]["kind"], **media}
                )
            )
            for name, facts in manifest["files"].items():
                self.stdout.write(f"  {name}  {facts['bytes']} B  sha256 {facts['sha256']}")
            self.stdout.write(f"  {MANIFEST}")
