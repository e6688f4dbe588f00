"""Uploaded files (replay slides and captions): checked, then kept outside the web root.

Files go to ``<instance>/uploads/`` under a random name; nothing serves that folder directly, only
routes that check who may read each file. A file is checked on its content (size, first bytes),
never on the name or type the browser sent.
"""

import secrets
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

MARGIN = 64 * 1024  # room for the rest of a multipart form around the file


class UploadRefused(ValueError):
    """The file is refused; the message says why, in French."""


@dataclass(frozen=True)
class FileType:
    label: str
    magic: bytes  # what the file must begin with
    content_type: str
    suffix: str


PDF = FileType("PDF", b"%PDF-", "application/pdf", ".pdf")
WEBVTT = FileType("WebVTT", b"WEBVTT", "text/vtt", ".vtt")


@dataclass(frozen=True)
class Stored:
    file_name: str
    stored_name: str
    size: int
    content_type: str


def folder() -> Path:
    return Path(current_app.instance_path) / "uploads"


def max_bytes() -> int:
    return int(current_app.config["RTES_UPLOAD_MAX_MB"] * 1024 * 1024)


def request_limit() -> int:
    """The request size an upload form may reach (the file and its form fields)."""
    return max_bytes() + MARGIN


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g}".replace(".", ",") + " Mo"


def store(upload: FileStorage, kind: FileType) -> Stored:
    """Check ``upload`` and write it under a new random name; refused files leave nothing behind."""
    limit = max_bytes()
    data = upload.stream.read(limit + 1)
    if not data:
        raise UploadRefused("Le fichier envoyé est vide.")
    if len(data) > limit:
        raise UploadRefused(f"Le fichier dépasse la taille autorisée ({megabytes(limit)}).")
    body = (
        data.removeprefix(b"\xef\xbb\xbf") if kind is WEBVTT else data
    )  # a WebVTT file may start with a BOM
    if not body.startswith(kind.magic):
        raise UploadRefused(f"Le fichier n'est pas au format {kind.label}.")
    if kind is WEBVTT:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise UploadRefused("Le fichier de sous-titres doit être encodé en UTF-8.") from None
    name = secrets.token_hex(16) + kind.suffix
    _write(folder() / name, data)
    original = secure_filename(upload.filename or "") or f"fichier{kind.suffix}"
    if not original.lower().endswith(kind.suffix):
        original += kind.suffix
    return Stored(original[-200:], name, len(data), kind.content_type)


def _write(target: Path, data: bytes) -> None:
    """Write ``target`` whole or not at all: a full disk or an unwritable folder leaves nothing."""
    draft = target.with_suffix(".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        draft.write_bytes(data)
        draft.replace(target)
    except OSError as error:
        current_app.logger.error("uploads: %s not written: %s", target.name, error)
        with suppress(OSError):  # no draft left behind, where there is a folder to leave it in
            draft.unlink(missing_ok=True)
        raise UploadRefused(
            "Le fichier n'a pas pu être enregistré : l'espace de stockage de la plateforme est plein ou "
            "inaccessible. Rien n'a été modifié ; réessayez plus tard ou prévenez l'équipe du réseau."
        ) from None


def path_of(stored_name: str) -> Path:
    return folder() / stored_name


def remove(stored_name: str | None) -> None:
    """Delete a stored file (after the change that dropped it was committed)."""
    if stored_name:
        path_of(stored_name).unlink(missing_ok=True)
