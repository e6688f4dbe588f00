"""Import events, clubs, partners and members from JSON in the schema of the network's seed file.

Idempotent: an event is matched by slug (derived from its date and title when absent) and only
what differs is written, so importing the same file twice changes nothing.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

from slugify import slugify
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from . import clock, memberships, programmes, questions, registrations, replays, speakers, timetable
from .checks import InvalidImport, web_address
from .editing import event_slug
from .extensions import db
from .formatting import one_line
from .models import Club, Event, EventSpeaker, Partner, Region, Replay, Speaker, Theme
from .models.events import KINDS, MODES, STATUSES, capacity_values, event_partners, event_themes, search_text
from .models.programmes import event_programmes
from .models.search import event_words, words
from .plugins import hook

DEFAULT_HOURS = 2
MEMBERS_WORDS = ("adhérent", "adherent", "members", "membres")
SLUGS_A_QUERY = 500  # stored events looked up together
MAX_INT = 2**31 - 1  # what an integer column holds on every database


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    edited: list[tuple[str, int, bool]] = field(default_factory=list)  # (slug, id, rescheduled)

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
        _upsert_events(_parse_events(events, known), known, report, progress)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    for slug, event_id, rescheduled in report.edited:
        promoted = registrations.event_updated(event_id, rescheduled)
        if promoted:
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
    """The partners, clubs, themes and speakers that events name, each read from the database once
    in an import (themes and speakers created when new)."""

    def __init__(self):
        self._partners: dict[str, Partner | None] = {}
        self._clubs: dict[str, Club | None] = {}
        self._themes: dict[str, Theme] | None = None
        self._theme_slugs: dict[str, str] = {}
        self._speakers: dict[tuple[str, str | None], Speaker] | None = None

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

    def themes(self, names: list[str]) -> list[Theme]:
        """As ``themes_named``, without a query per name."""
        if self._themes is None:
            self._themes = {theme.slug: theme for theme in db.session.scalars(select(Theme))}
        themes = []
        for name in names:
            if name not in self._theme_slugs:
                self._theme_slugs[name] = slugify(name)
            slug = self._theme_slugs[name]
            if slug not in self._themes:
                self._themes[slug] = Theme(slug=slug, name=name)
                db.session.add(self._themes[slug])
            themes.append(self._themes[slug])
        return sorted(themes, key=lambda t: t.name)

    def speaker(self, name: str, organisation: str | None) -> Speaker:
        """The speaker of this name and organisation, the first stored or a new one."""
        if self._speakers is None:
            self._speakers = {}
            for speaker in db.session.scalars(select(Speaker).order_by(Speaker.id.desc())):
                self._speakers[speaker.name, speaker.organisation] = speaker
        if (name, organisation) not in self._speakers:
            self._speakers[name, organisation] = Speaker(name=name, organisation=organisation)
            db.session.add(self._speakers[name, organisation])
        return self._speakers[name, organisation]


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
    """The column values and relations of an event described in the import schema."""
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
        "themes": known.themes([one_line(name) for name in item.get("themes") or [] if one_line(name)]),
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


def _stored_events(slugs: list[str]) -> dict[str, Event]:
    """The stored events of these slugs, with the relations an import compares, in a few queries."""
    return {
        event.slug: event
        for query in _by_slugs(select(Event), slugs)
        for event in db.session.scalars(
            query.options(
                selectinload(Event.themes), selectinload(Event.partners), selectinload(Event.programmes)
            )
        )
    }


def _event_ids(slugs: list[str]) -> dict[str, int]:
    return {
        slug: id
        for query in _by_slugs(select(Event.slug, Event.id), slugs)
        for slug, id in db.session.execute(query)
    }


def _by_slugs(query, slugs: list[str]):
    """``query`` restricted to a few hundred of the events of ``slugs`` at a time."""
    for start in range(0, len(slugs), SLUGS_A_QUERY):
        yield query.where(Event.slug.in_(slugs[start : start + SLUGS_A_QUERY]))


def _upsert_events(parsed: list[dict], known: _Known, report: ImportReport, progress) -> None:
    """Create or update the parsed events: the stored ones changed in one flush, the new ones
    inserted in bulk, then their replays, programmes and questions; the report lists them in the
    file's order."""
    stored = _stored_events([item["slug"] for item in parsed])
    with db.session.no_autoflush:
        updated = {
            item["slug"]: _update_event(stored[item["slug"]], item, known)
            for item in parsed
            if item["slug"] in stored
        }
        new = [item for item in parsed if item["slug"] not in stored]
        people = [
            [known.speaker(name, org) for (name, org), _ in item["relations"]["people"]] for item in new
        ]
    db.session.flush()
    created = _insert_events(new, people)
    with_replay = [item["slug"] for item in parsed if item["replay"] is not None]
    stored_replays = {
        replay.event.slug: replay
        for query in _by_slugs(select(Replay).join(Replay.event), with_replay)
        for replay in db.session.scalars(query)
    }
    for item in parsed:
        slug = item["slug"]
        if slug in created:
            event_id, ends_at, changed = created[slug], item["values"]["ends_at"], True
        else:
            event, sequence, changed = updated[slug]
            event_id, ends_at = event.id, event.ends_at
        if item["replay"] is not None:
            with db.session.no_autoflush:  # the replays are written together
                changed |= replays.apply_import(event_id, ends_at, item["replay"], stored_replays.get(slug))
        if item["timetable"] is not None or item["questions"] is not None:  # what needs the event itself
            event = db.session.get(Event, event_id) if slug in created else event
            changed |= timetable.apply_import(event, item["timetable"])
            changed |= questions.apply_import(event, item["questions"])
        if slug in created:
            report.created.append(slug)
        elif changed:
            report.updated.append(slug)
            report.edited.append((slug, event.id, event.sequence != sequence))
        else:
            report.unchanged.append(slug)
        if progress:
            progress(1)


def _insert_events(new: list[dict], people: list[list[Speaker]]) -> dict[str, int]:
    """Insert new events with their links and search words, a few statements for all; their ids
    by slug."""
    if not new:
        return {}
    rows = []
    for item in new:
        values = {name: value for name, value in item["values"].items() if name != "club"}
        rows.append(
            {
                **values,
                "uid": f"{uuid.uuid5(uuid.NAMESPACE_URL, 'rtes-events:' + item['slug'])}@rtes.fr",
                "club_id": item["values"]["club"].id if item["values"]["club"] else None,
                "plugin_data": {
                    key: value for key, value in item["plugin_data"].items() if value is not None
                },
                "search_text": search_text(SimpleNamespace(**values)),
            }
        )
    # Core's INSERT (the ORM's bulk one costs more); RETURNING in order would insert a row at a time on SQLite
    db.session.execute(insert(Event.__table__), rows)
    ids = _event_ids([row["slug"] for row in rows])
    speakers_table = EventSpeaker.__table__
    links = {event_themes: [], event_partners: [], event_programmes: [], event_words: [], speakers_table: []}
    for item, row, found in zip(new, rows, people, strict=True):
        event_id, relations = ids[item["slug"]], item["relations"]
        links[event_themes] += [{"event_id": event_id, "theme_id": theme.id} for theme in relations["themes"]]
        links[event_partners] += [{"event_id": event_id, "partner_id": p.id} for p in relations["partners"]]
        links[event_programmes] += [
            {"event_id": event_id, "programme_id": programme.id} for programme in item["programmes"] or []
        ]
        links[event_words] += [
            {"word": word, "event_id": event_id} for word in sorted(words(row["search_text"]))
        ]
        links[speakers_table] += [
            {"event_id": event_id, "speaker_id": speaker.id, "role": role, "position": position}
            for position, (speaker, (_, role)) in enumerate(zip(found, relations["people"], strict=True))
        ]
    for table, items in links.items():
        if items:
            db.session.execute(insert(table), items)
    return ids


def _update_event(event: Event, parsed: dict, known: _Known) -> tuple[Event, int, bool]:
    """Assign what differs to a stored event; the event, its sequence before, and whether something
    changed."""
    values, relations = parsed["values"], parsed["relations"]
    sequence = event.sequence
    changed = _set(event, values)
    changed |= _set(event, {"partners": relations["partners"], "themes": relations["themes"]})
    plugin_data = {**(event.plugin_data or {}), **parsed["plugin_data"]}
    plugin_data = {key: value for key, value in plugin_data.items() if value is not None}
    changed |= _set(event, {"plugin_data": plugin_data})
    if parsed["programmes"] is not None:
        changed |= _set(event, {"programmes": parsed["programmes"]})
    people = [(name, org, role) for (name, org), role in relations["people"]]
    current = [(link.speaker.name, link.speaker.organisation, link.role) for link in event.speaker_links]
    if people != current:
        event.speaker_links = [
            EventSpeaker(speaker=known.speaker(name, org), role=role, position=position)
            for position, (name, org, role) in enumerate(people)
        ]
        changed = True
    return event, sequence, changed
