"""`manage.py clean_uploads`: real files in a temporary MEDIA_ROOT — old orphans and the files of imports never
committed go, fresh files and committed imports' files stay; --dry-run removes nothing; a second run is a no-op."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import SettingsWrapper

from imports.service import build_preview, cancel, commit, save_pending
from indicators.models import ActualsImport
from tests.spreadsheets import csv_bytes, wide

pytestmark = pytest.mark.django_db

HOUR = 3600


@pytest.fixture(autouse=True)
def media(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_ORPHAN_MAX_AGE_HOURS = 24
    return tmp_path / "media"


def age(path: Path, hours: float) -> None:
    then = time.time() - hours * HOUR
    os.utime(path, (then, then))


def orphan(media: Path, name: str, hours: float, data: bytes = b"orphaned upload") -> Path:
    """A file in the imports folder no row names, last written `hours` ago."""
    path = media / "imports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    age(path, hours)
    return path


def an_import(value: float, *, hours: float, committed: bool = False) -> ActualsImport:
    """A real upload of Zhengzhou's R&D intensity, kept pending (or committed), uploaded `hours` ago."""
    data = csv_bytes(wide(["研发投入强度", "%", value, value + 0.1, value + 0.2]))
    preview = build_preview(data, f"rd-{value}.csv", user=None)
    assert preview.can_commit
    record = save_pending(preview, data, user=None)
    if committed:
        commit(record, user=None)
    ActualsImport.objects.filter(pk=record.pk).update(uploaded_at=timezone.now() - timedelta(hours=hours))
    record.refresh_from_db()
    age(Path(record.file.path), hours)
    age(Path(record.parsed_rows.path), hours)
    return record


def clean(*args: str) -> str:
    out = io.StringIO()
    call_command("clean_uploads", "--language", "en", *args, stdout=out)
    return out.getvalue()


def files(media: Path) -> set[str]:
    return {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}


def test_an_old_orphan_goes_and_a_fresh_one_stays(media: Path) -> None:
    old = orphan(media, "2025/01/0123abcd.xlsx", hours=25, data=b"x" * 1000)
    fresh = orphan(media, "2025/01/4567cdef.xlsx", hours=1)
    out = clean()
    assert not old.exists()
    assert fresh.exists()
    assert "removed imports/2025/01/0123abcd.xlsx (1000 B; no import points at it)" in out
    assert "Removed 1 file(s) no import points at (1000 bytes) and 0 file(s) of imports never committed" in out
    assert "1 file no import points at is kept: younger than 24 h" in out


def test_a_committed_imports_file_stays_however_old(media: Path) -> None:
    record = an_import(2.0, hours=24 * 400, committed=True)
    clean()
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.APPROVED
    assert Path(record.file.path).stat().st_size == record.size
    assert Path(record.parsed_rows.path).exists()  # the values it was confirmed with, beside it
    assert record.file_purged_at is None


def test_an_old_pending_imports_file_goes_and_its_row_stays_as_history(media: Path, alice_client: Client) -> None:
    record = an_import(2.0, hours=30)
    path, size, sha = Path(record.file.path), record.size, record.sha256
    # The values read from it at the preview (its stored reading) go with it.
    parsed, parsed_size = Path(record.parsed_rows.path), Path(record.parsed_rows.path).stat().st_size
    out = clean()
    assert not path.exists() and not parsed.exists()
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.EXPIRED
    assert not record.file and not record.parsed_rows
    assert record.file_purged_at is not None
    assert (record.size, record.sha256) == (size, sha)
    assert f"({size} B; import #{record.pk}, never confirmed: it expires)" in out
    assert f"({parsed_size} B; import #{record.pk}, never confirmed: it expires)" in out
    total = size + parsed_size
    assert f"0 file(s) no import points at (0 bytes) and 2 file(s) of imports never committed ({total} bytes)" in out
    assert "1 unconfirmed preview expired" in out
    # The page says what happened, and there is nothing left to confirm or download.
    page = alice_client.get(reverse("import-detail", args=[record.pk])).content.decode()
    assert 'data-import-status="expired"' in page
    assert "import-confirm" not in page and reverse("import-file", args=[record.pk]) not in page
    assert alice_client.get(reverse("import-file", args=[record.pk])).status_code == 404
    assert alice_client.post(reverse("import-confirm", args=[record.pk]), {"digest": "0" * 64}).status_code == 302
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.EXPIRED


def test_a_recent_pending_import_is_left_to_its_user(media: Path) -> None:
    record = an_import(2.0, hours=2)
    clean()
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.PENDING
    assert Path(record.file.path).exists()


def test_the_age_limit_can_be_given_and_is_never_under_an_hour(media: Path) -> None:
    path = orphan(media, "2025/02/aa.csv", hours=3)
    clean()
    assert path.exists()
    clean("--older-than-hours", "2")
    assert not path.exists()
    with pytest.raises(CommandError, match="at least 1"):
        clean("--older-than-hours", "0")


def test_the_setting_sets_the_default_age(media: Path, settings: SettingsWrapper) -> None:
    path = orphan(media, "2025/02/bb.csv", hours=3)
    settings.IMPORT_ORPHAN_MAX_AGE_HOURS = 2
    clean()
    assert not path.exists()


def test_a_dry_run_removes_nothing(media: Path) -> None:
    orphan(media, "2025/01/0123abcd.xlsx", hours=48)
    record = an_import(2.0, hours=48)
    before = files(media)
    out = clean("--dry-run")
    assert files(media) == before
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.PENDING and record.file and record.file_purged_at is None
    assert "would remove imports/2025/01/0123abcd.xlsx" in out
    assert f"would remove {record.file.name}" in out
    assert "Dry run, nothing removed. Would remove 1 file(s) no import points at" in out


def test_running_twice_is_a_no_op(media: Path) -> None:
    orphan(media, "2025/01/0123abcd.xlsx", hours=48)
    an_import(2.0, hours=48)
    kept = an_import(3.0, hours=48, committed=True)
    clean()
    after_first = (files(media), list(ActualsImport.objects.order_by("pk").values()))
    out = clean()
    assert (files(media), list(ActualsImport.objects.order_by("pk").values())) == after_first
    assert files(media) == {kept.file.name, kept.parsed_rows.name}
    assert "Removed 0 file(s) no import points at (0 bytes) and 0 file(s) of imports never committed (0 bytes)" in out
    assert "removed " not in out


def test_files_outside_the_imports_folder_are_not_ours(media: Path) -> None:
    other = media / "exports" / "report.pdf"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"%PDF")
    age(other, 24 * 30)
    clean()
    assert other.exists()


def test_a_cancel_that_cannot_delete_leaves_an_orphan_the_sweep_removes(media: Path) -> None:
    record = an_import(2.0, hours=0)
    path, parsed = Path(record.file.path), Path(record.parsed_rows.path)
    with mock.patch("django.core.files.storage.FileSystemStorage.delete", side_effect=PermissionError("busy")):
        cancel(record)
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.CANCELLED
    assert not record.file and not record.parsed_rows
    assert path.exists() and parsed.exists()
    age(path, 25)
    age(parsed, 25)
    out = clean()
    assert not path.exists() and not parsed.exists()
    assert out.count("no import points at it") == 2


def test_an_old_cancelled_import_still_holding_its_file_loses_it(media: Path) -> None:
    record = an_import(2.0, hours=30)
    path, parsed = Path(record.file.path), Path(record.parsed_rows.path)
    ActualsImport.objects.filter(pk=record.pk).update(status=ActualsImport.Status.CANCELLED)
    clean()
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.CANCELLED
    assert not record.file and not record.parsed_rows and record.file_purged_at is not None
    assert not path.exists() and not parsed.exists()


def test_cancelling_a_stale_copy_of_a_committed_import_keeps_its_file(media: Path) -> None:
    record = an_import(2.0, hours=0)
    stale = ActualsImport.objects.get(pk=record.pk)
    commit(record, user=None)
    cancel(stale)  # e.g. a second browser tab still showing the preview
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.APPROVED
    assert Path(record.file.path).exists()


def test_a_preview_confirmed_during_the_sweep_is_kept(media: Path) -> None:
    """The sweep locks each import and reads it again: one committed since the list was taken keeps its file."""
    record = an_import(2.0, hours=30)
    real_lock = ActualsImport.objects.select_for_update
    confirmed: list[bool] = []

    def commit_first(*args: Any, **kwargs: Any) -> Any:
        if not confirmed:  # the user confirms just before the sweep takes its lock
            confirmed.append(True)
            commit(record, user=None)
        return real_lock(*args, **kwargs)

    with mock.patch.object(ActualsImport.objects, "select_for_update", side_effect=commit_first):
        clean()
    record.refresh_from_db()
    assert record.status == ActualsImport.Status.APPROVED
    assert Path(record.file.path).exists()


def test_it_reports_in_chinese_by_default(media: Path) -> None:
    orphan(media, "2025/01/0123abcd.xlsx", hours=48, data=b"x" * 10)
    out = io.StringIO()
    call_command("clean_uploads", stdout=out)
    assert "已删除 imports/2025/01/0123abcd.xlsx (10 B; 无导入记录引用)" in out.getvalue()
    assert "已删除超过 24 小时的无导入记录引用的文件 1 个（10 字节）" in out.getvalue()
