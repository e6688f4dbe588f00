"""The demo's reminder example: a webinar less than a day ahead, at a daytime hour, whose 1-day
reminder is due at once for the two people registered two days before (one of whom cancelled: no
reminder for her)."""

from datetime import datetime, timedelta

from sqlalchemy import select

from .. import clock, registrations
from ..extensions import db
from ..models import Event, Registration
from . import dated

SLUG = "exemple-webinaire-rappels-demain"
PEOPLE = (
    {"email": "alix.durand@example.org", "first_name": "Alix", "last_name": "Durand"},
    {"email": "noa.bernard@example.org", "first_name": "Noa", "last_name": "Bernard"},
)


DAYTIME = (9, 18)  # its start falls between these hours, Paris time


def start_at(now: datetime) -> datetime:
    """Its start (Paris time): about 23 hours after ``now`` (a 5-minute step), moved back to 17 h when
    that falls outside daytime hours: always between 7 and 23 hours ahead."""
    start = clock.to_local(now + timedelta(hours=23))
    start = start.replace(minute=start.minute - start.minute % 5, second=0, microsecond=0)
    if DAYTIME[0] <= start.hour < DAYTIME[1]:
        return start
    day = start.date() if start.hour >= DAYTIME[1] else start.date() - timedelta(days=1)
    return datetime.combine(day, start.replace(hour=DAYTIME[1] - 1, minute=0).timetz())


def item(title_prefix: str) -> dict:
    """The example for the import file."""
    start = start_at(clock.now())
    end = start + timedelta(hours=1)
    return {
        "slug": SLUG,
        "kind": "webinaire",
        "title": title_prefix + "Webinaire à venir : les rappels avant l'événement",
        **dated(start, end),
        "mode": "online",
        "online_url": "https://visio.example.org/rtes-rappels",
        "summary": "Session d'exemple de la démonstration : ses deux inscriptions datent d'avant-hier ; "
        "le rappel de la veille part à l'une, pas à celle qui a annulé.",
    }


def register_people() -> None:
    """Register the two example people two days back, once; the second one cancels."""
    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    if event is None or db.session.scalar(select(Registration.id).where(Registration.event_id == event.id)):
        return
    made = []
    for person in PEOPLE:
        data = {**person, "organisation": "Ville d'Exemple", "function": "agent", "consent": True}
        made.append(registrations.register(event, data).registration)
    before = clock.now() - timedelta(days=2)
    for registration in made:
        registration.created_at = registration.consent_at = before
    db.session.commit()
    registrations.cancel(made[-1])
