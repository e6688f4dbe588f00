"""IdealCo's attendance export (CSV) read into an event's reported attendance."""

import csv
import io

PRESENT_WORDS = ("oui", "yes", "1", "true", "x", "présent", "present", "présente", "participé", "a participé")


class UnreadableExport(ValueError):
    """The file is not an attendance export; the message says why, in French."""


def _text(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableExport("le fichier n'est pas un texte lisible.")


def count_present(content: bytes) -> int:
    """How many distinct e-mail addresses attended: every row of the export, or those whose
    presence column (« Présent », « Participation », « Statut ») says so."""
    text = _text(content)
    if not text.strip():
        raise UnreadableExport("le fichier est vide.")
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,\t")
    except csv.Error:  # a single column
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    header = [cell.strip().lower() for cell in rows[0]]
    email = next((i for i, name in enumerate(header) if "mail" in name), None)
    if email is None:
        raise UnreadableExport("aucune colonne d'adresse e-mail (« Email », « Adresse e-mail »…).")
    presence = next(
        (i for i, name in enumerate(header) if name.startswith(("présen", "presen", "particip", "statut"))),
        None,
    )
    present = set()
    for row in rows[1:]:
        if len(row) <= email or "@" not in row[email]:
            continue
        if presence is not None and (
            len(row) <= presence or row[presence].strip().lower() not in PRESENT_WORDS
        ):
            continue
        present.add(row[email].strip().lower())
    return len(present)
