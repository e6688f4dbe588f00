"""Check-in at the door: the only code that records a CheckIn.

A scan names a registration by its check-in code (the QR code) or by its id (found by name). It is
applied under the event's write lock (``registrations.locked_event``), so that two phones scanning
the same person at the same instant count them once; the database's unique (registration, day) is
the last guard. A scan carries the device's ``scan_id``: sent again (an offline batch replayed), it
changes nothing. Checking in marks the registration ``attended`` and reports the event's attendance
through ``registrations.report_attendance``, where the attendance page, exports and indicators read it.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from . import clock, registrations
from .extensions import db
from .formatting import hour, moment, one_line
from .models import CheckIn, Event, Registration, Slot
from .models.events import fold
from .models.registrations import MODES
from .models.slots import registration_slots
from .registrations import RegistrationRefused, locked_event

UNKNOWN = "Code inconnu : aucune inscription ne porte ce code."
OTHER_EVENT = "Ce code est celui d'une inscription à un autre événement."
NOBODY = "Aucun code ni aucune personne inscrite ne correspond à cette recherche."
CANCELLED = "Inscription annulée : ce code n'est plus valable."
REOPENING = timedelta(hours=12)
MAX_CODE = 64
CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_SEARCH = 100


@dataclass
class Scan:
    """What the door answers: ``outcome`` is ``present``, ``already``, ``waitlisted`` or ``refused``."""

    outcome: str
    message: str
    registration: Registration | None = None

    def as_json(self) -> dict:
        person = self.registration
        return {
            "outcome": self.outcome,
            "message": self.message,
            "name": person.full_name if person else None,
            "organisation": person.organisation if person else None,
            "mode": person.mode_label if person else None,
            "ateliers": ateliers(person) if person else [],
        }


def ateliers(registration: Registration) -> list[str]:
    """The ateliers « au choix » ``registration`` chose."""
    return [slot.title for slot in registration.slots if slot.choice]


def opens_at(event: Event) -> datetime:
    """Check-in opens at Paris midnight of the event's first day."""
    return clock.to_utc(clock.to_local(event.starts_at).date())


def closed_reason(event: Event, at: datetime | None = None) -> str | None:
    """Why check-in of ``event`` is closed at ``at`` (now), or None when it is open."""
    at = at or clock.now()
    if event.status == "cancelled":
        return "Cet événement est annulé : il n'y a pas d'accueil."
    if event.checkin_reopened_until is not None and at <= event.checkin_reopened_until:
        return None
    if at < opens_at(event):
        return f"L'accueil ouvre le {moment(clock.to_local(opens_at(event)))}."
    if at > event.ends_at:
        return "L'accueil est fermé : l'événement est terminé. Ses organisateur·rices peuvent le rouvrir."
    return None


def day_of(event: Event, at: datetime) -> date:
    """The Paris day of the event a check-in at ``at`` counts for (its last day, once it is over)."""
    first, last = clock.to_local(event.starts_at).date(), clock.to_local(event.ends_at).date()
    return min(max(clock.to_local(at).date(), first), last)


def reopen(event: Event) -> None:
    """Reopen the check-in of ``event`` for a while, to correct it (the caller audits and commits)."""
    event.checkin_reopened_until = clock.now() + REOPENING


def close(event: Event) -> None:
    """Close a reopened check-in (the caller audits and commits)."""
    event.checkin_reopened_until = None


def check_in(
    event: Event,
    *,
    code: str | None = None,
    registration_id: int | None = None,
    user=None,
    device: str | None = None,
    scan_id: str | None = None,
    at: datetime | None = None,
) -> Scan:
    """Check in the registration of ``code`` (or ``registration_id``) at ``event``, at ``at``
    (when the device scanned, at most now) and once: a second scan says when and by whom."""
    now = clock.now()
    at = min(at, now) if at is not None else now
    scan_id = one_line(scan_id)[:64] or None
    try:
        with locked_event(event.id) as locked:
            return _check_in_locked(locked, code, registration_id, user, one_line(device)[:100], scan_id, at)
    except IntegrityError:  # the unique (registration, day) held when the lock was off
        registration = _find(event, code, registration_id)
        existing = _existing(registration, day_of(event, at)) if registration is not None else None
        if existing is None:  # the same scan_id, sent twice at once
            return Scan("present", "Scan déjà reçu.", registration)
        return _already(registration, existing)


def _check_in_locked(event, code, registration_id, user, device, scan_id, at) -> Scan:
    if reason := closed_reason(event, at):
        return Scan("refused", reason)
    if scan_id and (done := db.session.scalar(select(CheckIn).where(CheckIn.scan_id == scan_id))):
        return Scan("present", "Scan déjà reçu.", done.registration)
    registration = _find(event, code, registration_id)
    if registration is None:
        return Scan("refused", UNKNOWN)
    if registration.event_id != event.id:
        return Scan("refused", OTHER_EVENT)
    if registration.status == "cancelled":
        return Scan("refused", CANCELLED, registration)
    if registration.status == "waitlisted":
        position = registration.waitlist_position
        return Scan(
            "waitlisted",
            f"En liste d'attente (position {position}) : pas de place confirmée.",
            registration,
        )
    day = day_of(event, at)
    if existing := _existing(registration, day):
        return _already(registration, existing)
    db.session.add(
        CheckIn(
            registration_id=registration.id,
            event_id=event.id,
            day=day,
            checked_at=at,
            checked_by_id=getattr(user, "id", None),
            device=device or None,
            scan_id=scan_id,
        )
    )
    registration.status = "attended"
    registrations.report_attendance(event)
    return Scan("present", "Présent·e : bienvenue !", registration)


def _find(event: Event, code: str | None, registration_id: int | None) -> Registration | None:
    if registration_id is not None:
        return db.session.get(Registration, registration_id, populate_existing=True)
    code = one_line(code)
    if not code or len(code) > MAX_CODE:
        return None
    return db.session.scalar(
        select(Registration)
        .where(Registration.checkin_code == code)
        .execution_options(populate_existing=True)
    )


def _existing(registration: Registration, day: date) -> CheckIn | None:
    return db.session.scalar(
        select(CheckIn).where(CheckIn.registration_id == registration.id, CheckIn.day == day)
    )


def _already(registration: Registration, checkin: CheckIn) -> Scan:
    by = checkin.checked_by.display_name if checkin.checked_by is not None else "un·e organisateur·rice"
    when = hour(clock.to_local(checkin.checked_at))
    return Scan("already", f"Déjà enregistré·e à {when} par {by}.", registration)


def apply_batch(
    event: Event, scans: list[dict], *, user=None, device: str | None = None
) -> list[tuple[dict, Scan]]:
    """Apply scans sent together (kept offline) in the order scanned, each once (its ``scan_id``):
    each scan with its result, in that order."""
    applied = sorted(scans, key=lambda scan: scan["at"] or clock.now())
    return [
        (
            scan,
            check_in(
                event,
                code=scan.get("code"),
                registration_id=scan.get("registration_id"),
                user=user,
                device=device,
                scan_id=scan.get("scan_id"),
                at=scan["at"],
            ),
        )
        for scan in applied
    ]


def add_walk_in(event: Event, data: dict, *, user=None, device: str | None = None) -> Scan:
    """Register at the door someone who had not registered (name, organisation, function), present.
    The registration gets an address no message can reach (``.invalid``, RFC 2606)."""
    values = registrations.clean({**data, "email": "accueil@rtes.fr", "consent": True})
    values["email"] = f"accueil-{secrets.token_hex(8)}@sur-place.invalid"
    with locked_event(event.id) as locked:
        if reason := closed_reason(locked):
            raise RegistrationRefused(reason)
        registration = Registration(
            event_id=locked.id,
            status="confirmed",
            walk_in=True,
            consent_at=clock.now(),
            mode="onsite" if locked.mode == "hybrid" else None,
            **values,
        )
        db.session.add(registration)
        db.session.flush()
        registration_id = registration.id
    return check_in(event, registration_id=registration_id, user=user, device=device)


def looks_like_code(text: str) -> bool:
    """True when ``text`` is shaped like a check-in code (one word of 16 to 64 URL-safe characters)."""
    return bool(CODE_SHAPE.fullmatch(one_line(text)))


def search(event: Event, text: str) -> list[Registration]:
    """The registrations of ``event`` whose name or organisation contains ``text`` (accents and case
    aside), at most MAX_SEARCH, by name."""
    words = fold(one_line(text)[:200]).split()
    if not words:
        return []
    query = select(Registration).where(Registration.event_id == event.id, Registration.erased_at.is_(None))
    people = [
        registration
        for registration in db.session.scalars(query)
        if all(
            word in fold(f"{registration.first_name} {registration.last_name} {registration.organisation}")
            for word in words
        )
    ]
    return sorted(people, key=lambda r: (fold(r.last_name), fold(r.first_name), r.id))[:MAX_SEARCH]


@dataclass
class Counts:
    present: int
    expected: int
    by_mode: list[tuple[str, int, int]]
    by_atelier: list[tuple[str, int, int]]

    def as_json(self) -> dict:
        return {
            "present": self.present,
            "expected": self.expected,
            "groups": [
                {"label": label, "present": present, "expected": expected}
                for label, present, expected in (
                    *self.by_mode,
                    *((f"Atelier « {title} »", *tally) for title, *tally in self.by_atelier),
                )
            ],
        }


PLACE_HOLDERS = ("confirmed", "attended", "absent")


def counts(event: Event, day: date) -> Counts:
    """Présent·es on ``day`` / attendu·es (holding a place), in all, per mode and per atelier, counted
    by the database."""
    holders = (Registration.event_id == event.id, Registration.status.in_(PLACE_HOLDERS))
    present_that_day = and_(CheckIn.registration_id == Registration.id, CheckIn.day == day)
    tallies = (func.count(CheckIn.id), func.count(Registration.id))
    modes = db.session.execute(
        select(Registration.mode, *tallies)
        .outerjoin(CheckIn, present_that_day)
        .where(*holders)
        .group_by(Registration.mode)
        .order_by(Registration.mode)
    ).all()
    ateliers_chosen = db.session.execute(
        select(Slot.title, *tallies)
        .join(registration_slots, registration_slots.c.slot_id == Slot.id)
        .join(Registration, Registration.id == registration_slots.c.registration_id)
        .outerjoin(CheckIn, present_that_day)
        .where(*holders, Slot.choice.isnot(None))
        .group_by(Slot.id, Slot.title)
        .order_by(Slot.title)
    ).all()
    return Counts(
        present=sum(present for _, present, _ in modes),
        expected=sum(expected for _, _, expected in modes),
        by_mode=[(MODES[mode], present, expected) for mode, present, expected in modes if mode in MODES],
        by_atelier=[tuple(row) for row in ateliers_chosen],
    )
