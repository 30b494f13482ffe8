"""Backing up and restoring the whole application state: the database and the uploaded files in MEDIA_ROOT
(`manage.py backup`, `manage.py restore`; `make backup`, `make restore BACKUP=…`).

A backup is one folder, BACKUP_DIR/<UTC time>/:

- database.dump (PostgreSQL: `pg_dump -Fc`, a consistent snapshot of a live database) or database.sqlite3 (SQLite:
  a copy made by sqlite3's online backup API, consistent even while the app writes);
- media.tar.gz: MEDIA_ROOT, since uploaded spreadsheets live on disk and no database dump holds them;
- manifest.json: time, database kind, Django's migration state, and the SHA-256 of each file above.

The database is dumped before the files are packed: every import the dump holds had its file on disk by then.
The folder is written under a hidden name and renamed when complete, so a stopped backup never looks whole.

Restoring checks every SHA-256 first, and writes only into an empty database and an empty MEDIA_ROOT unless
forced. PostgreSQL restores in one transaction (`pg_restore` → `psql --single-transaction`): a failed restore
leaves the database as it was, and forcing drops the old tables in that same transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import OperationalError
from django.utils.translation import gettext as _
from psycopg2.extensions import make_dsn

from cities import versioning
from cities.models import DataVersion

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media.tar.gz"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
# Connection options of a Django PostgreSQL DATABASES entry that libpq (pg_dump, psql) understands too.
LIBPQ_OPTIONS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslcrl",
        "connect_timeout",
        "options",
        "target_session_attrs",
        "service",
        "passfile",
        "gssencmode",
        "channel_binding",
        "application_name",
    }
)
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Something an operator must fix; nothing was changed."""


@dataclass
class Restored:
    manifest: dict[str, Any]
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ helpers


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _kind(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DUMPS:
        raise BackupError(_("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": connection.vendor})
    return str(connection.vendor)


def _migrations(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        state.setdefault(app, []).append(name)
    return state


def _libpq(connection: BaseDatabaseWrapper) -> tuple[str, dict[str, str]]:
    """The connection string for pg_dump/psql, and their environment: the password goes through the environment,
    never the command line (which every user of the machine can read)."""
    settings = connection.settings_dict
    params = {key: value for key, value in settings.get("OPTIONS", {}).items() if key in LIBPQ_OPTIONS}
    for key, setting in (("dbname", "NAME"), ("user", "USER"), ("host", "HOST"), ("port", "PORT")):
        if settings.get(setting):
            params[key] = str(settings[setting])
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return make_dsn(**params), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            _("%(tool)s is not installed: install Debian's postgresql-client (make ensure-pg-client).") % {"tool": name}
        )
    return path


def _run(command: list[str], *, env: dict[str, str], **kwargs: Any) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False, **kwargs)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s") % {"tool": Path(command[0]).name, "error": result.stderr.strip()}
        )


def _sqlite_source(name: str) -> str:
    """A read-only URI for the database file: connecting must never create an empty database in its place."""
    if name.startswith("file:"):
        return name  # already a URI (the test suite's in-memory database)
    path = Path(name)
    if not path.is_file():
        raise BackupError(_("The SQLite database %(path)s does not exist.") % {"path": path})
    return path.resolve().as_uri() + "?mode=ro"


def _media_files(media_root: Path) -> Iterator[Path]:
    if media_root.is_dir():
        yield from sorted(p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink())


# ------------------------------------------------------------------------------------------------ backup


def backup(connection: BaseDatabaseWrapper, *, media_root: Path, backup_dir: Path) -> Path:
    """Write a complete backup folder under `backup_dir` and return its path."""
    kind = _kind(connection)
    backup_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    final = backup_dir / now.strftime("%Y%m%d-%H%M%SZ")
    for number in range(2, 100):
        if not final.exists():
            break
        final = backup_dir / f"{now:%Y%m%d-%H%M%S}Z-{number}"
    # Backups hold every account's password hash: readable by their owner only.
    partial = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".partial", dir=backup_dir))
    try:
        migrations = _migrations(connection)
        dump = partial / DUMPS[kind]
        if kind == "postgresql":
            dsn, env = _libpq(connection)
            _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={dump}", f"--dbname={dsn}"], env=env)
            server = str(getattr(connection, "pg_version", ""))
        else:
            _sqlite_backup(_sqlite_source(str(connection.settings_dict["NAME"])), dump)
            server = sqlite3.sqlite_version
        media_count, media_bytes = _pack_media(media_root, partial / MEDIA)
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": {"kind": kind, "name": Path(str(connection.settings_dict["NAME"])).name, "server": server},
            "django": django.get_version(),
            "migrations": migrations,
            "media": {"files": media_count, "bytes": media_bytes},
            "files": {
                path.name: {"sha256": sha256_of(path), "bytes": path.stat().st_size} for path in (dump, partial / MEDIA)
            },
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for path in partial.iterdir():
            path.chmod(0o600)
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def _sqlite_backup(source: str, target: Path) -> None:
    with closing(sqlite3.connect(source, uri=True)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        # The check evaluates the CHECK constraints too, some of which use Django's REGEXP function.
        dst.create_function("REGEXP", 2, _regexp, deterministic=True)
        (check,) = dst.execute("PRAGMA integrity_check").fetchone()
    if check != "ok":
        raise BackupError(_("The copy of the SQLite database is damaged: %(check)s") % {"check": check})


def _regexp(pattern: str | None, value: Any) -> bool | None:
    if pattern is None or value is None:
        return None
    return re.search(pattern, str(value)) is not None


def _pack_media(media_root: Path, target: Path) -> tuple[int, int]:
    count = size = 0
    with tarfile.open(target, "w:gz") as tar:
        for path in _media_files(media_root):
            tar.add(path, arcname=path.relative_to(media_root).as_posix(), recursive=False)
            count, size = count + 1, size + path.stat().st_size
    return count, size


# ------------------------------------------------------------------------------------------------ restore


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a backup folder, after checking every file it lists against its SHA-256."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(_("%(folder)s is not a backup: it has no manifest.json.") % {"folder": folder}) from exc
    except ValueError as exc:
        raise BackupError(_("The manifest of %(folder)s cannot be read.") % {"folder": folder}) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(_("Unknown backup format %(format)s.") % {"format": manifest.get("format")})
    kind = manifest.get("database", {}).get("kind")
    expected = {DUMPS.get(kind, "?"), MEDIA}
    if set(manifest.get("files", {})) != expected:
        raise BackupError(_("The manifest does not list the files of a backup."))
    for name, facts in manifest["files"].items():
        path = folder / name
        if not path.is_file() or sha256_of(path) != facts["sha256"]:
            raise BackupError(
                _("%(file)s is missing or does not match its SHA-256 in the manifest: the backup is damaged.")
                % {"file": path}
            )
    return manifest


def restore(folder: Path, connection: BaseDatabaseWrapper, *, media_root: Path, force: bool = False) -> Restored:
    """Restore the backup in `folder` into the database of `connection` and into `media_root`."""
    manifest = read_manifest(folder)
    kind = _kind(connection)
    if manifest["database"]["kind"] != kind:
        raise BackupError(
            _("This backup is of a %(backup)s database; the configured database is %(configured)s.")
            % {"backup": manifest["database"]["kind"], "configured": kind}
        )
    name = connection.settings_dict["NAME"]
    if kind == "postgresql":
        relations = _pg_relations(connection)
        connection.close()
        held = len(relations)
        elsewhere = [".".join(r[:2]) for r in relations if r[0] != "public"]
        if elsewhere:
            raise BackupError(
                _("The database %(name)s has tables outside the public schema (%(first)s): restore into a new one.")
                % {"name": name, "first": elsewhere[0]}
            )
    else:
        target = _sqlite_target(connection)
        held = _sqlite_tables(target)
    problems = []
    if held and not force:
        problems.append(
            _("The database %(name)s is not empty (%(count)s tables): restore into a new, empty one, or force.")
            % {"name": name, "count": held}
        )
    leftovers = len(list(media_root.iterdir())) if media_root.is_dir() else 0
    if leftovers and not force:
        problems.append(
            _("MEDIA_ROOT %(path)s is not empty (%(count)s entries): restore into an empty folder, or force.")
            % {"path": media_root, "count": leftovers}
        )
    if problems:
        raise BackupError(" ".join(problems))
    # Unpacked beside MEDIA_ROOT first: a damaged archive stops the restore before the database is touched.
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        with tarfile.open(folder / MEDIA, "r:gz") as tar:
            tar.extractall(staging, filter="data")  # no absolute paths, no "..", no links out
        if kind == "postgresql":
            _restore_postgresql(folder / DUMPS[kind], connection, drop=relations)
        else:
            _restore_sqlite(folder / DUMPS[kind], target)
        _move_into(staging, media_root)
        # Cached pages were keyed on the replaced database's versions, which the restored one may repeat.
        connection.close()  # SQLite: the file was replaced under the open connection
        if DataVersion._meta.db_table in connection.introspection.table_names():  # older backups: migrate adds it
            versioning.renew_epoch(connection)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Restored(manifest, _migration_notes(manifest, connection))


def _move_into(staging: Path, media_root: Path) -> None:
    media_root.mkdir(parents=True, exist_ok=True)
    for path in sorted(staging.rglob("*")):
        if path.is_file():
            target = media_root / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)  # a rename, or a copy when MEDIA_ROOT is a mount of its own


def _pg_relations(connection: BaseDatabaseWrapper) -> list[tuple[str, str, str]]:
    """(schema, name, kind) of every table, view and sequence outside the system schemas (not counting the
    sequences of identity and serial columns, which go with their tables)."""
    query = """
        SELECT n.nspname, c.relname, c.relkind FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
        ORDER BY 1, 2"""
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            return [(str(s), str(n), str(k)) for s, n, k in cursor.fetchall()]
    except OperationalError as exc:
        raise BackupError(
            _("Cannot reach the database %(name)s (create it first, empty: createdb %(name)s): %(error)s")
            % {"name": connection.settings_dict["NAME"], "error": str(exc).strip()}
        ) from exc


def _restore_postgresql(dump: Path, connection: BaseDatabaseWrapper, *, drop: list[tuple[str, str, str]]) -> None:
    words = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE", "f": "FOREIGN TABLE"}
    quote = connection.ops.quote_name
    drops = [f"DROP {words[kind]} IF EXISTS {quote(schema)}.{quote(name)} CASCADE;" for schema, name, kind in drop]
    dsn, env = _libpq(connection)
    command = [_tool("psql"), "--no-psqlrc", "--quiet", "--no-password", "--single-transaction"]
    command += ["--set=ON_ERROR_STOP=1", f"--dbname={dsn}"]
    if drops:
        command += ["--command", " ".join(drops)]
    command += ["--file=-"]
    # pg_restore writes SQL; psql runs it, after the drops, as one transaction that stops at the first error.
    with tempfile.TemporaryFile() as errors:
        sql = subprocess.Popen(  # noqa: S603
            [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(dump)],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        try:
            _run(command, env=env, stdin=sql.stdout)
        finally:
            if sql.stdout is not None:
                sql.stdout.close()
            returncode = sql.wait()
        if returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()
            raise BackupError(_("%(tool)s failed: %(error)s") % {"tool": "pg_restore", "error": message})


def _sqlite_target(connection: BaseDatabaseWrapper) -> Path:
    name = str(connection.settings_dict["NAME"])
    if name.startswith("file:") or name == ":memory:":
        raise BackupError(_("Restore into a database file, not %(name)s.") % {"name": name})
    connection.close()
    return Path(name)


def _sqlite_tables(target: Path) -> int:
    if not target.exists() or not target.stat().st_size:
        return 0
    with closing(sqlite3.connect(target.resolve().as_uri() + "?mode=ro", uri=True)) as existing:
        (tables,) = existing.execute("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchone()
    return int(tables)


def _restore_sqlite(copy: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # The backup API replaces the whole database in one locked step: other connections never see half of it.
    source = copy.resolve().as_uri() + "?mode=ro"
    with closing(sqlite3.connect(source, uri=True)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _migration_notes(manifest: dict[str, Any], connection: BaseDatabaseWrapper) -> list[str]:
    """What an operator must know about the restored schema against this code's migrations."""
    restored = _migrations(connection)
    if restored != manifest["migrations"]:
        raise BackupError(_("The restored database's migrations differ from the manifest's."))
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    unapplied = executor.migration_plan(graph.leaf_nodes())
    known_apps = {app for app, _name in graph.nodes}
    unknown = sorted(
        (app, name)
        for app, names in restored.items()
        for name in names
        if app in known_apps and (app, name) not in graph.nodes and (app, name) not in executor.loader.replacements
    )
    connection.close()
    notes = []
    if unapplied:
        notes.append(
            _("%(count)s migration(s) of this code are newer than the backup: run manage.py migrate.")
            % {"count": len(unapplied)}
        )
    if unknown:
        notes.append(
            _(
                "The backup has %(count)s migration(s) this code does not know (%(first)s): it comes from a newer "
                "version."
            )
            % {"count": len(unknown), "first": ".".join(unknown[0])}
        )
    return notes
