"""``rtes-events backup`` and ``restore``: a copy taken, data changed, the copy put back into an empty
database, the earlier state found again; damaged, missing or misdirected backups refused."""

import io
import json
import tarfile
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from rtes_events import registrations, uploads
from rtes_events.extensions import db
from rtes_events.models import Event, Registration

from .conftest import _make_app

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server

SLIDES = b"%PDF-1.4\n" + bytes(range(256)) * 40


def store_pdf(content: bytes = SLIDES) -> str:
    return uploads.store(FileStorage(io.BytesIO(content), filename="diapos.pdf"), uploads.PDF).stored_name


def state() -> dict:
    """What the test compares: events, registrations and their statuses, uploaded files."""
    folder = uploads.folder()
    return {
        "events": sorted(db.session.scalars(select(Event.slug))),
        "registrations": sorted(db.session.execute(select(Registration.email, Registration.status)).all()),
        "files": {p.name: p.read_bytes() for p in folder.glob("*")} if folder.is_dir() else {},
    }


@pytest.fixture
def empty_app(request, backend, tmp_path, monkeypatch):
    """A second installation: its own instance folder and an empty database (no tables)."""
    if backend == "postgresql":
        server = request.getfixturevalue("postgres")
        url = server.url(server.new_database())
    else:
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    instance = tmp_path / "restored-instance"
    monkeypatch.setenv("RTES_INSTANCE_PATH", str(instance))
    app = _make_app(instance, url)
    yield app
    with app.app_context():
        db.engine.dispose()


def invoke(app, *args: str, input: str | None = None):
    """Run ``rtes-events ARGS`` on ``app`` (the test holds another app's context: this one is pushed)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args), input=input)


def take_backup(app, folder: Path) -> Path:
    result = invoke(app, "backup", str(folder))
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path.parent == folder and path.name.startswith("rtes-backup-") and path.suffix == ".tar"
    return path


def test_backup_then_restore_gives_back_the_earlier_state(
    app, make_event, make_registration, empty_app, tmp_path
):
    event = make_event(capacity=1, waitlist=True)
    first = make_registration(event, email="premiere@example.org")
    make_registration(event, email="seconde@example.org")
    slides = store_pdf()
    before = state()
    assert before["files"] == {slides: SLIDES}

    path = take_backup(app, tmp_path / "sauvegardes")
    with tarfile.open(path) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
    assert manifest["database"] == app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0].split("+")[0]
    assert manifest["alembic_revision"] and manifest["app_version"]
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert listed[f"uploads/{slides}"]["size"] == len(SLIDES)
    assert len(listed[f"uploads/{slides}"]["sha256"]) == 64
    assert path.stat().st_mode & 0o077 == 0  # personal data: readable by the operator only

    registrations.cancel(first)  # the second is promoted
    make_event(slug="apres-la-sauvegarde")
    uploads.remove(slides)
    assert state() != before

    refused = invoke(empty_app, "restore", str(path), input="n\n")
    assert refused.exit_code == 1 and "rien n'a été modifié" in refused.output
    result = invoke(empty_app, "restore", str(path), input="y\n")
    assert result.exit_code == 0, result.output
    assert "Restaurer la sauvegarde du" in result.output and "Restauration terminée" in result.output
    with empty_app.app_context():
        assert state() == before
    again = invoke(empty_app, "restore", str(path), "--yes")
    assert again.exit_code == 1 and "n'est pas vide" in again.output


def test_a_damaged_or_missing_backup_is_refused_and_nothing_is_written(app, make_event, empty_app, tmp_path):
    make_event()
    store_pdf()
    path = take_backup(app, tmp_path)
    damaged = tmp_path / "endommagee.tar"
    with tarfile.open(path) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("uploads/"):
                data = data[:-1] + b"!"
            target.addfile(member, io.BytesIO(data))
    cases = {
        damaged: "somme de contrôle incorrecte pour uploads/",
        tmp_path / "absente.tar": "Fichier de sauvegarde introuvable",
        tmp_path / "manifest.json": "n'est pas une sauvegarde lisible",
    }
    (tmp_path / "manifest.json").write_text("{}")
    for source, message in cases.items():
        result = invoke(empty_app, "restore", str(source), "--yes")
        assert result.exit_code == 1 and message in result.output, result.output
    with empty_app.app_context():
        assert db.inspect(db.engine).get_table_names() == []
        assert not uploads.folder().exists() or not any(uploads.folder().iterdir())

    unreachable = _make_app(tmp_path / "elsewhere", f"sqlite:///{tmp_path / 'absent' / 'base.sqlite3'}")
    for args in (["restore", str(path), "--yes"], ["backup", str(tmp_path / "vers")]):
        result = invoke(unreachable, *args)
        assert result.exit_code == 1 and "Base de données injoignable (sqlite:///" in result.output
    assert not (tmp_path / "vers").exists() or not any((tmp_path / "vers").iterdir())  # no half archive

    # the database the backup came from is not empty: refused before any question
    result = invoke(app, "restore", str(path))
    assert result.exit_code == 1 and "La base de données n'est pas vide (table « " in result.output


def test_a_backup_of_an_older_schema_is_upgraded_after_restore(app, make_event, empty_app, tmp_path):
    head = db.session.connection().exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    db.session.commit()
    downgrade(revision="-1")
    older = db.session.connection().exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    db.session.commit()
    db.session.connection().exec_driver_sql(
        "INSERT INTO regions (code, name) VALUES ('IDF', 'Île-de-France')"
    )
    db.session.commit()
    path = take_backup(app, tmp_path)
    upgrade()

    result = invoke(empty_app, "restore", str(path), "--yes")
    assert result.exit_code == 0, result.output
    assert f"Schéma mis à jour depuis la révision {older}" in result.output
    with empty_app.app_context():
        connection = db.session.connection()
        assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head
        assert connection.exec_driver_sql("SELECT name FROM regions").scalar() == "Île-de-France"
