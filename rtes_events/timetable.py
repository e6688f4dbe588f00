"""An event's programme (déroulé): the one place its slots are added, changed, reordered, removed,
copied from another event and imported, each change checked (French messages) and, in the
workspace, written to the audit log; the timetable the event page shows, and the places left in a
slot « au choix ».

Times are Paris wall-clock times on a day of the event (``Slot.day``, None for an event of one day).
A change touches the event (its ``updated_at``, what the API's ``modifie-depuis`` follows); the data
versions (``versions``) then renew the cached event page.
"""

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import NamedTuple

from sqlalchemy import Select, bindparam, case, func, select

from . import audit, clock, speakers
from .checks import InvalidImport
from .extensions import db
from .formatting import hour, one_line
from .models import Event, Registration, Slot, SlotSpeaker, Speaker, registration_slots
from .models.slots import KINDS
from .permissions import can_manage, managed_events
from .registrations import SLOT_HOLDERS, free_places

MAX_CAPACITY = 100_000
LIMITS = {"title": 300, "place": 200, "choice": 120, "description": 5000}
# What a slot holds, with the words the audit log uses for each.
FIELDS = {
    "day": "jour",
    "starts": "début",
    "ends": "fin",
    "title": "titre",
    "kind": "type",
    "place": "lieu",
    "description": "description",
    "speakers": "intervenant·es",
    "choice": "choix",
    "capacity": "places",
}


class TimetableError(ValueError):
    """The programme cannot be changed so; the message says why, in French."""


def event_days(event: Event) -> list[date]:
    """The Paris days ``event`` covers, first to last."""
    first, end = event.local_start.date(), event.local_end
    last = end.date() - timedelta(days=1) if event.all_day and end.time() == time(0) else end.date()
    return [first + timedelta(days=n) for n in range(max((last - first).days, 0) + 1)]


def slot_day(slot: Slot, event: Event) -> date:
    return slot.day or event.local_start.date()


def ordered(event: Event) -> list[Slot]:
    """The slots of ``event`` in programme order: day, start, then their order among parallel slots."""
    first = event.local_start.date()
    return sorted(event.slots, key=lambda slot: (slot.day or first, slot.starts, slot.position, slot.id or 0))


class Person(NamedTuple):
    """A speaker as pages show one."""

    name: str
    organisation: str | None

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


@dataclass
class Shown:
    """A slot as pages show it, read in one query with its speakers and the confirmed registrations
    holding it (``programme``)."""

    id: int
    day: date
    starts: time
    ends: time
    title: str
    kind: str
    place: str | None
    description: str | None
    choice: str | None
    capacity: int | None
    held: int | None
    speakers: list[Person]

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def places_left(self) -> int | None:
        return free_places(self.held or 0, self.capacity)


@functools.cache
def _programme_statement() -> Select:
    """The query of ``programme``, built once: event pages run it."""
    held = (
        select(func.count())
        .select_from(registration_slots)
        .join(Registration, Registration.id == registration_slots.c.registration_id)
        .where(registration_slots.c.slot_id == Slot.__table__.c.id, Registration.status.in_(SLOT_HOLDERS))
        .correlate(Slot.__table__)
        .scalar_subquery()
    )
    slots, links, people = Slot.__table__.c, SlotSpeaker.__table__.c, Speaker.__table__.c  # Core: no ORM
    return (
        select(
            *(slots[name] for name in SHOWN),
            case((slots.capacity.is_(None), None), else_=held),
            people.name,
            people.organisation,
        )
        .select_from(Slot.__table__)
        .outerjoin(SlotSpeaker.__table__, links.slot_id == slots.id)
        .outerjoin(Speaker.__table__, people.id == links.speaker_id)
        .where(slots.event_id == bindparam("event_id"))
        .order_by(slots.starts, slots.position, slots.id, links.position)
    )


SHOWN = ("id", "day", "starts", "ends", "title", "kind", "place", "description", "choice", "capacity")


def programme(event: Event) -> list[Shown]:
    """The slots of ``event`` in programme order, with their speakers and places taken, in one query."""
    first, found = event.local_start.date(), {}
    for row in db.session.execute(_programme_statement(), {"event_id": event.id}):
        *values, held, name, organisation = row
        slot = found.get(values[0])
        if slot is None:
            slot = found[values[0]] = Shown(*values, held=held, speakers=[])
            slot.day = slot.day or first
        if name is not None:
            slot.speakers.append(Person(name, organisation))
    return sorted(found.values(), key=lambda slot: slot.day)  # stable: by start and position each day


@dataclass
class Hour:
    """The slots starting at one time of one day, side by side."""

    starts: time
    slots: list[Shown]

    @property
    def choices(self) -> list[str]:
        """The labels « au choix » among these slots."""
        return list(dict.fromkeys(slot.choice for slot in self.slots if slot.choice))


@dataclass
class Day:
    day: date
    hours: list[Hour]


def days(slots: list[Shown]) -> list[Day]:
    """The timetable of a programme: its days, each with its start times and their slots."""
    grouped: dict[date, dict[time, list[Shown]]] = {}
    for slot in slots:
        grouped.setdefault(slot.day, {}).setdefault(slot.starts, []).append(slot)
    return [Day(day, [Hour(at, slots) for at, slots in hours.items()]) for day, hours in grouped.items()]


# Checking and writing.


def clean(event: Event, values: dict, others: list[dict]) -> dict:
    """``values`` (``FIELDS``; ``speakers`` as Speaker rows) checked against ``event`` and the
    ``others`` slots of its programme (as ``timing`` gives them), normalised; TimetableError says
    what is wrong."""
    data = {name: values.get(name) for name in FIELDS}
    data["title"] = one_line(data["title"])
    for name in ("place", "choice"):
        data[name] = one_line(data[name]) or None
    lines = str(data["description"] or "").splitlines()  # control characters out, line breaks kept
    data["description"] = "\n".join(one_line(line) for line in lines).strip() or None
    labels = {"title": "Titre", "place": "Lieu", "choice": "Choix", "description": "Description"}
    if not data["title"]:
        raise TimetableError("Le champ « Titre » est obligatoire.")
    for name, limit in LIMITS.items():
        if data[name] and len(data[name]) > limit:
            raise TimetableError(f"Le champ « {labels[name]} » ne doit pas dépasser {limit} caractères.")
    data["kind"] = data["kind"] or "autre"
    if data["kind"] not in KINDS:
        raise TimetableError("Choisissez un type de créneau dans la liste.")
    if not isinstance(data["starts"], time) or not isinstance(data["ends"], time):
        raise TimetableError("Indiquez l'heure de début et l'heure de fin du créneau.")
    if data["ends"] <= data["starts"]:
        raise TimetableError("L'heure de fin du créneau doit suivre son heure de début.")
    covered = event_days(event)
    day = data["day"] or covered[0]
    if day not in covered:
        raise TimetableError(
            f"Le jour du créneau doit être un jour de la session (du {covered[0]:%d/%m/%Y} au "
            f"{covered[-1]:%d/%m/%Y})."
        )
    data["day"] = day if len(covered) > 1 else None
    capacity = data["capacity"]
    if capacity is not None and (
        isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY
    ):
        raise TimetableError("Le nombre de places doit être un nombre entier entre 1 et 100 000.")
    data["speakers"] = list(dict.fromkeys(data["speakers"] or []))
    if data["choice"]:
        _check_choice(timing(data, event), others)
    return data


def timing(slot, event: Event) -> dict:
    """What the check of choices reads of a slot (a Slot or ``clean``'s values): its real day."""
    read = slot.get if isinstance(slot, dict) else lambda name: getattr(slot, name)
    values = {name: read(name) for name in ("title", "choice", "starts", "ends")}
    return {**values, "day": read("day") or event.local_start.date()}


def _check_choice(new: dict, others: list[dict]) -> None:
    """Slots « au choix » of one label run at the same time: same day, each overlapping the others."""
    for other in others:
        if other["choice"] != new["choice"]:
            continue
        if other["day"] != new["day"] or not (
            other["starts"] < new["ends"] and new["starts"] < other["ends"]
        ):
            raise TimetableError(
                f"Les créneaux au choix « {new['choice']} » doivent avoir lieu en même temps : "
                f"« {other['title']} » est le {other['day']:%d/%m/%Y} de {hour(other['starts'])} "
                f"à {hour(other['ends'])}."
            )


def _others(event: Event, slot: Slot | None = None) -> list[dict]:
    return [timing(other, event) for other in event.slots if other is not slot]


def _assign(slot: Slot, data: dict) -> list[str]:
    """Set what differs; the names that changed."""
    changed = []
    for name in FIELDS:
        if name == "speakers":
            if slot.speakers != data["speakers"]:
                slot.speaker_links = [
                    SlotSpeaker(speaker=speaker, position=n) for n, speaker in enumerate(data["speakers"])
                ]
                changed.append(name)
        elif getattr(slot, name) != data[name]:
            setattr(slot, name, data[name])
            changed.append(name)
    return changed


def _allowed(user, event: Event) -> None:
    if not can_manage(user, event, "edit"):
        raise TimetableError("Vous ne pouvez pas modifier le programme de cette session.")


def _touch(event: Event) -> None:
    event.updated_at = clock.now()


def add(user, event: Event, values: dict) -> Slot:
    """A new slot, after the slots starting at the same time."""
    _allowed(user, event)
    data = clean(event, values, _others(event))
    slot = Slot(position=_next_position(event, data))
    _assign(slot, data)
    event.slots.append(slot)
    _touch(event)
    db.session.flush()
    audit.record("slot.added", event=event, actor=user, créneau=describe(slot, event))
    db.session.commit()
    return slot


def _next_position(event: Event, data: dict) -> int:
    same = [s.position for s in event.slots if (s.day, s.starts) == (data["day"], data["starts"])]
    return max(same, default=-1) + 1


def update(user, event: Event, slot: Slot, values: dict) -> list[str]:
    """Apply ``values``; the words of what changed (none: nothing done)."""
    _allowed(user, event)
    data = clean(event, values, _others(event, slot))
    moved = (data["day"], data["starts"]) != (slot.day, slot.starts)
    position = _next_position(event, data) if moved else slot.position
    changed = _assign(slot, data)
    if not changed:
        return []
    slot.position = position
    _touch(event)
    db.session.flush()
    words = [FIELDS[name] for name in changed]
    audit.record(
        "slot.updated", event=event, actor=user, créneau=describe(slot, event), modifications=", ".join(words)
    )
    db.session.commit()
    return words


def move(user, event: Event, slot: Slot, step: int) -> None:
    """Move ``slot`` one place before (-1) or after (1) among the slots starting at the same time."""
    _allowed(user, event)
    parallel = [s for s in ordered(event) if (s.day, s.starts) == (slot.day, slot.starts)]
    index = parallel.index(slot) + step
    if not 0 <= index < len(parallel):
        raise TimetableError(
            "Ce créneau est déjà le premier de son horaire."
            if step < 0
            else "Ce créneau est déjà le dernier de son horaire."
        )
    parallel.insert(index, parallel.pop(parallel.index(slot)))
    for position, each in enumerate(parallel):
        each.position = position
    _touch(event)
    db.session.flush()
    audit.record(
        "slot.moved",
        event=event,
        actor=user,
        créneau=describe(slot, event),
        rang=f"{index + 1} / {len(parallel)}",
    )
    db.session.commit()


def holders(slot: Slot) -> int:
    """How many registrations, of any status, hold ``slot``."""
    return db.session.scalar(
        select(func.count()).select_from(registration_slots).where(registration_slots.c.slot_id == slot.id)
    )


def remove(user, event: Event, slot: Slot) -> None:
    """Remove ``slot``; the registrations that chose it no longer hold it."""
    _allowed(user, event)
    details = {"créneau": describe(slot, event)}
    if count := holders(slot):
        details["inscriptions qui l'avaient choisi"] = count
    event.slots.remove(slot)
    _touch(event)
    db.session.flush()
    audit.record("slot.removed", event=event, actor=user, **details)
    db.session.commit()


def copy_sources(user, event: Event) -> list[Event]:
    """Other events with a programme that ``user`` may see, latest first: what can be copied."""
    query = (
        managed_events(user)
        .where(Event.id != event.id, Event.slots.any())
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(200)
    )
    return [source for source in db.session.scalars(query) if can_manage(user, source, "view")]


def copy(user, event: Event, source: Event) -> int:
    """Copy the programme of ``source`` into ``event``, which has none yet: the same times, each slot
    on the same day of the event counted from the first (speakers and places kept, no registration);
    the number of slots copied."""
    _allowed(user, event)
    if not can_manage(user, source, "view") or source.id == event.id:
        raise TimetableError("Choisissez une session dans la liste.")
    if event.slots:
        raise TimetableError(
            "Cette session a déjà un programme : retirez ses créneaux avant d'en copier un autre."
        )
    if not source.slots:
        raise TimetableError("Cette session n'a pas de programme à copier.")
    event.slots = copied(source, event)
    _touch(event)
    db.session.flush()
    audit.record("timetable.copied", event=event, actor=user, modèle=source.title, créneaux=len(source.slots))
    db.session.commit()
    return len(source.slots)


def copied(source: Event, event: Event) -> list[Slot]:
    """New slots for ``event`` with the times, texts, speakers and places of those of ``source``,
    each on the same day counted from the first (a session's duplicate takes them too)."""
    covered, first, slots = event_days(event), source.local_start.date(), []
    for slot in ordered(source):
        offset = (slot_day(slot, source) - first).days
        if offset >= len(covered):
            raise TimetableError(
                f"Le programme copié s'étend sur {offset + 1} jours : "
                f"la session n'en compte que {len(covered)}."
            )
        links = [
            SlotSpeaker(speaker_id=link.speaker_id, position=link.position) for link in slot.speaker_links
        ]
        values = {name: getattr(slot, name) for name in FIELDS if name not in ("day", "speakers")}
        day = covered[offset] if len(covered) > 1 else None
        slots.append(Slot(position=slot.position, day=day, speaker_links=links, **values))
    return slots


def describe(slot: Slot, event: Event) -> str:
    """« Atelier : Restauration collective (jeudi 4 juin, 14 h – 16 h) » for the audit log."""
    day = f"{slot_day(slot, event):%d/%m/%Y}, " if len(event_days(event)) > 1 else ""
    return f"{slot.title} ({day}{hour(slot.starts)} – {hour(slot.ends)})"


def speaker_choices() -> list[Speaker]:
    """The speakers a slot can name: every speaker known to the platform, by name."""
    return db.session.scalars(select(Speaker).order_by(Speaker.name, Speaker.organisation)).all()


# The import schema's ``programme`` key.


def parse_import(item: dict) -> list[dict] | None:
    """The slots of an imported event's ``programme`` (None when the key is absent: the programme
    is left as it is), with their times read; the rest is checked against the event by ``apply_import``."""
    if "programme" not in item:
        return None
    entries = item["programme"]
    if not isinstance(entries, list):
        raise InvalidImport("« programme » doit être une liste de créneaux.")
    slots = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise InvalidImport(f"créneau n° {number} : chaque créneau doit être un objet JSON.")
        try:
            slots.append(_parse_slot(entry))
        except (InvalidImport, TimetableError) as exc:
            raise InvalidImport(
                f"créneau n° {number} ({one_line(entry.get('title'))[:60]!r}) : {exc}"
            ) from exc
    return slots


def _parse_slot(entry: dict) -> dict:
    def clock_time(name: str) -> time:
        text = str(entry.get(name) or "")
        try:
            return time.fromisoformat(text) if len(text) == 5 else None
        except ValueError:
            pass
        raise InvalidImport(f"« {name} » : heure invalide {text!r} (attendu HH:MM).")

    day = entry.get("day")
    if day:
        try:
            day = date.fromisoformat(str(day))
        except ValueError:
            raise InvalidImport(f"« day » : date invalide {day!r} (attendu AAAA-MM-JJ).") from None
    capacity = entry.get("capacity")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int)):
        raise InvalidImport("« capacity » doit être un nombre entier.")
    for name in ("title", "kind", "place", "description", "choice"):
        if entry.get(name) is not None and not isinstance(entry[name], str):
            raise InvalidImport(f"« {name} » doit être un texte.")
    names = entry.get("speakers") or []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise InvalidImport("« speakers » doit être une liste de noms.")
    return {
        "day": day or None,
        "starts": clock_time("start_time"),
        "ends": clock_time("end_time"),
        "title": entry.get("title"),
        "kind": entry.get("kind") or "autre",
        "place": entry.get("place"),
        "description": entry.get("description"),
        "speakers": speakers.people(names),
        "choice": entry.get("choice"),
        "capacity": capacity,
    }


def apply_import(event: Event, parsed: list[dict] | None) -> bool:
    """Make the programme of ``event`` the imported one: a slot of the same day, start and title is
    updated, others are added, and those gone from the file removed. True when something changed."""
    if parsed is None:
        return False
    checked: list[dict] = []
    for number, entry in enumerate(parsed, start=1):
        values = {**entry, "speakers": [speakers.speaker(name, org) for name, org in entry["speakers"]]}
        try:
            checked.append(clean(event, values, [timing(data, event) for data in checked]))
        except TimetableError as exc:
            title = one_line(entry["title"])[:60]
            raise InvalidImport(f"{event.slug}, créneau n° {number} ({title!r}) : {exc}") from exc
    existing = {(slot.day, slot.starts, slot.title): slot for slot in event.slots}
    changed, positions = False, defaultdict(int)
    for data in checked:
        slot = existing.pop((data["day"], data["starts"], data["title"]), None)
        if slot is None:
            slot = Slot()
            event.slots.append(slot)
            changed = True
        changed |= bool(_assign(slot, data))
        position = positions[data["day"], data["starts"]]
        positions[data["day"], data["starts"]] += 1
        if slot.position != position:
            slot.position, changed = position, True
    for slot in existing.values():
        event.slots.remove(slot)
        changed = True
    if changed:
        _touch(event)
    return changed
