"""Programmes (« actions »): create and edit them, assign events, and read them from import files."""

from datetime import date

from slugify import slugify
from sqlalchemy import select

from .checks import InvalidImport
from .extensions import db
from .formatting import one_line
from .models import Event, Programme

FIELDS = ("name", "funder", "starts_on", "ends_on", "description")


class ProgrammeError(ValueError):
    """The programme cannot be saved; the message says why, in French."""


def all_programmes() -> list[Programme]:
    return db.session.scalars(select(Programme).order_by(Programme.name)).all()


def by_slug(slug: str) -> Programme | None:
    return db.session.scalar(select(Programme).where(Programme.slug == slug))


def create(values: dict) -> Programme:
    """A new programme, its slug made from its name (kept afterwards: links and filters use it)."""
    slug = slugify(values["name"])[:120]
    if not slug:
        raise ProgrammeError("Le nom du programme doit contenir au moins une lettre ou un chiffre.")
    if by_slug(slug):
        raise ProgrammeError(f"Un programme porte déjà ce nom (adresse « {slug} »).")
    programme = Programme(slug=slug)
    update(programme, values)
    db.session.add(programme)
    db.session.flush()
    return programme


def update(programme: Programme, values: dict) -> dict:
    """Apply ``values``; returns what changed, as {field: new value} (dates as text)."""
    if values.get("starts_on") and values.get("ends_on") and values["ends_on"] < values["starts_on"]:
        raise ProgrammeError("La fin de la période précède son début.")
    changed = {}
    for name in FIELDS:
        value = values.get(name) or None
        if getattr(programme, name) != value:
            setattr(programme, name, value)
            changed[name] = value.isoformat() if isinstance(value, date) else value
    return changed


def set_programmes(event: Event, programmes: list[Programme]) -> tuple[list[str], list[str]]:
    """Make ``programmes`` the event's; returns the slugs added and removed."""
    before, after = {p.slug for p in event.programmes}, {p.slug for p in programmes}
    event.programmes = sorted(programmes, key=lambda p: p.name)
    return sorted(after - before), sorted(before - after)


def add_event(programme: Programme, event: Event) -> bool:
    if programme in event.programmes:
        return False
    event.programmes.append(programme)
    return True


def remove_event(programme: Programme, event: Event) -> bool:
    if programme not in event.programmes:
        return False
    event.programmes.remove(programme)
    return True


# --- Import files ---------------------------------------------------------------------------------


def import_programme(item: dict) -> str | None:
    """Create or update a programme of an import file's top-level ``programmes`` list:
    ``{"slug", "name", "funder", "start", "end", "description"}`` (dates ``AAAA-MM-JJ``; ``slug``
    made from the name when absent). Returns a line for the report, or None when unchanged."""
    if not isinstance(item, dict) or not one_line(item.get("name")):
        raise InvalidImport("chaque programme doit avoir un « name ».")
    slug = one_line(item.get("slug")) or slugify(one_line(item["name"]))
    if slug != slugify(slug) or len(slug) > 120:
        raise InvalidImport(f"programme : slug invalide {slug!r}.")
    try:
        values = {
            "name": one_line(item["name"])[:200],
            "funder": one_line(item.get("funder"))[:200] or None,
            "starts_on": date.fromisoformat(item["start"]) if item.get("start") else None,
            "ends_on": date.fromisoformat(item["end"]) if item.get("end") else None,
            "description": item.get("description") or None,
        }
    except (TypeError, ValueError):
        raise InvalidImport(f"programme {slug!r} : « start » et « end » s'écrivent AAAA-MM-JJ.") from None
    programme = by_slug(slug)
    created = programme is None
    if created:
        programme = Programme(slug=slug)
        db.session.add(programme)
    try:
        changed = update(programme, values)
    except ProgrammeError as exc:
        raise InvalidImport(f"programme {slug!r} : {exc}") from None
    if created:
        return f"programme créé : {slug}"
    return f"programme mis à jour : {slug}" if changed else None


def programmes_of_item(item: dict) -> list[Programme] | None:
    """The programmes an import item names in ``programmes`` (slugs), or None when it has no such
    key (the event's programmes are then left as they are)."""
    if "programmes" not in item:
        return None
    slugs = item["programmes"] or []
    if not isinstance(slugs, list):
        raise InvalidImport("« programmes » doit être une liste de slugs de programmes.")
    found = []
    for slug in slugs:
        programme = by_slug(one_line(slug))
        if programme is None:
            raise InvalidImport(f"programme inconnu : {slug!r}.")
        found.append(programme)
    return sorted(set(found), key=lambda p: p.name)
