"""The demo's session of the day: a session of the Île-de-France club taking place today, whatever the
day the demo is started, with a few people registered, so that its co-organiser can try the check-in
at the door at once. The first one's confirmation e-mail is queued (the worker writes it in
``instance/outbox/``)."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from .. import clock, outbox
from ..extensions import db
from ..models import Event, Registration
from . import dated

SLUG = "exemple-club-ile-de-france-aujourd-hui"
LAST = time(23, 59)
PEOPLE = (
    {"email": "sacha.petit@example.org", "first_name": "Sacha", "last_name": "Petit"},
    {"email": "lea.moreau@example.org", "first_name": "Léa", "last_name": "Moreau"},
    {"email": "yanis.girard@example.org", "first_name": "Yanis", "last_name": "Girard"},
)


def hours(now: datetime) -> tuple[datetime, datetime]:
    """Today's start and end (Paris time): from the hour before the demo starts (midnight at the
    earliest) for three hours (23 h 59 at the latest): begun, so that its attendance can be closed and
    its attestations issued at once, and never over when the demo starts."""
    local = clock.to_local(now)
    midnight = datetime.combine(local.date(), time(0), local.tzinfo)
    start = max(midnight, local.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1))
    end = min(start + timedelta(hours=3), datetime.combine(local.date(), LAST, local.tzinfo))
    return start, end


def item(title_prefix: str) -> dict:
    """The session for the import file."""
    start, end = hours(clock.now())
    return {
        "slug": SLUG,
        "kind": "club",
        "title": title_prefix + "Club Île-de-France : la session du jour",
        **dated(start, end),
        "mode": "onsite",
        "venue": "Maison de l'ESS",
        "city": "Paris",
        "capacity": 30,
        "club": "club-ess-ile-de-france",
        "themes": ["tiers-lieux"],
        "summary": "Session d'exemple qui a lieu aujourd'hui : connecté·e comme co-organisateur·rice du "
        "club Île-de-France, essayez l'accueil des participant·es depuis un téléphone.",
    }


def register_people() -> None:
    """Register the example people, once, now (after the day-before reminder's time: none for them).
    Written directly rather than through ``registrations.register``, which refuses a session already
    begun (the demo may start at 15 h)."""
    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    if event is None or db.session.scalar(select(Registration.id).where(Registration.event_id == event.id)):
        return
    made = [
        Registration(
            event=event,
            status="confirmed",
            organisation="Ville d'Exemple",
            function="agent",
            consent_at=clock.now(),
            **person,
        )
        for person in PEOPLE
    ]
    db.session.add_all(made)
    outbox.queue_registration_email(made[0], "confirmed")
    db.session.commit()
