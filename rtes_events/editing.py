"""The sessions service: the one place events are created and changed, by the workspace and by the
readers of outside data (the importer, followed calendars, accepted proposals).

The workspace's changes are checked with ``permissions.can_manage``, committed together with their
audit entry, then handed to ``registrations.event_updated``; a reader's new events are ``added``
or, for a whole import, written by ``write_many`` and announced after the commit (``announce``). All
assign values by the same rules (``apply``), themes by name (``Themes``) and speakers by name and
organisation (``speakers.Speakers``): the model bumps SEQUENCE on a change of time, place or status,
the registrants then get the « changed » e-mail with the updated ``.ics``, and the data versions
follow the session's writes (``versions``).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from types import SimpleNamespace

from slugify import slugify
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from . import audit, clock, questions, registrations, replays, speakers, timetable
from .checks import InvalidImport
from .extensions import db
from .formatting import when
from .models import Club, Event, EventSpeaker, Replay, Theme
from .models.events import BACKEND, KINDS, event_partners, event_themes, search_text
from .models.programmes import event_programmes
from .models.search import event_words, words
from .permissions import can_manage, managed_clubs

# What the session form sets, with the words the audit log uses for each.
FIELDS = {
    "kind": "type",
    "club": "club",
    "title": "titre",
    "summary": "résumé",
    "description": "description",
    "starts_at": "début",
    "ends_at": "fin",
    "all_day": "journée entière",
    "month_only": "mois seulement",
    "mode": "format",
    "venue": "lieu",
    "city": "ville",
    "online_url": "lien de connexion",
    "capacity": "nombre de places",
    "capacity_onsite": "places sur place",
    "capacity_remote": "places à distance",
    "waitlist": "liste d'attente",
    "send_attestations": "envoi des attestations",
    "registration_opens_at": "ouverture des inscriptions",
    "registration_closes_at": "clôture des inscriptions",
    "audience": "public",
    "partners": "co-organisateurs",
    "themes": "thèmes",
    "reminders": "rappels",
}
SLUGS_A_QUERY = 500  # stored events looked up together
# What a duplicate takes from its model, besides themes, partners and speakers.
COPIED = (
    "kind",
    "club",
    "title",
    "summary",
    "description",
    "mode",
    "venue",
    "city",
    "online_url",
    "capacity",
    "capacity_onsite",
    "capacity_remote",
    "waitlist",
    "send_attestations",
    "audience",
    "audience_note",
    "notes",
    "registration_provider",
    "reminders",
)


class EditingRefused(Exception):
    """The change is not allowed (now); the message says why, in French."""


def creatable_kinds(user) -> list[str]:
    """The kinds of session ``user`` may create: admins any, co-organisers club sessions."""
    return [kind for kind in KINDS if kind == "club" or can_manage(user, None, "create")]


def can_create(user) -> bool:
    """Whether ``user`` may create a session at all."""
    return can_manage(user, None, "create") or bool(managed_clubs(user))


def may_create(user, kind: str, club: Club | None) -> bool:
    """Whether ``user`` may have a session of ``kind`` in ``club`` (None: no club)."""
    if kind == "club":
        return club is not None and can_manage(user, club, "create")
    return can_manage(user, None, "create") and (club is None or can_manage(user, club, "create"))


def schedule(
    day: date, start: time | None = None, end: time | None = None, last_day: date | None = None
) -> dict:
    """The stored times of a session given in Paris time: without hours it takes whole days.
    ValueError, in French, when the end does not follow the start."""
    last_day = last_day or day
    if last_day < day:
        raise ValueError("La date de fin précède la date de début.")
    if start is None and end is None:
        return {
            "starts_at": clock.to_utc(day),
            "ends_at": clock.to_utc(last_day + timedelta(days=1)),
            "all_day": True,
            "month_only": False,
        }
    if start is None or end is None:
        raise ValueError(
            "Indiquez l'heure de début et l'heure de fin, ou aucune des deux pour une journée entière."
        )
    starts_at, ends_at = clock.to_utc(day, start), clock.to_utc(last_day, end)
    if ends_at <= starts_at:
        raise ValueError("L'heure de fin doit suivre l'heure de début.")
    return {"starts_at": starts_at, "ends_at": ends_at, "all_day": False, "month_only": False}


def moved(event: Event, day: date, start: time | None = None, end: time | None = None) -> dict:
    """The times of ``event`` moved to ``day``: the new hours when given, else the same hours and
    number of days."""
    if start is not None or end is not None:
        return schedule(day, start, end)
    first, last = event.local_start, event.local_end
    if event.all_day:
        return schedule(day, last_day=day + (last.date() - first.date()) - timedelta(days=1))
    return schedule(day, first.time(), last.time(), day + (last.date() - first.date()))


def refusal(event: Event, action: str) -> str | None:
    """Why ``action`` (``publish``, ``postpone``, ``cancel``) cannot be done on ``event`` now, or None."""
    if action == "publish" and event.status not in ("draft", "postponed"):
        return "Seuls un brouillon ou une session reportée peuvent être publiés."
    if action == "postpone":
        if event.status == "postponed":
            return None  # its new date is still to be set
        if event.status != "published":
            return "Seule une session publiée peut être reportée."
        if event.is_past:
            return "Cette session a déjà eu lieu : elle ne peut plus être reportée."
    if action == "cancel":
        if event.status == "cancelled":
            return "Cette session est déjà annulée."
        if event.status == "draft":
            return "Un brouillon n'est pas publié : il n'y a rien à annuler."
        if event.is_past:
            return "Cette session a déjà eu lieu : elle ne peut plus être annulée."
    return None


def added(data: dict, **columns) -> Event:
    """A new event with a free slug from its date and title, added to the session: ``data`` as
    ``apply`` takes it, and ``columns`` outside the session form (status, origin, registration)."""
    event = Event(slug=unique_slug(clock.to_local(data["starts_at"]).date(), data["title"]), **columns)
    apply(event, data)
    db.session.add(event)  # once whole: the themes' queries flush what the session holds
    return event


def create(user, data: dict) -> Event:
    """A new draft from the values of the session form (``FIELDS``, ``themes`` as names)."""
    if not may_create(user, data["kind"], data.get("club")):
        raise EditingRefused("Vous ne pouvez pas créer ce type de session dans ce club.")
    event = added(data, status="draft")
    try:
        db.session.flush()
    except IntegrityError:  # another session of the same date and title, created at the same instant
        db.session.rollback()
        raise EditingRefused(
            "Une session de même date et de même titre vient d'être créée : réessayez."
        ) from None
    audit.record("event.created", event=event, actor=user)
    db.session.commit()
    return event


def update(user, event: Event, data: dict) -> list[str]:
    """Apply the values of the session form; returns the words of what changed (none: nothing done)."""
    _check(user, event, "edit")
    kind, club = data.get("kind", event.kind), data.get("club", event.club)
    if (kind, club) != (event.kind, event.club) and not may_create(user, kind, club):
        raise EditingRefused("Vous ne pouvez pas créer ce type de session dans ce club.")
    if (data.get("starts_at"), data.get("ends_at")) == (event.starts_at, event.ends_at):
        data = {name: value for name, value in data.items() if name != "month_only"}  # still a month
    before, sequence = when(event), event.sequence
    changed = apply(event, data)
    if not changed:
        return []
    db.session.flush()
    details = {"modifications": ", ".join(FIELDS[name] for name in changed)}
    if {"starts_at", "ends_at"} & set(changed):
        details.update({"date initiale": before, "nouvelle date": when(event)})
    audit.record("event.updated", event=event, actor=user, **details)
    _commit(event, sequence)
    return [FIELDS[name] for name in changed]


def publish(user, event: Event) -> None:
    """Publish a draft, or a postponed session again (its registrants are told its date)."""
    _check(user, event, "edit", "publish")
    sequence = event.sequence
    event.status = "published"
    db.session.flush()
    audit.record("event.published", event=event, actor=user)
    _commit(event, sequence)


def postpone(user, event: Event, new: dict | None = None) -> None:
    """Postpone a session: to the times ``new`` (from ``moved``), where it stays published, or
    without a date yet (status ``postponed``). ``postponed_from`` keeps the first planned date and
    the audit log every date it had."""
    _check(user, event, "edit", "postpone")
    if new is None and event.status == "postponed":
        raise EditingRefused("Cette session est déjà reportée : indiquez sa nouvelle date.")
    before, sequence = when(event), event.sequence
    event.postponed_from = event.postponed_from or event.local_start.date()
    if new is None:
        event.status = "postponed"
    else:
        apply(event, new)
        event.status = "published"
    db.session.flush()
    after = when(event) if new else "à définir"
    audit.record(
        "event.postponed", event=event, actor=user, **{"date initiale": before, "nouvelle date": after}
    )
    _commit(event, sequence)


def cancel(user, event: Event) -> None:
    """Cancel a session: it stays in the agenda and feeds as cancelled; its registrants are told."""
    _check(user, event, "edit", "cancel")
    sequence = event.sequence
    event.status = "cancelled"
    db.session.flush()
    audit.record("event.cancelled", event=event, actor=user)
    _commit(event, sequence)


def duplicate(user, event: Event) -> Event:
    """A new draft with the texts, club, partners, themes, speakers and programme of ``event``, on
    the same weekday and hours a week later (or the first such day to come): its date is to be checked."""
    if not can_manage(user, event, "view") or not may_create(user, event.kind, event.club):
        raise EditingRefused("Vous ne pouvez pas créer ce type de session dans ce club.")
    weeks = max(1, (clock.local_today() - event.local_start.date()).days // 7 + 1)
    day = event.local_start.date() + timedelta(weeks=weeks)
    copy = Event(
        status="draft",
        slug=unique_slug(day, event.title),
        **{name: getattr(event, name) for name in COPIED},
        **moved(event, day),
        partners=list(event.partners),
        themes=list(event.themes),
        speaker_links=[
            EventSpeaker(speaker_id=link.speaker_id, role=link.role, position=link.position)
            for link in event.speaker_links
        ],
    )
    copy.slots = timetable.copied(event, copy)
    db.session.add(copy)
    db.session.flush()
    audit.record("event.duplicated", event=copy, actor=user, **{"modèle": f"{event.title} ({when(event)})"})
    db.session.commit()
    return copy


def unique_slug(day: date, title: str) -> str:
    """A free slug from the date and title, as imports derive them; ``-2``, ``-3``… on a clash."""
    base = event_slug({"start": day.isoformat(), "title": title})
    slug, number = base, 1
    while db.session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        number += 1
        slug = f"{base}-{number}"
    return slug


def event_slug(item: dict) -> str:
    """The slug of an event: given, or derived from its start date and title."""
    if item.get("slug"):
        slug = slugify(str(item["slug"]), max_length=120, backend=BACKEND)
        if not slug:
            raise InvalidImport(f"slug invalide : {item['slug']!r}.")
        return slug
    return slugify(f"{item['start']} {item['title']}", max_length=120, word_boundary=True, backend=BACKEND)


class Themes:
    """Themes found by name, created when new, each read once: one lookup for a whole import."""

    def __init__(self):
        self._found: dict[str, Theme] = {}
        self._slugs: dict[str, str] = {}  # slugify is slow: once a name

    def named(self, names: list[str]) -> list[Theme]:
        """The themes of these names, sorted by name."""
        for name in names:
            if name not in self._slugs:
                self._slugs[name] = slugify(name)
        slugs = [self._slugs[name] for name in names]
        if missing := {slug for slug in slugs if slug not in self._found}:
            query = select(Theme).where(Theme.slug.in_(missing))
            self._found.update((theme.slug, theme) for theme in db.session.scalars(query))
        themes = []
        for name, slug in zip(names, slugs, strict=True):
            if slug not in self._found:
                self._found[slug] = Theme(slug=slug, name=name)
                db.session.add(self._found[slug])
            themes.append(self._found[slug])
        return sorted(themes, key=lambda t: t.name)


def themes_named(names: list[str]) -> list[Theme]:
    """The themes of these names, created when new, sorted by name."""
    return Themes().named(names)


def _check(user, event: Event, action: str, step: str | None = None) -> None:
    if not can_manage(user, event, action):
        raise EditingRefused("Vous ne pouvez pas modifier cette session.")
    if step and (message := refusal(event, step)):
        raise EditingRefused(message)


def apply(event: Event, data: dict) -> list[str]:
    """Assign the values that differ (the session form's, or a reader's: ``sources``, ``proposals``),
    with ``themes`` as names; the names of those that changed, in ``FIELDS`` order."""
    values = {name: data[name] for name in FIELDS if name in data}
    if "themes" in values:
        values["themes"] = themes_named(values["themes"])
    return _assign(event, values)


def _assign(event: Event, values: dict) -> list[str]:
    """Assign the values that differ; the names of those that changed."""
    changed = []
    for name, value in values.items():
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed.append(name)
    return changed


def _commit(event: Event, sequence: int) -> None:
    """Commit, then what follows an edit (as ``announce`` after an import): promotion and « changed »
    e-mails."""
    rescheduled = event.sequence != sequence
    event_id = event.id
    db.session.commit()
    registrations.event_updated(event_id, rescheduled)


# A whole import ---------------------------------------------------------------------------------


@dataclass
class Written:
    """What ``write_many`` did: the slugs, in the order given."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    edited: list[tuple[str, int, bool]] = field(default_factory=list)  # (slug, id, rescheduled)


def write_many(
    parsed: list[dict], written: Written | None = None, progress: Callable[[int], None] | None = None
) -> Written:
    """Create or update events read by the importer, by slug: each a dict of ``slug``, ``values``
    (the columns, ``club`` a Club), ``relations`` (``partners``, ``themes`` as names, ``people`` as
    ((name, organisation), role)), ``plugin_data``, ``replay``, ``programmes``, ``timetable`` and
    ``questions`` (None: left as they are). The stored ones are read a few hundred at a time and
    changed in one flush, the new ones inserted together with their links and search words, then
    their replays, programmes and questions; ``progress(1)`` after each. Not committed: the caller
    commits, then ``announce``."""
    written = written if written is not None else Written()
    themes, found = Themes(), speakers.Speakers().read_all()
    stored = _stored_events([item["slug"] for item in parsed])
    with db.session.no_autoflush:
        updated = {
            item["slug"]: _update_event(stored[item["slug"]], item, themes, found)
            for item in parsed
            if item["slug"] in stored
        }
        new = [item for item in parsed if item["slug"] not in stored]
        links = [
            (
                themes.named(item["relations"]["themes"]),
                [found.get(name, org) for (name, org), _ in item["relations"]["people"]],
            )
            for item in new
        ]
    db.session.flush()
    created = _insert_events(new, links)
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
            changed |= timetable.apply_import(event, item["timetable"], found)
            changed |= questions.apply_import(event, item["questions"])
        if slug in created:
            written.created.append(slug)
        elif changed:
            written.updated.append(slug)
            written.edited.append((slug, event.id, event.sequence != sequence))
        else:
            written.unchanged.append(slug)
        if progress:
            progress(1)
    return written


def announce(written: Written) -> list[tuple[str, list]]:
    """After the commit of ``write_many``, what follows an edit for each event changed (promotion and
    « changed » e-mails); the slugs with registrations promoted from the waiting list, and those."""
    told = []
    for slug, event_id, rescheduled in written.edited:
        if promoted := registrations.event_updated(event_id, rescheduled):
            told.append((slug, promoted))
    return told


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


def _by_slugs(query, slugs: list[str]):
    """``query`` restricted to a few hundred of the events of ``slugs`` at a time."""
    for start in range(0, len(slugs), SLUGS_A_QUERY):
        yield query.where(Event.slug.in_(slugs[start : start + SLUGS_A_QUERY]))


def _insert_events(new: list[dict], links: list[tuple[list[Theme], list]]) -> dict[str, int]:
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
    ids = {
        slug: id
        for query in _by_slugs(select(Event.slug, Event.id), [row["slug"] for row in rows])
        for slug, id in db.session.execute(query)
    }
    speakers_table = EventSpeaker.__table__
    tables = {event_themes: [], event_partners: [], event_programmes: [], event_words: [], speakers_table: []}
    for item, row, (themes, people) in zip(new, rows, links, strict=True):
        event_id, relations = ids[item["slug"]], item["relations"]
        tables[event_themes] += [{"event_id": event_id, "theme_id": theme.id} for theme in themes]
        tables[event_partners] += [{"event_id": event_id, "partner_id": p.id} for p in relations["partners"]]
        tables[event_programmes] += [
            {"event_id": event_id, "programme_id": programme.id} for programme in item["programmes"] or []
        ]
        tables[event_words] += [
            {"word": word, "event_id": event_id} for word in sorted(words(row["search_text"]))
        ]
        tables[speakers_table] += [
            {"event_id": event_id, "speaker_id": speaker.id, "role": role, "position": position}
            for position, (speaker, (_, role)) in enumerate(zip(people, relations["people"], strict=True))
        ]
    for table, items in tables.items():
        if items:
            db.session.execute(insert(table), items)
    return ids


def _update_event(
    event: Event, parsed: dict, themes: Themes, found: speakers.Speakers
) -> tuple[Event, int, bool]:
    """Assign what differs to a stored event; the event, its sequence before, and whether something
    changed."""
    values, relations = parsed["values"], parsed["relations"]
    sequence = event.sequence
    changed = bool(_assign(event, values))
    changed |= bool(
        _assign(event, {"partners": relations["partners"], "themes": themes.named(relations["themes"])})
    )
    plugin_data = {**(event.plugin_data or {}), **parsed["plugin_data"]}
    plugin_data = {key: value for key, value in plugin_data.items() if value is not None}
    changed |= bool(_assign(event, {"plugin_data": plugin_data}))
    if parsed["programmes"] is not None:
        changed |= bool(_assign(event, {"programmes": parsed["programmes"]}))
    people = [(name, org, role) for (name, org), role in relations["people"]]
    current = [(link.speaker.name, link.speaker.organisation, link.role) for link in event.speaker_links]
    if people != current:
        event.speaker_links = [
            EventSpeaker(speaker=found.get(name, org), role=role, position=position)
            for position, (name, org, role) in enumerate(people)
        ]
        changed = True
    return event, sequence, changed
