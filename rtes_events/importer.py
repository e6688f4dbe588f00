"""Import events, clubs, partners and members from JSON in the schema of the network's seed file.

Idempotent: an event is matched by slug (derived from its date and title when absent) and only
what differs is written, so importing the same file twice changes nothing. The importer reads and
checks the file whole; its events are written by ``editing.write_many``, the core's write path.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from . import clock, editing, memberships, programmes, questions, replays, speakers, timetable
from .checks import InvalidImport, web_address
from .editing import event_slug
from .extensions import db
from .formatting import one_line
from .models import Club, Partner, Region
from .models.events import KINDS, MODES, STATUSES, capacity_values
from .plugins import hook

DEFAULT_HOURS = 2
MEMBERS_WORDS = ("adhérent", "adherent", "members", "membres")
MAX_INT = 2**31 - 1  # what an integer column holds on every database


@dataclass
class ImportReport(editing.Written):
    others: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return (
            self.others
            + [f"créé : {slug}" for slug in self.created]
            + [f"mis à jour : {slug}" for slug in self.updated]
        )

    def summary(self) -> str:
        return (
            f"{len(self.created)} événement(s) créé(s), {len(self.updated)} mis à jour, "
            f"{len(self.unchanged)} inchangé(s)"
        )


def import_data(data: dict, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Create or update what ``data`` holds, in one transaction: all of it or, on error, nothing.

    ``progress(1)`` is called after each event. A file of member authorities alone needs no events.
    """
    members_only = isinstance(data, dict) and "events" not in data and isinstance(data.get("members"), list)
    events = [] if members_only else data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise InvalidImport(
            "le fichier doit contenir un objet JSON avec une liste « events » (ou seulement « members »)."
        )
    report, known = ImportReport(), _Known()
    try:
        for item in data.get("regions") or []:
            _upsert_region(item, report)
        for item in data.get("partners") or []:
            _upsert_partner(item, report)
        for item in data.get("clubs") or []:
            _upsert_club(item, report, known)
        directory = memberships.Directory() if data.get("members") else None
        for index, item in enumerate(data.get("members") or [], start=1):
            _upsert_member(index, item, report, directory)
        for item in data.get("programmes") or []:
            if line := programmes.import_programme(item):
                report.others.append(line)
        db.session.flush()
        editing.write_many(_parse_events(events, known), report, progress)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    for slug, promoted in editing.announce(report):
        report.others.append(f"liste d'attente : {len(promoted)} inscription(s) confirmée(s) pour {slug}")
    return report


def _set(obj, values: dict) -> bool:
    """Assign the values that differ; True when something changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _require(item: dict, *names: str) -> None:
    if not isinstance(item, dict):
        raise InvalidImport("chaque élément doit être un objet JSON.")
    for name in names:
        if not one_line(item.get(name)):
            raise InvalidImport(f"le champ « {name} » est obligatoire.")


def _upsert(model, key: str, values: dict, report: ImportReport, created: str, updated: str) -> None:
    """Create or update the row of ``model`` whose column ``key`` is ``values[key]``."""
    row = db.session.scalar(select(model).where(getattr(model, key) == values[key]))
    if row is None:
        db.session.add(model(**values))
        report.others.append(f"{created} : {values[key]}")
    elif _set(row, values):
        report.others.append(f"{updated} : {values[key]}")


def _upsert_region(item: dict, report: ImportReport) -> None:
    _require(item, "code", "name")
    values = {"code": item["code"], "name": one_line(item["name"])}
    _upsert(Region, "code", values, report, "région créée", "région mise à jour")


def _region(code: str | None) -> str | None:
    if code and db.session.get(Region, code) is None:
        raise InvalidImport(f"région inconnue : {code!r}.")
    return code or None


def _upsert_partner(item: dict, report: ImportReport) -> None:
    _require(item, "key", "name")
    values = {
        "key": item["key"],
        "name": one_line(item["name"]),
        "long_name": one_line(item.get("long_name")) or None,
        "role": one_line(item.get("role")) or None,
        "region_code": _region(item.get("region")),
    }
    _upsert(Partner, "key", values, report, "partenaire créé", "partenaire mis à jour")


class _Known:
    """The partners and clubs that events name, each read from the database once in an import."""

    def __init__(self):
        self._partners: dict[str, Partner | None] = {}
        self._clubs: dict[str, Club | None] = {}

    def partners(self, keys) -> list[Partner]:
        partners = []
        for key in keys or []:
            if key not in self._partners:
                self._partners[key] = db.session.scalar(select(Partner).where(Partner.key == key))
            if self._partners[key] is None:
                raise InvalidImport(f"partenaire inconnu : {key!r}.")
            partners.append(self._partners[key])
        return sorted(partners, key=lambda p: p.name)

    def club(self, slug: str) -> Club:
        if slug not in self._clubs:
            self._clubs[slug] = db.session.scalar(select(Club).where(Club.slug == slug))
        if self._clubs[slug] is None:
            raise InvalidImport(f"club inconnu : {slug!r}.")
        return self._clubs[slug]


def _upsert_club(item: dict, report: ImportReport, known: _Known) -> None:
    _require(item, "slug", "name", "region")
    values = {
        "slug": item["slug"],
        "name": one_line(item["name"]),
        "region_code": _region(item["region"]),
        "description": item.get("description") or item.get("notes") or None,
        "launched": _date(item["launched"]) if item.get("launched") else None,
        "co_organisers": known.partners(item.get("co_organisers")),
    }
    _upsert(Club, "slug", values, report, "club créé", "club mis à jour")


def _upsert_member(index: int, item, report: ImportReport, directory: "memberships.Directory") -> None:
    try:
        member, changes = memberships.save(memberships.parse(item, directory.regions), directory=directory)
    except memberships.MemberError as exc:
        name = one_line(item.get("name")) if isinstance(item, dict) else ""
        raise InvalidImport(f"adhérent n° {index} ({name[:60]!r}) : {exc}") from exc
    if changes is None:
        report.others.append(f"adhérent créé : {member.name}")
    elif changes:
        report.others.append(f"adhérent mis à jour : {member.name} ({memberships.changes_text(changes)})")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise InvalidImport(f"date invalide : {text!r} (attendu AAAA-MM-JJ).") from None


def _time(text: str) -> time:
    try:
        return time.fromisoformat(str(text))
    except ValueError:
        raise InvalidImport(f"heure invalide : {text!r} (attendu HH:MM).") from None


def _local_datetime(text: str) -> datetime:
    """A Paris date and time (``AAAA-MM-JJTHH:MM``) as stored naive UTC."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise InvalidImport(f"date et heure invalides : {text!r} (attendu AAAA-MM-JJTHH:MM).") from None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return clock.to_utc(moment.date(), moment.time())


def _schedule(item: dict) -> dict:
    start = str(item.get("start") or "")
    if re.fullmatch(r"\d{4}-\d{2}", start):
        first = _date(start + "-01")
        return {
            "starts_at": clock.to_utc(first),
            "ends_at": clock.to_utc(first + timedelta(days=1)),
            "all_day": True,
            "month_only": True,
        }
    day = _date(start)
    last = _date(item["end"]) if item.get("end") else day
    if last < day:
        raise InvalidImport("la date de fin précède la date de début.")
    if not item.get("start_time"):
        return {
            "starts_at": clock.to_utc(day),
            "ends_at": clock.to_utc(last + timedelta(days=1)),
            "all_day": True,
            "month_only": False,
        }
    begins = clock.to_utc(day, _time(item["start_time"]))
    if item.get("end_time"):
        ends = clock.to_utc(last, _time(item["end_time"]))
    else:
        ends = begins + timedelta(hours=float(item.get("duration_hours") or DEFAULT_HOURS))
    if ends <= begins:
        raise InvalidImport("l'heure de fin doit suivre l'heure de début.")
    return {"starts_at": begins, "ends_at": ends, "all_day": False, "month_only": False}


def _audience(text) -> tuple[str, str | None]:
    value = one_line(text)
    if value in ("", "all", "tous"):
        return "all", None
    if value == "members" or any(word in value.lower() for word in MEMBERS_WORDS):
        return "members", None if value in ("members", "adhérents") else value
    return "all", value


def _int(item: dict, name: str) -> int | None:
    value = item.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
        raise InvalidImport(f"« {name} » doit être un nombre entier positif.")
    return value


def parse_event(item: dict, known: _Known) -> dict:
    """The column values and relations of an event described in the import schema, as
    ``editing.write_many`` takes them."""
    _require(item, "kind", "title", "start")
    if item["kind"] not in KINDS:
        raise InvalidImport(f"type inconnu : {item['kind']!r} (attendu : {', '.join(KINDS)}).")
    if item.get("mode") and item["mode"] not in MODES:
        raise InvalidImport(f"modalité inconnue : {item['mode']!r} (attendu : {', '.join(MODES)}).")
    status = item.get("status") or "published"
    if status not in STATUSES:
        raise InvalidImport(f"statut inconnu : {status!r} (attendu : {', '.join(STATUSES)}).")
    title = one_line(item["title"])
    if len(title) > 300:
        raise InvalidImport("le titre dépasse 300 caractères.")
    club = known.club(item["club"]) if item.get("club") else None
    audience, audience_note = _audience(item.get("audience"))
    provider = one_line(item.get("registration_provider")) or "local"
    if not re.fullmatch(r"[a-z0-9_-]{1,40}", provider):
        raise InvalidImport(f"« registration_provider » invalide : {provider!r}.")
    slug = event_slug(item)
    values = {
        "slug": slug,
        "kind": item["kind"],
        "title": title,
        "summary": item.get("summary") or None,
        "description": item.get("description") or None,
        **_schedule(item),
        "mode": item.get("mode") or None,
        "venue": one_line(item.get("venue")) or None,
        "city": one_line(item.get("city")) or None,
        "online_url": web_address(item.get("online_url")),
        "capacity": _int(item, "capacity"),
        "capacity_onsite": _int(item, "capacity_onsite"),
        "capacity_remote": _int(item, "capacity_remote"),
        "waitlist": bool(item.get("waitlist", True)),
        "registration_opens_at": _local_datetime(item["registration_opens"])
        if item.get("registration_opens")
        else None,
        "registration_closes_at": _local_datetime(item["registration_closes"])
        if item.get("registration_closes")
        else None,
        "status": status,
        "registration_provider": provider,
        "audience": audience,
        "audience_note": audience_note,
        "participants": _int(item, "participants"),
        "participants_note": one_line(item.get("participants_note")) or None,
        "notes": item.get("notes") or None,
        "postponed_from": _date(item["postponed_from"]) if item.get("postponed_from") else None,
        "source": one_line(item.get("source")) or None,
        "club": club,
    }
    values = capacity_values(values)
    relations = {
        "partners": known.partners(item.get("partners")),
        "themes": [one_line(name) for name in item.get("themes") or [] if one_line(name)],
        "people": [(p, "speaker") for p in speakers.people(item.get("speakers"))]
        + [(p, "host") for p in speakers.people(item.get("hosts"))],
    }
    plugin_data = {}
    for fields in hook().rtes_import_fields(item=item):
        plugin_data.update(fields)
    return {
        "slug": slug,
        "values": values,
        "relations": relations,
        "plugin_data": plugin_data,
        "replay": replays.parse_import(item),
        "programmes": programmes.programmes_of_item(item),
        "timetable": timetable.parse_import(item),
        "questions": questions.parse_import(item),
    }


def _parse_events(items: list, known: _Known) -> list[dict]:
    """Every event of the file parsed, before anything is written; the first mistake refused."""
    parsed, seen = [], set()
    for index, item in enumerate(items, start=1):
        try:
            values = parse_event(item, known)
        except InvalidImport as exc:
            raise InvalidImport(
                f"événement n° {index} ({one_line(item.get('title'))[:60]!r}) : {exc}"
            ) from exc
        if values["slug"] in seen:
            raise InvalidImport(
                f"événement n° {index} : le slug {values['slug']!r} est déjà utilisé plus haut."
            )
        seen.add(values["slug"])
        parsed.append(values)
    return parsed
