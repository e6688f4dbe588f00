"""The registrants of an event as its organisers see them: the list, its search and counts, the
sign-in sheet, and messages to them through the outbox.

Reading only: every change to a registration goes through ``rtes_events.registrations``.
"""

from typing import NamedTuple

from flask import render_template
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from . import mail, outbox
from .extensions import db
from .formatting import one_line
from .models import Event, Registration, Slot
from .models.events import fold
from .models.registrations import MODES, STATUSES
from .registrations import choice_groups, free_places, in_mode, slots_held
from .urls import external_url

# Registrations that hold (or held) a place: on the sign-in sheet, and « confirmed » in messages.
PLACE_HOLDERS = ("confirmed", "attended", "absent")
ORDER = {"confirmed": 0, "attended": 0, "absent": 0, "waitlisted": 1, "cancelled": 2}


def _sort_key(registration: Registration):
    return (
        ORDER.get(registration.status, 3),
        registration.waitlist_position or 0,
        fold(registration.last_name),
        fold(registration.first_name),
        registration.id,
    )


def of_event(
    event: Event, statuses=None, *, erased: bool = False, slot: Slot | None = None, mode: str | None = None
) -> list[Registration]:
    """Registrations of ``event`` (of ``statuses`` when given, holding ``slot``, attending in
    ``mode``): places first, by name, then the waiting list in order, then the cancelled. Erased
    ones only with ``erased=True``."""
    query = (
        select(Registration)
        .where(Registration.event_id == event.id)
        .options(selectinload(Registration.slots))
    )
    if statuses is not None:
        query = query.where(Registration.status.in_(statuses))
    if slot is not None:
        query = query.where(Registration.slots.any(Slot.id == slot.id))
    if mode is not None:
        query = query.where(in_mode(event, mode))
    if not erased:
        query = query.where(Registration.erased_at.is_(None))
    return sorted(db.session.scalars(query), key=_sort_key)


def search(event: Event, text: str = "", status: str = "", slot: Slot | None = None) -> list[Registration]:
    """The list page: ``text`` in the name, e-mail or organisation (accents and case ignored),
    ``status`` one of the registration statuses (anything else: all), holding ``slot`` if given."""
    registrations = of_event(event, [status] if status in STATUSES else None, erased=True, slot=slot)
    words = fold(text).split()
    if not words:
        return registrations
    return [r for r in registrations if all(word in _haystack(r) for word in words)]


def _haystack(registration: Registration) -> str:
    parts = (registration.first_name, registration.last_name, registration.organisation)
    return fold(" ".join(parts)) + " " + registration.email.lower()


def counts(event: Event) -> dict[str, int]:
    """Registrations of ``event`` per status, every status present."""
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event.id)
        .group_by(Registration.status)
    )
    return {status: 0 for status in STATUSES} | dict(rows.all())


def counts_by_mode(event: Event) -> dict[str, dict[str, int]]:
    """A hybrid event's registrations per mode and status, every one present (a registration made
    before modes existed counts on site); empty for another event."""
    if event.mode != "hybrid":
        return {}
    mode = func.coalesce(Registration.mode, "onsite")
    rows = db.session.execute(
        select(mode, Registration.status, func.count())
        .where(Registration.event_id == event.id)
        .group_by(mode, Registration.status)
    )
    found = {key: {status: 0 for status in STATUSES} for key in MODES}
    for key, status, count in rows:
        found[key][status] = count
    return found


class SlotCount(NamedTuple):
    slot: Slot
    held: int  # active registrations holding it
    left: int | None  # free places (None: unlimited)


def slot_counts(event: Event) -> dict[str, list[SlotCount]]:
    """The slots « au choix » of ``event`` by group, with how many hold each and the places left."""
    held = slots_held(event.id)
    return {
        label: [SlotCount(slot, held[slot.id][0], free_places(*held[slot.id])) for slot in slots]
        for label, slots in choice_groups(event).items()
    }


def counts_by_event(event_ids: list[int]) -> dict[int, dict[str, int]]:
    """Registrations per event and status for several events, in one query."""
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, count in rows:
        counts.setdefault(event_id, {})[status] = count
    return counts


def signin_sheet(event: Event, slot: Slot | None = None, mode: str | None = None) -> list[Registration]:
    """Who signs on the day: the registrations holding a place (in ``slot``, attending in ``mode``,
    when given), by name."""
    return sorted(
        of_event(event, PLACE_HOLDERS, slot=slot, mode=mode),
        key=lambda r: (fold(r.last_name), fold(r.first_name), r.id),
    )


def message_paragraphs(body: str) -> list[list[str]]:
    """A plain-text message as paragraphs of lines (blank lines separate paragraphs)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    return [paragraph.strip("\n").split("\n") for paragraph in text.split("\n\n") if paragraph.strip()]


def render_message(event: Event, registration: Registration, sender, subject: str, body: str):
    """The e-mail of an organiser's message to one registrant (text and HTML), from the platform,
    naming the sender (a ``User``), who receives the replies."""
    context = {
        "event": event,
        "registration": registration,
        "sender": sender,
        "paragraphs": message_paragraphs(body),
        "event_url": external_url("public.event", slug=event.slug),
        "manage_url": external_url("registration.manage", token=registration.token),
    }
    message = mail.compose(
        registration.email,
        one_line(subject),
        render_template("mail/organiser_message.txt", **context),
        render_template("mail/organiser_message.html", **context),
    )
    message["Reply-To"] = sender.email
    return message


def send_message(event: Event, statuses, sender, subject: str, body: str) -> int:
    """Queue one e-mail per registrant of ``event`` in ``statuses``, in the caller's transaction
    (the worker sends them once it is committed). Returns how many."""
    recipients = of_event(event, statuses)
    for registration in recipients:
        outbox.enqueue_email(
            registration, render_message(event, registration, sender, subject, body), "organiser_message"
        )
    return len(recipients)
