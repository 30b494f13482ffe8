"""`manage.py restore BACKUP [--force]`: a backup folder (from `manage.py backup`) into the configured database
and MEDIA_ROOT. Refuses a non-empty database or MEDIA_ROOT without --force; checks every SHA-256 first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext as _

from config.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup folder into the configured (empty) database and MEDIA_ROOT."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", type=Path, help="the backup folder (BACKUP_DIR/<time>)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a non-empty database (its tables are dropped) and write over files in MEDIA_ROOT",
        )
        parser.add_argument("--database", default="default", help="the DATABASES entry to restore into")
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"], help="language of the report")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            connection = connections[options["database"]]
            try:
                restored = restore(
                    options["backup"], connection, media_root=Path(settings.MEDIA_ROOT), force=options["force"]
                )
            except BackupError as exc:
                raise CommandError(str(exc), returncode=1) from exc
            manifest = restored.manifest
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Restored the backup of %(time)s into %(database)s and %(media_root)s (%(files)s uploaded "
                        "file(s))."
                    )
                    % {
                        "time": manifest["created_at"],
                        "database": connection.settings_dict["NAME"],
                        "media_root": settings.MEDIA_ROOT,
                        "files": manifest["media"]["files"],
                    }
                )
            )
            for note in restored.notes:
                self.stdout.write(self.style.WARNING(note))
