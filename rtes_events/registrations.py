"""The registration service: the only code that creates or changes a Registration.

Capacity holds under concurrent requests: each change runs in a transaction that first takes the
event's write lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: ``SELECT … FOR UPDATE`` on the event
row), then counts, then writes, and nothing more: side effects (e-mails, partner calls) are
outbox rows added to the same transaction, rendered and sent later by the worker.
"""

import dataclasses
import functools
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import NamedTuple

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import Select, bindparam, delete, func, null, select, text, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from . import clock, indicators, outbox
from .extensions import db
from .formatting import moment, one_line
from .members import current_member_id_sql, member_params, organisation_for_email
from .models import (
    Answer,
    Attestation,
    CalendarToken,
    CheckIn,
    Event,
    OutboxMessage,
    Question,
    Registration,
    Slot,
)
from .models.registrations import ACTIVE, FUNCTIONS, MODES, new_token
from .models.slots import registration_slots
from .permissions import can_manage, is_member
from .plugins import hook

COUNTED = ("confirmed", "attended")
LIMITS = {"first_name": 100, "last_name": 100, "organisation": 200}


class RegistrationRefused(Exception):
    """The registration cannot be made; ``messages`` say why, in French."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


class MembersOnly(RegistrationRefused):
    """A members-only event refuses someone who is not a member: the page says how to get access."""


MEMBERS_ONLY = (
    "Cet événement est réservé aux collectivités adhérentes du RTES : inscrivez-vous avec l'adresse "
    "e-mail professionnelle de votre collectivité adhérente, ou ouvrez d'abord votre accès adhérent "
    "(page « Accès adhérent », /adherents/acces)."
)


@dataclass
class Outcome:
    registration: Registration
    created: bool  # False when the e-mail was already registered: the link was sent again
    # Read when the outcome is made, before the commit expires the registration: answering the
    # person then needs no query, and no database still up once their registration is stored.
    registration_id: int = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.registration_id = self.registration.id


def unavailable(event: Event) -> str | None:
    """Why nobody can register for ``event`` now, on this platform or a partner's, or None."""
    if event.status == "draft":
        return "Cet événement n'est pas publié."
    if event.status == "cancelled":
        return "Cet événement est annulé : les inscriptions sont fermées."
    if event.status == "postponed":
        return "Cet événement est reporté : les inscriptions rouvriront avec sa nouvelle date."
    if event.starts_at <= clock.now():
        return "Cet événement a déjà eu lieu : les inscriptions sont closes."
    return None


def refusal(event: Event, *, window: bool = True) -> str | None:
    """Why ``event`` takes no registration on this platform now, or None when it does.

    ``window=False`` ignores the registration window (opening and closing dates): organisers add
    people by hand outside it.
    """
    if reason := unavailable(event):
        return reason
    if event.registration_provider != "local":
        return "Les inscriptions à cet événement se font sur le site du partenaire."
    if not window:
        return None
    now = clock.now()
    if event.registration_opens_at and event.registration_opens_at > now:
        return f"Les inscriptions ouvrent le {moment(clock.to_local(event.registration_opens_at))}."
    if event.registration_closes_at and event.registration_closes_at <= now:
        return "Les inscriptions sont closes."
    return None


def where_to_register(event: Event) -> tuple[str | None, str | None]:
    """Why registration is closed (or None), and where to register (or None).

    A partner-hosted event takes no registration on this platform but is open on the partner's
    site (``rtes_registration_url``) until it starts.
    """
    local = event.registration_provider == "local"
    if message := refusal(event) if local else unavailable(event):
        return message, None
    if url := hook().rtes_registration_url(event=event):
        return None, url
    return "Les inscriptions se font auprès du partenaire qui organise l'événement.", None


def in_mode(event: Event, mode: str | None):
    """The SQL condition of the registrations counted in the places of ``mode``: every one of an event
    that is not hybrid; a hybrid event's of that mode (one without a mode, made before modes
    existed, counts on site)."""
    if event.mode != "hybrid":
        return true()
    return func.coalesce(Registration.mode, "onsite") == mode


def confirmed_count(event: Event, mode: str | None = None) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Registration.event_id == event.id, Registration.status.in_(COUNTED), in_mode(event, mode)
        )
    )


def free_places(taken: int, capacity: int | None) -> int | None:
    """The places left of ``capacity`` when ``taken`` are taken; None when unlimited."""
    return None if capacity is None else max(capacity - taken, 0)


def places_left(event: Event, mode: str | None = None) -> int | None:
    """Free places (of ``mode``, for a hybrid event; of both without one), or None when unlimited."""
    if event.mode == "hybrid" and mode is None:
        left = [places_left(event, key) for key in MODES]
        return None if None in left else sum(left)
    capacity = event.capacity_for(mode)
    return None if capacity is None else free_places(confirmed_count(event, mode), capacity)


def places_by_mode(event: Event) -> dict[str | None, int | None]:
    """``places_left`` of each way to attend ``event`` (one key, None, for an event that is not hybrid)."""
    return {mode: places_left(event, mode) for mode in event.attendance_modes}


# A slot's place is held by every active registration that chose it (waitlisted ones too, so that a
# promotion never finds its slot full); a cancellation frees it.
SLOT_HOLDERS = ACTIVE


def slots_held(event_id: int) -> dict[int, tuple[int, int | None]]:
    """Each slot « au choix » of an event: how many hold it (``SLOT_HOLDERS``), and its capacity
    (None: unlimited), in one query."""
    rows = db.session.execute(
        select(Slot.id, func.count(Registration.id), Slot.capacity)
        .outerjoin(registration_slots, registration_slots.c.slot_id == Slot.id)
        .outerjoin(
            Registration,
            (Registration.id == registration_slots.c.registration_id) & Registration.status.in_(SLOT_HOLDERS),
        )
        .where(Slot.event_id == event_id, Slot.choice.is_not(None))
        .group_by(Slot.id, Slot.capacity)
    )
    return {slot: (held, capacity) for slot, held, capacity in rows}


def slots_places_left(event_id: int) -> dict[int, int | None]:
    """Free places of each slot « au choix » of an event (None: unlimited)."""
    return {slot: free_places(*counts) for slot, counts in slots_held(event_id).items()}


def slot_places_left(slot: Slot) -> int | None:
    """Free places of one slot « au choix » (None: unlimited)."""
    return slots_places_left(slot.event_id).get(slot.id)


def choice_groups(event: Event) -> dict[str, list[Slot]]:
    """The slots « au choix » of ``event`` by their ``choice`` label, in programme order."""
    groups: dict[str, list[Slot]] = {}
    for slot in event.slots:
        if slot.choice:
            groups.setdefault(slot.choice, []).append(slot)
    return groups


MODE_REQUIRED = "Indiquez comment vous participez : « Sur place » ou « À distance »."
UNKNOWN_SLOT = "Ce créneau ne fait pas partie du programme de cet événement."


def clean_attendance(event: Event, data: dict) -> tuple[str | None, list[int]]:
    """The mode and the slot ids of the submitted ``data``, checked against ``event`` (not yet against
    the places, counted under the lock); RegistrationRefused says what is wrong."""
    errors = []
    mode = data.get("mode") or None
    if event.mode == "hybrid" and mode not in MODES:
        errors.append(MODE_REQUIRED)
    elif event.mode != "hybrid" and mode is not None:
        errors.append("Cet événement ne se suit que d'une seule façon : ne choisissez pas de mode.")
    slot_ids = [slot_id(value) for value in data.get("slots") or []]
    if None in slot_ids:
        errors.append(UNKNOWN_SLOT)
    if errors:
        raise RegistrationRefused(*dict.fromkeys(errors))
    return mode, slot_ids


def slot_id(value) -> int | None:
    """A submitted slot id as a number, None when it cannot be one (text, markup, 23 digits…)."""
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _chosen_slots(
    event: Event, slot_ids: list[int], kept: tuple[int, ...] = (), every_group: bool = True
) -> list[Slot]:
    """The slots ``slot_ids`` of ``event``, one per group « au choix », each with a free place (but
    the ``kept`` ones, already held); with ``every_group``, each group with a free place must be
    chosen. Called under the event's lock: the places counted are those left when it is written."""
    groups = choice_groups(event)
    slots = {slot.id: slot for group in groups.values() for slot in group}
    free = slots_places_left(event.id) if slots else {}
    errors, chosen = [], {}
    for slot_id in dict.fromkeys(slot_ids):
        slot = slots.get(slot_id)
        if slot is None:
            errors.append(UNKNOWN_SLOT)
        elif slot.choice in chosen:
            errors.append(f"Choisissez un seul créneau pour « {slot.choice} ».")
        else:
            chosen[slot.choice] = slot
            if slot_id not in kept and free[slot_id] == 0:
                errors.append(f"« {slot.title} » est complet : choisissez un autre créneau.")
    for label, group in groups.items():
        if every_group and label not in chosen and any(free[slot.id] != 0 for slot in group):
            errors.append(f"Choisissez un créneau pour « {label} ».")
    if errors:
        raise RegistrationRefused(*dict.fromkeys(errors))
    return list(chosen.values())


def clean(data: dict) -> dict:
    """The submitted values, checked and normalised; RegistrationRefused lists every problem."""
    errors, values = [], {}
    try:
        address = str(data.get("email") or "").strip()
        values["email"] = validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        errors.append("L'adresse e-mail n'est pas valide.")
    for field, limit in LIMITS.items():
        value = one_line(data.get(field))
        if not value:
            errors.append(f"Le champ « {FIELD_LABELS[field]} » est obligatoire.")
        elif len(value) > limit:
            errors.append(f"Le champ « {FIELD_LABELS[field]} » dépasse {limit} caractères.")
        values[field] = value
    if data.get("function") not in FUNCTIONS:
        errors.append("Choisissez une fonction dans la liste.")
    values["function"] = data.get("function")
    if not data.get("consent"):
        errors.append("Votre accord sur l'utilisation de vos données est nécessaire pour vous inscrire.")
    values["plugin_fields"] = dict(data.get("plugin_fields") or {})
    if errors:
        raise RegistrationRefused(*errors)
    return values


FIELD_LABELS = {"first_name": "Prénom", "last_name": "Nom", "organisation": "Organisation"}


@contextmanager
def locked_event(event_id: int):
    """A transaction holding the event's write lock, committed on success.

    Callers hold no uncommitted change. On SQLite the lock must be the transaction's first
    statement, so the transaction still open (reads) is ended first. PostgreSQL takes the lock within
    it: in READ COMMITTED each statement after the lock sees what was committed before, and the
    registration saves a round trip or three. ``RTES_REGISTRATION_LOCK = False`` turns the lock off:
    only the concurrency test's control case does so, to show the race it prevents.
    """
    session = db.session
    locking = current_app.config["RTES_REGISTRATION_LOCK"]
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
        if locking:
            session.execute(text("BEGIN IMMEDIATE"))
    try:
        yield session.execute(_event_statement(locking), {"event_id": event_id}).unique().scalar_one()
        session.commit()
    except BaseException:
        session.rollback()
        raise


@functools.cache
def _event_statement(locking: bool) -> Select:
    """The query of ``locked_event``, built once: the event's own row, read again (its speakers and the
    rest are not needed here), with its lock unless ``locking`` is off."""
    query = (
        select(Event)
        .where(Event.id == bindparam("event_id"))
        .options(lazyload("*"))
        .execution_options(populate_existing=True)
    )
    return query.with_for_update(of=Event) if locking else query


def members_only_refusal(event: Event, email: str, account=None) -> str | None:
    """Why ``email`` (with ``account``, the signed-in user if any) may not register to ``event``
    because it is for members only, or None: an address on a current member's domain, a signed-in
    member, or whoever manages the event may."""
    if event.audience != "members" or organisation_for_email(email) is not None:
        return None
    if is_member(account) or can_manage(account, event, "view"):
        return None
    return MEMBERS_ONLY


def register(event: Event, data: dict, *, window: bool = True, account=None) -> Outcome:
    """Register someone to ``event``: confirmed while places last, then waitlisted, else refused.

    ``window=False``: an organiser's manual add, allowed outside the registration window and to a
    members-only event. Otherwise a members-only event takes members only (``members_only_refusal``;
    ``account`` is the signed-in user, if any). The registration is matched to the member authority
    of its e-mail's domain, else to the signed-in member's.
    """
    if reason := refusal(event, window=window):
        raise RegistrationRefused(reason)
    values = clean(data)
    values["mode"], values["slots"] = clean_attendance(event, data)
    if window and (reason := members_only_refusal(event, values["email"], account)):
        raise MembersOnly(reason)
    errors = [m for messages in hook().rtes_validate_registration(event=event, data=values) for m in messages]
    if errors:
        raise RegistrationRefused(*errors)
    own_member = account.member_organisation_id if is_member(account) else None
    answers = data.get("answers") or {}
    try:
        with locked_event(event.id) as locked:
            return _register_locked(locked, values, own_member, window, answers)
    except IntegrityError:
        # Only without the lock: another request registered the same e-mail at the same instant.
        # Again under the lock, that one stands (or, cancelled meanwhile, this one is made).
        with locked_event(event.id) as locked:
            return _register_locked(locked, values, own_member, window, answers)


def _register_locked(
    event: Event, values: dict, own_member: int | None, window: bool = True, answers: dict | None = None
) -> Outcome:
    """Count and insert, under the event's lock (a duplicate e-mail fails on the unique index).

    Someone already registered who submits again is sent their link again; nothing is counted. A new
    registration belongs to the member authority of its e-mail's domain, else to ``own_member``
    (the signed-in member's)."""
    if reason := refusal(event, window=window):  # again, under the lock: the event may have changed meanwhile
        raise RegistrationRefused(reason)
    values = dict(values)
    mode, slot_ids = values.pop("mode"), values.pop("slots")
    standing = _standing(event, values["email"], mode)
    if standing.existing is not None:
        registration = db.session.get(Registration, standing.existing)
        hook().rtes_registration_resubmitted(registration=registration)
        return Outcome(registration, created=False)
    capacity = event.capacity_for(mode)
    if capacity is None or standing.confirmed < capacity:
        status, position = "confirmed", None
    elif event.waitlist:
        status, position = "waitlisted", standing.last_position + 1
    else:
        raise RegistrationRefused(FULL[mode])
    registration = Registration(
        event=event,
        status=status,
        mode=mode,
        slots=_chosen_slots(event, slot_ids),
        waitlist_position=position,
        consent_at=clock.now(),
        member_organisation_id=standing.member or own_member,
        **values,
    )
    db.session.add(registration)
    db.session.flush()
    save_answers(registration, answers or {})
    hook().rtes_registration_created(registration=registration)
    return Outcome(registration, created=True)


FULL = {
    None: "Cet événement est complet.",
    "onsite": "Il n'y a plus de place sur place pour cet événement.",
    "remote": "Il n'y a plus de place à distance pour cet événement.",
}


class Standing(NamedTuple):
    confirmed: int  # the event's confirmed registrations (of the mode, for a hybrid event)
    last_position: int  # its last waiting-list position (of the mode; 0: nobody waits)
    existing: int | None  # the active registration of the e-mail, if any
    member: int | None  # the current member authority of the e-mail's domain, if any


def _standing(event: Event, email: str, mode: str | None = None) -> Standing:
    """What registering ``email`` to an event (in ``mode``) must know, read in one query under the lock."""
    member = member_params(email)
    statement = _standing_statement(member is not None, event.mode == "hybrid")
    values = {"event_id": event.id, "email": email, "mode": mode, **(member or {})}
    return Standing(*db.session.execute(statement, values).one())


@functools.cache
def _standing_statement(member: bool, by_mode: bool) -> Select:
    """The query of ``_standing``, built once (building it costs more than running it), with the
    member lookup or, for an address that cannot be a member's, without; counting one mode's places
    (``by_mode``, a hybrid event) or all."""
    same_mode = func.coalesce(Registration.mode, "onsite") == bindparam("mode") if by_mode else true()
    waiting = (Registration.status == "waitlisted") & same_mode
    mine = (Registration.email == bindparam("email")) & (Registration.status != "cancelled")
    return select(
        func.count().filter(Registration.status.in_(COUNTED) & same_mode),
        func.coalesce(func.max(Registration.waitlist_position).filter(waiting), 0),
        func.max(Registration.id).filter(mine),
        current_member_id_sql() if member else null(),
    ).where(Registration.event_id == bindparam("event_id"))


def event_updated(event_id: int, rescheduled: bool) -> list[Registration]:
    """After an event was edited and committed: hand freed places on (its capacity may have
    grown) and, when its time, place or status changed, tell its registrants. Returns the promoted."""
    with locked_event(event_id) as event:
        promoted = promote(event) if event.status == "published" and not event.is_past else []
        if rescheduled:
            active = db.session.scalars(
                select(Registration)
                .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE))
                .order_by(Registration.id)
            ).all()
            hook().rtes_event_changed(event=event, registrations=active)
    return promoted


def by_token(token: str) -> Registration | None:
    return db.session.scalar(select(Registration).where(Registration.token == token))


def cancel(registration: Registration) -> Registration:
    """Cancel a registration (idempotent) and promote from the waiting list into freed places."""
    registration_id = registration.id
    with locked_event(registration.event_id) as event:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if registration.status == "cancelled":
            return registration
        if event.ends_at < clock.now():
            raise RegistrationRefused("Cet événement est passé : l'inscription ne peut plus être annulée.")
        registration.status = "cancelled"
        registration.cancelled_at = clock.now()
        registration.waitlist_position = None
        db.session.flush()
        hook().rtes_registration_cancelled(registration=registration)
        promote(event)
    return registration


def promote(event: Event) -> list[Registration]:
    """Confirm waitlisted registrations while places are free, then renumber the waiting list; a
    hybrid event has a waiting list per mode, each promoted into its own places.

    Call it inside ``locked_event``; it is the one place places are handed on.
    """
    promoted = []
    for mode in event.attendance_modes:
        waiting = _waiting_list(event, mode)
        capacity = event.capacity_for(mode)
        free = len(waiting) if capacity is None else capacity - confirmed_count(event, mode)
        promoted += waiting[: max(free, 0)]
        for registration in waiting[: max(free, 0)]:
            registration.status = "confirmed"
            registration.waitlist_position = None
        for position, registration in enumerate(waiting[max(free, 0) :], start=1):
            registration.waitlist_position = position
    db.session.flush()
    for registration in promoted:
        hook().rtes_registration_promoted(registration=registration)
    return promoted


def _waiting_list(event: Event, mode: str | None = None) -> list[Registration]:
    return db.session.scalars(
        select(Registration)
        .where(Registration.event_id == event.id, Registration.status == "waitlisted", in_mode(event, mode))
        .order_by(Registration.waitlist_position, Registration.id)
    ).all()


def move_up(registration: Registration) -> Registration:
    """Move a waitlisted registration one place up the waiting list (an organiser's choice); the
    positions are renumbered from 1."""
    registration_id = registration.id
    with locked_event(registration.event_id) as event:
        own = db.session.get(Registration, registration_id, populate_existing=True)
        waiting = _waiting_list(event, own.mode or "onsite")
        index = next((i for i, r in enumerate(waiting) if r.id == registration_id), None)
        if index is None:
            raise RegistrationRefused("Cette inscription n'est pas en liste d'attente.")
        if index == 0:
            raise RegistrationRefused("Cette inscription est déjà la première de la liste d'attente.")
        waiting[index - 1], waiting[index] = waiting[index], waiting[index - 1]
        for position, waiting_registration in enumerate(waiting, start=1):
            waiting_registration.waitlist_position = position
        return waiting[index - 1]


def _changeable(registration: Registration, event: Event) -> None:
    """Refuse a change of an inactive registration, or of one to an event past, started or closed."""
    if not registration.is_active:
        raise RegistrationRefused("Cette inscription est annulée : elle ne peut plus être modifiée.")
    if reason := unavailable(event):
        raise RegistrationRefused(reason)


def choose_slot(registration: Registration, chosen: str | int | None) -> bool:
    """Put ``registration`` in the slot ``chosen`` (an id, as submitted) instead of the one it holds
    in that slot's group, while the slot has a free place: the person from their page, or an
    organiser moving them. The person is e-mailed their new choice. False when nothing changed."""
    registration_id, wanted = registration.id, slot_id(chosen)
    with locked_event(registration.event_id) as event:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        _changeable(registration, event)
        slots = {slot.id: slot for group in choice_groups(event).values() for slot in group}
        if wanted not in slots:
            raise RegistrationRefused(UNKNOWN_SLOT)
        held = [slot.id for slot in registration.slots]
        if wanted in held:
            return False
        others = [s for s in held if s in slots and slots[s].choice != slots[wanted].choice]
        kept = tuple(held)
        registration.slots = [
            *(slot for slot in registration.slots if slot.id not in slots),  # not « au choix » (any more)
            *_chosen_slots(event, [*others, wanted], kept, every_group=False),
        ]
        _updated(registration)
    return True


def change_mode(registration: Registration, mode: str) -> bool:
    """Switch how ``registration`` attends a hybrid event (``mode``: onsite or remote) when the other
    mode has a free place: a waitlisted person then holds it; the place left is handed on to that
    mode's waiting list. The person is e-mailed (the online link when now remote). False when
    nothing changed."""
    registration_id = registration.id
    with locked_event(registration.event_id) as event:
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        _changeable(registration, event)
        if event.mode != "hybrid":
            raise RegistrationRefused("Cet événement ne se suit que d'une seule façon.")
        if mode not in MODES:
            raise RegistrationRefused(MODE_REQUIRED)
        if registration.mode == mode:
            return False
        if mode != (registration.mode or "onsite") and places_left(event, mode) == 0:
            label = MODES[mode].lower()
            raise RegistrationRefused(f"Il n'y a plus de place « {label} » : rien n'est changé.")
        registration.mode = mode
        if registration.status == "waitlisted":
            registration.status, registration.waitlist_position = "confirmed", None
        db.session.flush()
        promote(event)
        _updated(registration)
    return True


def _updated(registration: Registration) -> None:
    registration.updated_at = clock.now()  # the slots alone would leave the row as it was
    outbox.queue_registration_email(registration, "updated")


ATTENDANCE_STATUSES = ("confirmed", "attended", "absent")
ATTENDANCE_NOTE = "présences relevées"


def attendance_refusal(event: Event) -> str | None:
    """Why the attendance of ``event`` cannot be taken now (it is taken from its start), or None."""
    if event.status == "cancelled":
        return "Cet événement est annulé : il n'y a pas de présences à relever."
    if event.starts_at > clock.now():
        when = moment(clock.to_local(event.starts_at))
        return f"Les présences se relèvent à partir du début de l'événement, le {when}."
    return None


def mark_attendance(registration: Registration, present: bool) -> Registration:
    """Record whether a confirmed registrant came (``attended`` or ``absent``); the event's reported
    attendance is then the number of ``attended``, in the same transaction."""
    registration_id = registration.id
    with locked_event(registration.event_id) as event:
        if reason := attendance_refusal(event):
            raise RegistrationRefused(reason)
        registration = db.session.get(Registration, registration_id, populate_existing=True)
        if registration.status not in ATTENDANCE_STATUSES:
            raise RegistrationRefused("Seules les inscriptions confirmées ont une présence à relever.")
        registration.status = "attended" if present else "absent"
        if not present:  # scanned at the door by mistake: the check-ins go too
            db.session.execute(delete(CheckIn).where(CheckIn.registration_id == registration_id))
        report_attendance(event)
    return registration


def mark_all_present(event: Event) -> int:
    """Mark present every confirmed registrant of ``event`` not marked yet; returns how many."""
    with locked_event(event.id) as event:
        if reason := attendance_refusal(event):
            raise RegistrationRefused(reason)
        unmarked = db.session.scalars(
            select(Registration).where(Registration.event_id == event.id, Registration.status == "confirmed")
        ).all()
        for registration in unmarked:
            registration.status = "attended"
        report_attendance(event)
    return len(unmarked)


def report_attendance(event: Event) -> None:
    """Report the event's participants: its registrations ``attended`` (the caller holds its lock)."""
    db.session.flush()
    event.participants = db.session.scalar(
        select(func.count()).where(Registration.event_id == event.id, Registration.status == "attended")
    )
    event.participants_note = ATTENDANCE_NOTE


def purge_personal_data(retention_days: int) -> int:
    """Erase who registered to events over for more than ``retention_days``, and the e-mails sent
    before then; statuses stay, so attendance counts stay. Returns how many registrations were erased."""
    purge_sensitive_answers(min(retention_days, current_app.config["RTES_SENSITIVE_RETENTION_DAYS"]))
    cutoff = clock.now() - timedelta(days=retention_days)
    old = db.session.scalars(
        select(Registration)
        .join(Registration.event)
        .where(Event.ends_at < cutoff, Registration.erased_at.is_(None))
    ).all()
    for registration in old:
        _anonymise(registration)
    db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.status != "pending", OutboxMessage.created_at < cutoff)
    )
    _forget_unused_calendar_tokens()
    db.session.commit()
    return len(old)


def erase(registration: Registration) -> None:
    """At the registrant's request: cancel (while the event is ahead) and erase their data now."""
    if registration.is_active and not registration.event.is_past:
        cancel(registration)
    email = registration.email
    _anonymise(registration)
    db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.recipient == email, OutboxMessage.status != "pending")
    )
    _forget_unused_calendar_tokens()
    db.session.commit()


def _anonymise(registration: Registration) -> None:
    outbox.forget(registration)
    for attestation in db.session.scalars(
        select(Attestation).where(Attestation.registration_id == registration.id)
    ):
        attestation.withdraw()
    indicators.remember_reach(registration)  # the count of organisations reached outlives the data
    registration.email = f"efface-{registration.id}"
    registration.first_name = registration.last_name = registration.organisation = ""
    registration.plugin_fields = {}
    registration.answers = []
    registration.partner_reference = None
    registration.member_organisation_id = None  # kept, without the person, in the reach
    registration.token = new_token()
    registration.erased_at = clock.now()


def _forget_unused_calendar_tokens() -> None:
    db.session.flush()
    db.session.execute(
        delete(CalendarToken).where(~CalendarToken.email.in_(select(Registration.email).distinct()))
    )


def calendar_token(email: str) -> CalendarToken:
    """The personal-feed token of an e-mail address, created on first use."""
    token = db.session.scalar(select(CalendarToken).where(CalendarToken.email == email))
    if token is None:
        token = CalendarToken(email=email)
        db.session.add(token)
        db.session.commit()
    return token


def renew_calendar_token(email: str) -> CalendarToken:
    """Revoke the personal-feed link of an e-mail address and issue a new one."""
    token = calendar_token(email)
    token.token = new_token()
    db.session.commit()
    return token


def feed_registrations(token: str) -> list[Registration] | None:
    """The registrations behind a personal-feed token (cancelled ones too, so that calendars drop
    them), or None for an unknown token."""
    owner = db.session.scalar(select(CalendarToken.email).where(CalendarToken.token == token))
    if owner is None:
        return None
    return db.session.scalars(
        select(Registration)
        .join(Registration.event)
        .where(Registration.email == owner, Event.status != "draft")
        .order_by(Event.starts_at)
    ).all()


# The organisers' questions: a registration's answers (``rtes_events.questions`` holds the questions).


def save_answers(registration: Registration, answers: dict[int, object]) -> None:
    """Store ``{question id: value}`` (validated by the form) as the registration's answers, in the
    caller's transaction: a None or empty value removes the answer; questions left out keep theirs.
    A question of another event is refused."""
    if not answers:
        return  # nothing to read or write (most registrations: no query under the lock)
    own = set(db.session.scalars(select(Question.id).where(Question.event_id == registration.event_id)))
    if set(answers) - own:
        raise RegistrationRefused(
            "Une réponse porte sur une question qui n'est pas posée pour cet événement."
        )
    held = {answer.question_id: answer for answer in registration.answers}
    for question_id, value in answers.items():
        if value is None or value == "" or value == []:
            if question_id in held:
                registration.answers.remove(held[question_id])
        elif question_id in held:
            held[question_id].value = value
        else:
            registration.answers.append(Answer(question_id=question_id, value=value))
    db.session.flush()


def answers_refusal(registration: Registration) -> str | None:
    """Why the person may not change their answers now (registration closed or cancelled), or None."""
    if not registration.is_active:
        return "Votre inscription est annulée : ses réponses ne peuvent plus être modifiées."
    return refusal(registration.event)


def update_answers(registration: Registration, answers: dict[int, object]) -> None:
    """The person changes their answers from their management page, while registration is open."""
    if reason := answers_refusal(registration):
        raise RegistrationRefused(reason)
    save_answers(registration, answers)
    db.session.commit()


def purge_sensitive_answers(retention_days: int) -> int:
    """Erase the answers to sensitive questions (health, diet, accessibility) of events over for more
    than ``retention_days``, even when the rest is kept longer; returns how many went."""
    cutoff = clock.now() - timedelta(days=retention_days)
    sensitive = (
        select(Question.id)
        .join(Event, Event.id == Question.event_id)
        .where(Question.sensitive, Event.ends_at < cutoff)
    )
    erased = db.session.execute(delete(Answer).where(Answer.question_id.in_(sensitive))).rowcount
    db.session.commit()
    return erased
