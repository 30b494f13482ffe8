"""Backup and restore, round trip: the test database with the five plans, a committed import with its real file, a
pending one and values entered by hand is backed up, restored into a FRESH database (PostgreSQL: a new database
made and dropped here; SQLite: a new file) and a fresh media folder, and every table is compared row for row, the
sequences too, and every media file byte for byte. Runs on whichever database the suite runs on; the developer's
own database is never touched (the source is the test database, the target a new one).

Transactional: pg_dump and SQLite's backup read what is committed, from a connection of their own."""

from __future__ import annotations

import copy
import io
import json
import os
import stat
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import ConnectionHandler
from django.utils import translation
from pytest_django.fixtures import SettingsWrapper

from cities.models import Region
from config.backup import MEDIA, BackupError, backup, restore
from imports.service import build_preview, commit, save_pending
from indicators.models import ActualsImport, Indicator, Observation
from indicators.services import observation_set
from plans.models import Plan
from plans.services import fixtures_load
from tests.spreadsheets import csv_bytes, wide, xlsx_bytes

pytestmark = pytest.mark.django_db(transaction=True)

POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.fixture(autouse=True)
def media(settings: SettingsWrapper, tmp_path: Path) -> Iterator[Path]:
    name = str(connection.settings_dict["NAME"])
    assert name.startswith("test_") or "memory" in name, "only ever the test database"
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):  # the messages below are matched in English
        yield tmp_path / "media"


@pytest.fixture
def data(media: Path) -> None:
    """What a working database holds: plans, users, imports with their files (one committed, one pending), values
    entered by hand, and a file an interrupted upload left behind."""
    if not Plan.objects.exists():  # an earlier transactional test emptied the database
        fixtures_load()
    user = User.objects.create_user("operator", password="a long backup password", is_superuser=True)
    data = xlsx_bytes(wide(["研发投入强度", "%", 2.31, 2.45, "2.6%"], ["高新技术企业数量", "家", 5000, 5200, 5400]))
    committed = save_pending(build_preview(data, "郑州.xlsx", user=user), data, user=user)
    commit(committed, user=user)
    other = csv_bytes(wide(["研发投入强度", "%", 2.5, 2.6, 2.7]))
    save_pending(build_preview(other, "修订.csv", user=user), other, user=user)
    observation_set(
        region=Region.objects.get(adcode="410000"),
        indicator=Indicator.objects.get(code="rd_intensity"),
        year=2022,
        value=Decimal("1.86"),
        source="统计公报",
        origin=Observation.Origin.MANUAL,
        user=user,
    )
    leftover = media / "imports" / "2025" / "01" / "orphan.xlsx"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"\x00\x01 left behind \xff")
    assert Observation.objects.filter(origin="import").count() == 6
    assert ActualsImport.objects.count() == 2


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[BaseDatabaseWrapper]:
    """A connection to a new, empty database of the same kind as the test database."""
    source = copy.deepcopy(connection.settings_dict)
    quote = connection.ops.quote_name
    if POSTGRES:
        name = f"{source['NAME']}_restore_{os.getpid()}"[:63]
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
            cursor.execute(f"CREATE DATABASE {quote(name)}")
    else:
        name = str(tmp_path / "restored.sqlite3")
    handler = ConnectionHandler({"default": {**source, "NAME": name}})
    target = handler["default"]
    yield target
    handler.close_all()
    if POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")


def snapshot(db: BaseDatabaseWrapper) -> dict[str, Any]:
    """Every table's columns and rows (in a stable order), and where each id sequence stands."""
    tables = db.introspection.table_names()
    state: dict[str, Any] = {}
    with db.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {db.ops.quote_name(table)}")  # noqa: S608 — the database's own table names
            columns = tuple(column[0] for column in cursor.description)
            state[table] = (columns, sorted(cursor.fetchall(), key=repr))
        if db.vendor == "postgresql":
            cursor.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences ORDER BY 1, 2")
        else:
            cursor.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name")
        state["<sequences>"] = cursor.fetchall()
    return state


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_backup_restores_into_a_fresh_database_row_for_row(
    data: None, media: Path, fresh: BaseDatabaseWrapper, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command("backup", "--dir", str(tmp_path / "backups"), "--language", "en", stdout=out)
    (folder,) = (tmp_path / "backups").iterdir()
    assert f"Backup written to {folder}" in out.getvalue()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["kind"] == ("postgresql" if POSTGRES else "sqlite")
    assert manifest["migrations"]["indicators"][:3] == [
        "0001_initial",
        "0002_actuals_import",
        "0003_actuals_import_expiry",
    ]
    # Two uploads, each with its stored reading (the values its preview read), and one orphan.
    assert manifest["media"] == {"files": 5, "bytes": sum(len(b) for b in files(media).values())}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())

    restored_media = tmp_path / "restored-media"
    restored = restore(folder, fresh, media_root=restored_media)
    assert restored.notes == []

    expected, got = snapshot(connection), snapshot(fresh)
    models = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    assert models <= set(expected), "every model's table is compared"
    assert set(got) == set(expected)
    # The data version is the one row a restore changes on purpose: a new epoch, so no page cached from the
    # replaced database is served for the restored one.
    version, restored_version = expected.pop("cities_dataversion"), got.pop("cities_dataversion")
    assert [row[2] for row in restored_version[1]] != [row[2] for row in version[1]]
    for table in expected:
        assert got[table] == expected[table], table
    assert len(expected["plans_target"][1]) > 100 and len(expected["indicators_actualsimport"][1]) == 2
    assert files(restored_media) == files(media)

    # Restoring again would overwrite: refused, unless forced, and then the result is the same.
    with pytest.raises(BackupError, match="not empty"):
        restore(folder, fresh, media_root=restored_media)
    restore(folder, fresh, media_root=restored_media, force=True)
    again = snapshot(fresh)
    assert again.pop("cities_dataversion") != restored_version  # a new epoch each time
    assert again == expected
    assert files(restored_media) == files(media)


def test_nothing_is_restored_over_the_configured_database_or_from_a_damaged_backup(
    media: Path, fresh: BaseDatabaseWrapper, tmp_path: Path
) -> None:
    (media / "imports").mkdir(parents=True)
    (media / "imports" / "a.csv").write_bytes(b"a,b\n" * 1000)
    folder = backup(connection, media_root=media, backup_dir=tmp_path / "backups")
    before = snapshot(connection)
    # The configured database (here: the test database) holds data: `manage.py restore` refuses.
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(folder), "--language", "en")
    assert "not empty" in str(refused.value) or "database file" in str(refused.value)  # SQLite: in memory
    assert snapshot(connection) == before

    archive = folder / MEDIA
    damaged = bytearray(archive.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    archive.write_bytes(bytes(damaged))
    with pytest.raises(BackupError, match="SHA-256"):
        restore(folder, fresh, media_root=tmp_path / "restored-media")
    assert not (tmp_path / "restored-media").exists()
    assert fresh.introspection.table_names() == []


def test_a_failed_backup_leaves_no_folder(media: Path, tmp_path: Path) -> None:
    with (
        mock.patch("config.backup._pack_media", side_effect=OSError("disk full")),
        pytest.raises(OSError, match="disk full"),
    ):
        backup(connection, media_root=media, backup_dir=tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL's restore runs in one transaction")
def test_a_forced_restore_that_fails_leaves_the_database_as_it_was(
    media: Path, fresh: BaseDatabaseWrapper, tmp_path: Path
) -> None:
    folder = backup(connection, media_root=media, backup_dir=tmp_path / "backups")
    with fresh.cursor() as cursor:
        cursor.execute("CREATE TABLE keep_me (id int)")
        cursor.execute("INSERT INTO keep_me VALUES (1)")
        # Not a table, so not dropped by force; it takes the name of one the dump creates, which then fails.
        cursor.execute("CREATE TYPE plans_plan AS (x int)")
    with pytest.raises(BackupError, match="psql failed"):
        restore(folder, fresh, media_root=tmp_path / "restored-media", force=True)
    with fresh.cursor() as cursor:
        cursor.execute("SELECT id FROM keep_me")
        assert cursor.fetchall() == [(1,)]
    assert fresh.introspection.table_names() == ["keep_me"]
    assert not (tmp_path / "restored-media").exists()


def test_the_commands_report_in_chinese_by_default(media: Path, tmp_path: Path) -> None:
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("backup", "--dir", str(tmp_path / "backups"), stdout=out)
        (folder,) = (tmp_path / "backups").iterdir()
        with pytest.raises(CommandError, match=r"不为空|请恢复到数据库文件"):
            call_command("restore", str(folder))
    assert f"备份已写入 {folder}" in out.getvalue()
