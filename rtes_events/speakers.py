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


def speaker(name: str, organisation: str | None) -> Speaker:
    """The speaker of that name and organisation, added when new."""
    found = db.session.scalar(
        select(Speaker).where(Speaker.name == name, Speaker.organisation == organisation)
    )
    if found is None:
        found = Speaker(name=name, organisation=organisation)
        db.session.add(found)
        db.session.flush()
    return found
