"""Removing uploaded spreadsheets nothing needs any more (`manage.py clean_uploads`).

Once older than the age limit (IMPORT_ORPHAN_MAX_AGE_HOURS), two kinds of file go:

- orphans: files under MEDIA_ROOT/imports/ that no import row names — an upload stopped between writing its file
  and saving its row, a command-line import rolled back, a cancel that could not delete. Their age is the file's
  modification time, so a file being uploaded right now is never taken;
- the files of imports never committed — the upload and the values read from it (its stored reading, beside
  it): previews left unconfirmed (the import becomes "expired") and cancelled imports still holding a file.
  Their age is the upload time. The row stays as history (who uploaded what, its
  SHA-256 and counts) with its file field cleared and `file_purged_at` set.

A committed import's file is never removed: it is the source of the values stored (the database refuses a
committed import with `file_purged_at` too).
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.core.files.storage import FileSystemStorage, Storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from indicators.models import IMPORT_UPLOAD_DIR, ActualsImport

logger = logging.getLogger(__name__)

ORPHAN = "orphan"


@dataclass(frozen=True)
class Removal:
    name: str  # the storage name, relative to MEDIA_ROOT
    size: int
    kind: str  # ORPHAN, or the status of the import whose file it was
    import_id: int | None = None


@dataclass
class Sweep:
    cutoff: datetime
    dry_run: bool
    removed: list[Removal] = field(default_factory=list)
    expired: int = 0  # pending imports marked expired
    too_recent: int = 0  # orphans younger than the cutoff, left alone
    failed: list[str] = field(default_factory=list)

    def total(self, *, orphans: bool) -> tuple[int, int]:
        """(files, bytes) of the orphans, or of the imports' files."""
        chosen = [r for r in self.removed if (r.kind == ORPHAN) == orphans]
        return len(chosen), sum(r.size for r in chosen)


def _storage() -> FileSystemStorage:
    storage: Storage = ActualsImport._meta.get_field("file").storage
    if not isinstance(storage, FileSystemStorage):
        raise TypeError(f"clean_uploads needs files on a local disk, not {type(storage).__name__}")
    return storage


def _size(storage: FileSystemStorage, name: str) -> int:
    try:
        return storage.size(name)
    except OSError:
        return 0


def sweep_uploads(max_age_hours: int, *, dry_run: bool = False, now: datetime | None = None) -> Sweep:
    now = now or timezone.now()
    sweep = Sweep(cutoff=now - timedelta(hours=max_age_hours), dry_run=dry_run)
    storage = _storage()
    _purge_uncommitted(sweep, storage, now)
    # After the imports' files: one whose row was cleared but whose delete failed is an orphan now, swept here.
    _remove_orphans(sweep, storage)
    return sweep


def _purge_uncommitted(sweep: Sweep, storage: FileSystemStorage, now: datetime) -> None:
    stale = (
        ActualsImport.objects.exclude(status__in=ActualsImport.CONFIRMED)
        .filter(uploaded_at__lt=sweep.cutoff)
        .filter(~Q(file="") | ~Q(parsed_rows="") | Q(status=ActualsImport.Status.PENDING))
    )
    for pk in stale.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            # Locked and read again: a preview confirmed at this very moment is committed, and then kept.
            record = ActualsImport.objects.select_for_update().filter(pk=pk).first()
            # Submitted and returned files too: the reviewer reads the one, the other is the record of what was sent.
            if record is None or record.status in ActualsImport.CONFIRMED:
                continue
            names, kind = [n for n in (record.file.name, record.parsed_rows.name) if n], record.status
            if not sweep.dry_run:
                _clear_row(record, names, now)
        for name in names:
            sweep.removed.append(Removal(name, _size(storage, name), kind, pk))
            if not sweep.dry_run:
                _delete(sweep, storage, name)
        if kind == ActualsImport.Status.PENDING:
            sweep.expired += 1


def _clear_row(record: ActualsImport, names: list[str], now: datetime) -> None:
    # The row is cleared before the files are deleted: stopped in between, a file is an orphan for the next run,
    # never a row pointing at nothing.
    fields = []
    if names:
        record.file = record.parsed_rows = None
        record.file_purged_at = now
        fields += ["file", "parsed_rows", "file_purged_at"]
    if record.status == ActualsImport.Status.PENDING:
        record.status = ActualsImport.Status.EXPIRED
        fields.append("status")
    record.save(update_fields=fields)


def _remove_orphans(sweep: Sweep, storage: FileSystemStorage) -> None:
    base = Path(storage.location)
    folder = base / IMPORT_UPLOAD_DIR
    if not folder.is_dir():
        return
    named = set(ActualsImport.objects.exclude(file="").values_list("file", flat=True))
    named |= set(ActualsImport.objects.exclude(parsed_rows="").values_list("parsed_rows", flat=True))
    limit = sweep.cutoff.timestamp()
    for directory, _dirs, files in os.walk(folder):  # symlinked folders are not followed
        for file_name in sorted(files):
            path = Path(directory) / file_name
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue  # a link or a device is not an upload of ours
            name = path.relative_to(base).as_posix()
            if name in named:
                continue
            if info.st_mtime >= limit:
                sweep.too_recent += 1
                continue
            if ActualsImport.objects.filter(Q(file=name) | Q(parsed_rows=name)).exists():
                continue  # a row saved since the list was read
            sweep.removed.append(Removal(name, info.st_size, ORPHAN))
            if not sweep.dry_run:
                _delete(sweep, storage, name)


def _delete(sweep: Sweep, storage: FileSystemStorage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.warning("Could not delete %s", name, exc_info=True)
        sweep.failed.append(name)
