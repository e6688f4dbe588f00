"""Speakers named in import files (« Maud Leblois (Région Nouvelle-Aquitaine) »): read, and found or added."""

import re

from sqlalchemy import select

from .extensions import db
from .formatting import one_line
from .models import Speaker


def people(names) -> list[tuple[str, str | None]]:
    """``"Maud Leblois (Région Nouvelle-Aquitaine)"`` → ``("Maud Leblois", "Région Nouvelle-Aquitaine")``."""
    found = []
    for text in names or []:
        match = re.fullmatch(r"(.+?)\s*\((.+)\)", one_line(text))
        found.append((match[1], match[2]) if match else (one_line(text), None))
    return found


class Speakers:
    """Speakers found by name and organisation, each read once (the first stored, or added when new):
    one lookup for a whole import, or for one slot."""

    def __init__(self):
        self._found: dict[tuple[str, str | None], Speaker] = {}
        self._all_read = False

    def read_all(self) -> "Speakers":
        """Read every stored speaker at once (for many names: an import)."""
        for found in db.session.scalars(select(Speaker).order_by(Speaker.id.desc())):
            self._found[found.name, found.organisation] = found
        self._all_read = True
        return self

    def get(self, name: str, organisation: str | None) -> Speaker:
        """The speaker of that name and organisation, the first stored or a new one (added)."""
        key = (name, organisation)
        if key not in self._found and not self._all_read:
            self._found[key] = db.session.scalar(
                select(Speaker)
                .where(Speaker.name == name, Speaker.organisation == organisation)
                .order_by(Speaker.id)
                .limit(1)
            )
        if self._found.get(key) is None:
            self._found[key] = Speaker(name=name, organisation=organisation)
            db.session.add(self._found[key])
        return self._found[key]


def speaker(name: str, organisation: str | None) -> Speaker:
    """The speaker of that name and organisation, added (and flushed) when new."""
    found = Speakers().get(name, organisation)
    if found.id is None:
        db.session.flush()
    return found
