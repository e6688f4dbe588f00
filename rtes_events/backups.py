"""Backups that restore: the database, the uploaded files and a manifest, in one tar file.

``backup`` takes a consistent copy of the database (SQLite's online backup API, or ``pg_dump
--format=custom``), then the uploaded files, and writes them with a manifest (date, application
version, Alembic revision, database kind, every file's size and SHA-256) into one archive, written
aside and renamed when complete. ``restore`` checks the whole archive before writing anything, puts
it back into an empty database (SQLite: the backup API into the target file, in one transaction;
PostgreSQL: ``pg_restore --single-transaction``), then the files, then upgrades the schema when the
backup is older than the code. Every refusal is a ``BackupError`` with a French message.
"""

import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from . import cache, clock, uploads
from .extensions import db
from .formatting import moment

FORMAT = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads/"
SEEDED_TABLES = {"alembic_version", "data_versions"}  # rows written by the migrations themselves
TOOL_TIMEOUT = 3600  # seconds


class BackupError(Exception):
    """A backup or a restore refused; the message says why, in French."""


@dataclass(frozen=True)
class Backup:
    """A checked archive, extracted in ``folder`` (a temporary folder)."""

    folder: Path
    manifest: dict

    @property
    def database(self) -> Path:
        return self.folder / DUMPS[self.manifest["database"]]

    @property
    def files(self) -> list[str]:
        return [entry["path"] for entry in self.manifest["files"] if entry["path"].startswith(UPLOADS)]

    def describe(self) -> str:
        kind = "SQLite" if self.manifest["database"] == "sqlite" else "PostgreSQL"
        taken = datetime.fromisoformat(self.manifest["created_at"]).astimezone(clock.PARIS)
        return (
            f"sauvegarde du {moment(taken)} (base {kind}, révision "
            f"{self.manifest['alembic_revision']}, {len(self.files)} fichier(s) déposé(s))"
        )


def database_kind() -> str:
    """``sqlite`` or ``postgresql``: the configured database's kind."""
    backend = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    if backend not in DUMPS:
        raise BackupError(f"Base de données non prise en charge pour les sauvegardes : {backend}.")
    return backend


def safe_url(url: str) -> str:
    """The database URL as it may be shown: without its password."""
    return make_url(url).render_as_string(hide_password=True)


def backup(folder: Path) -> Path:
    """Write a backup archive into ``folder`` (created if needed) and return its path."""
    kind = database_kind()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC)
        target = folder / f"rtes-backup-{stamp:%Y%m%d-%H%M%S}.tar"
        with tempfile.TemporaryDirectory(dir=folder, prefix=".rtes-backup-") as work:
            staging = Path(work)
            dump = staging / DUMPS[kind]
            revision = _revision()
            if kind == "sqlite":
                _dump_sqlite(dump)
            else:
                _dump_postgresql(dump)
            names = [(dump, DUMPS[kind])]
            for path in sorted(uploads.folder().glob("*")) if uploads.folder().is_dir() else ():
                if path.is_file() and path.suffix != ".part":  # .part: an upload being written
                    copy = staging / "uploads" / path.name
                    copy.parent.mkdir(exist_ok=True)
                    shutil.copy2(path, copy)
                    names.append((copy, UPLOADS + path.name))
            manifest = {
                "format": FORMAT,
                "created_at": stamp.isoformat(timespec="seconds"),
                "app_version": _app_version(),
                "alembic_revision": revision,
                "database": kind,
                "files": [{"path": name, **_fingerprint(path)} for path, name in names],
            }
            draft = staging / "archive.tar"
            with tarfile.open(draft, "w") as archive:
                data = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
                (staging / MANIFEST).write_bytes(data)
                archive.add(staging / MANIFEST, MANIFEST)
                for path, name in names:
                    archive.add(path, name)
            draft.chmod(0o600)  # personal data: for the operator only
            draft.replace(target)
    except OSError as exc:
        raise BackupError(f"Sauvegarde impossible dans {folder} : {exc.strerror or exc}.") from exc
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from exc
    except sqlite3.Error as exc:
        raise BackupError(f"Copie de la base SQLite impossible : {exc}.") from exc
    return target


def open_backup(path: Path, work: Path) -> Backup:
    """Extract ``path`` into ``work`` and check it against its manifest (sizes and SHA-256)."""
    if not path.is_file():
        raise BackupError(f"Fichier de sauvegarde introuvable : {path}.")
    try:
        with tarfile.open(path, "r:*") as archive:
            members = archive.getmembers()
            for member in members:
                if not member.isfile() or not _expected_name(member.name):
                    raise BackupError(f"{path} : élément inattendu dans la sauvegarde : {member.name!r}.")
            archive.extractall(work, filter="data")
    except (tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{path} n'est pas une sauvegarde lisible ({exc}).") from exc
    try:
        manifest = json.loads((work / MANIFEST).read_text(encoding="utf-8"))
        listed = {entry["path"]: entry for entry in manifest["files"]}
        kind = manifest["database"]
        if {"alembic_revision", "created_at"} - manifest.keys():
            raise KeyError("alembic_revision")
        datetime.fromisoformat(manifest["created_at"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path} : manifeste absent ou illisible.") from exc
    if manifest.get("format") != FORMAT or kind not in DUMPS or DUMPS[kind] not in listed:
        raise BackupError(f"{path} : manifeste d'un format inconnu.")
    extracted = {member.name for member in members} - {MANIFEST}
    if unlisted := sorted(extracted - set(listed)):
        raise BackupError(f"{path} : fichier absent du manifeste : {unlisted[0]}.")
    for name, entry in listed.items():
        if name not in extracted or not _expected_name(name):
            raise BackupError(f"{path} : fichier manquant dans la sauvegarde : {name}.")
        if _fingerprint(work / name) != {"size": entry.get("size"), "sha256": entry.get("sha256")}:
            raise BackupError(f"{path} : somme de contrôle incorrecte pour {name} (sauvegarde endommagée).")
    return Backup(work, manifest)


def restore(backup: Backup) -> str | None:
    """Put ``backup`` back into the configured database, which must be empty, and its files.

    Returns the revision the schema was upgraded from, or None when the backup was at the head."""
    kind = database_kind()
    if backup.manifest["database"] != kind:
        raise BackupError(
            f"La sauvegarde est d'une base {backup.manifest['database']}, la base configurée est {kind} : "
            "restaurez-la dans une base du même type."
        )
    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    revision = backup.manifest["alembic_revision"]
    if revision is None or not _known(script, revision):
        raise BackupError(
            f"La sauvegarde est à la révision {revision!r}, inconnue de cette version de rtes-events "
            "(sauvegarde d'une version plus récente ?)."
        )
    check_empty()
    present = _present_uploads(backup)
    staging = Path(tempfile.mkdtemp(dir=_uploads_parent(), prefix=".rtes-restore-"))
    try:
        for name in backup.files:  # copied beside their place first: the rename below cannot fail halfway
            shutil.copy2(backup.folder / name, staging / Path(name).name)
        db.session.remove()
        db.engine.dispose()
        if kind == "sqlite":
            _load_sqlite(backup.database)
        else:
            _load_postgresql(backup.database, revision)
        uploads.folder().mkdir(exist_ok=True)
        for name in backup.files:
            if Path(name).name not in present:
                (staging / Path(name).name).replace(uploads.folder() / Path(name).name)
    except OSError as exc:
        raise BackupError(f"Restauration impossible : {exc.strerror or exc}.") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    db.engine.dispose()
    older = revision != script.get_current_head()
    if older:
        upgrade()
    cache.bodies.clear()  # a shared cache may hold pages of another state under the same versions
    cache.vevents.clear()
    return revision if older else None


def check_empty() -> None:
    """Refuse a database that holds data (the migrations' own rows aside), or that cannot be reached."""
    try:
        with db.engine.connect() as connection:
            names = inspect(connection).get_table_names()
            full = [name for name in names if name not in SEEDED_TABLES and _holds_rows(connection, name)]
    except SQLAlchemyError as exc:
        raise _unreachable(exc) from exc
    if full:
        raise BackupError(
            f"La base de données n'est pas vide (table « {full[0]} ») : une sauvegarde ne se restaure "
            "que dans une base vide (créez une nouvelle base, ou supprimez le fichier SQLite)."
        )


def _unreachable(exc: SQLAlchemyError) -> BackupError:
    url = safe_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return BackupError(f"Base de données injoignable ({url}) : {getattr(exc, 'orig', None) or exc}.")


def _holds_rows(connection, name: str) -> bool:
    return bool(connection.scalar(select(func.count()).select_from(table(name))))


def _expected_name(name: str) -> bool:
    return name == MANIFEST or name in DUMPS.values() or re.fullmatch(r"uploads/[\w.-]+", name) is not None


def _fingerprint(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return {"size": path.stat().st_size, "sha256": digest.hexdigest()}


def _app_version() -> str:
    try:
        return version("rtes-events")
    except PackageNotFoundError:
        return "inconnue"


def _revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _known(script: ScriptDirectory, revision: str) -> bool:
    return revision in {script_revision.revision for script_revision in script.walk_revisions()}


def _present_uploads(backup: Backup) -> set[str]:
    """The backup's files already in the uploads folder: refused unless they are the same file."""
    present = set()
    for name in backup.files:
        existing = uploads.folder() / Path(name).name
        if existing.exists():
            if _fingerprint(existing) != _fingerprint(backup.folder / name):
                raise BackupError(f"Un autre fichier porte déjà le nom {existing} : restauration refusée.")
            present.add(existing.name)
    return present


def _uploads_parent() -> Path:
    parent = uploads.folder().parent
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def _sqlite_path() -> str:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if not url.database or url.database == ":memory:":
        raise BackupError("Une base SQLite en mémoire ne se sauvegarde ni ne se restaure.")
    return url.database


def _dump_sqlite(target: Path) -> None:
    """A consistent copy through SQLite's online backup API (writers may go on meanwhile)."""
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)
    finally:
        copy.close()
        source.close()


def _load_sqlite(dump: Path) -> None:
    """Copy ``dump`` into the target file through the backup API: one transaction on the target."""
    source = sqlite3.connect(dump)
    target = sqlite3.connect(_sqlite_path(), timeout=30)
    try:
        source.backup(target)
    except sqlite3.Error as exc:
        raise BackupError(f"Restauration de la base SQLite impossible : {exc}.") from exc
    finally:
        target.close()
        source.close()


def _pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: on the PATH, else the newest in Debian's PostgreSQL folders."""
    found = shutil.which(name)
    if not found:
        newest = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
        found = newest[-1] if newest else None
    if not found:
        raise BackupError(f"{name} est introuvable : installez les outils clients de PostgreSQL.")
    return found


def _pg_connection() -> tuple[str, dict]:
    """The libpq URI of the database (without its password) and the environment that carries it."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run_pg(name: str, *args: str) -> None:
    uri, env = _pg_connection()
    command = [_pg_tool(name), *args, f"--dbname={uri}"]
    try:
        done = subprocess.run(  # noqa: S603 (a fixed program with arguments we built)
            command, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{name} n'a pas abouti : {exc}.") from exc
    if done.returncode:
        raise BackupError(f"{name} a échoué : {done.stderr.strip()[-2000:]}")


def _dump_postgresql(target: Path) -> None:
    _run_pg("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}")


def _load_postgresql(dump: Path, revision: str) -> None:
    """``pg_restore`` in one transaction: on any error the database stays as it was.

    A database created by ``db upgrade`` but holding no data has the tables already: at the
    backup's revision, they are dropped and created again from the backup in the same transaction
    (``--clean``); at another, tables the backup does not know would stay, so it is refused."""
    with db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    current = _revision() if tables else None
    if tables and current != revision:
        raise BackupError(
            f"La base cible a déjà des tables (révision {current}) et la sauvegarde est à la révision "
            f"{revision} : restaurez dans une base neuve, sans tables."
        )
    clean = ["--clean", "--if-exists"] if tables else []
    options = ("--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges", *clean)
    _run_pg("pg_restore", *options, str(dump))
