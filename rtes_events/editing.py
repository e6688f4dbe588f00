"""The sessions service: the one place the workspace creates and changes events.

Each change is checked with ``permissions.can_manage``, committed together with its audit entry,
then handed to ``registrations.event_updated`` as imports are: the model bumps SEQUENCE on a change
of time, place or status, and the registrants then get the « changed » e-mail with the updated
``.ics``; feeds follow from the stored event.
"""

from datetime import date, time, timedelta

from slugify import slugify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import audit, clock, registrations, timetable
from .checks import InvalidImport
from .extensions import db
from .formatting import when
from .models import Club, Event, EventSpeaker, Theme
from .models.events import BACKEND, KINDS
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


def create(user, data: dict) -> Event:
    """A new draft from the values of the session form (``FIELDS``, ``themes`` as names)."""
    if not may_create(user, data["kind"], data.get("club")):
        raise EditingRefused("Vous ne pouvez pas créer ce type de session dans ce club.")
    event = Event(status="draft", slug=unique_slug(clock.to_local(data["starts_at"]).date(), data["title"]))
    db.session.add(event)
    apply(event, data)
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


def themes_named(names: list[str]) -> list[Theme]:
    """The themes of these names, created when new, sorted by name."""
    themes = []
    for name in names:
        slug = slugify(name)
        theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
        if theme is None:
            theme = Theme(slug=slug, name=name)
            db.session.add(theme)
        themes.append(theme)
    return sorted(themes, key=lambda t: t.name)


def _check(user, event: Event, action: str, step: str | None = None) -> None:
    if not can_manage(user, event, action):
        raise EditingRefused("Vous ne pouvez pas modifier cette session.")
    if step and (message := refusal(event, step)):
        raise EditingRefused(message)


def apply(event: Event, data: dict) -> list[str]:
    """Assign the values that differ (the session form's, or a followed calendar's: ``sources``), with
    ``themes`` as names; the names of those that changed, in ``FIELDS`` order."""
    changed = []
    for name in FIELDS:
        if name not in data:
            continue
        value = themes_named(data[name]) if name == "themes" else data[name]
        if getattr(event, name) != value:
            setattr(event, name, value)
            changed.append(name)
    return changed


def _commit(event: Event, sequence: int) -> None:
    """Commit, then do what the importer does after an edit: promotion and « changed » e-mails."""
    rescheduled = event.sequence != sequence
    event_id = event.id
    db.session.commit()
    registrations.event_updated(event_id, rescheduled)
