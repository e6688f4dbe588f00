"""Organisers told in time: of each registration, cancellation and move up from the waiting list to
their events, as it happens or in a daily digest, or not at all (``User.notifications``).

- Who: the active accounts that chose to be told and may see the event's registrants
  (``permissions.can_manage(…, "registrants")``): the co-organisers of its club or partner, and the
  admins who opted in.
- ``each``: one e-mail per change, queued in the change's transaction (the builtin plugin
  ``organiser_notices``) and rendered when sent, with the account's choice and rights as they are then.
- ``digest``: once a day from ``DIGEST_HOUR`` (Paris time), the changes since the last digest, one
  e-mail per account with something to tell, none when nothing changed. The day's digest is claimed
  by a compare-and-set on one ``Setting`` row (``LAST_DIGEST``: when the last one was made), so any
  number of workers make it once.
- The changes are read where they are kept: registrations made (``created_at``), cancelled
  (``cancelled_at``), and moved up from the waiting list (the ``promoted`` e-mail queued to the person).
"""

from datetime import datetime, timedelta
from itertools import groupby

from flask import render_template
from sqlalchemy import select, update

from . import clock, outbox, rendering
from .database import insert_new
from .extensions import db
from .formatting import day, one_line
from .mail import compose
from .models import Event, OutboxMessage, Registration, Setting, User
from .permissions import can_manage
from .registrants import counts
from .urls import external_url

NOTICE, DIGEST = "organiser_notice", "organiser_digest"
DIGEST_HOUR = 8  # Paris time: the digest is made at the first worker pass from this hour
LAST_DIGEST = "notices.last_digest"
CHANGES = {
    "confirmed": "Nouvelle inscription",
    "waitlisted": "Nouvelle inscription en liste d'attente",
    "cancelled": "Inscription annulée",
    "promoted": "Place libérée : inscription confirmée depuis la liste d'attente",
}


def _accounts(mode: str) -> list[User]:
    return db.session.scalars(
        select(User).where(User.active.is_(True), User.notifications == mode).order_by(User.id)
    ).all()


def told(event: Event, mode: str) -> list[User]:
    """The active accounts told of ``event``'s registrations in ``mode`` (``each`` or ``digest``)."""
    return [user for user in _accounts(mode) if can_manage(user, event, "registrants")]


def changed(registration: Registration, change: str) -> None:
    """Queue, in the caller's transaction, the notice of ``change`` (a key of CHANGES) to each
    organiser told at once."""
    event = registration.event
    subject = one_line(f"{CHANGES[change]} : {event.title}")
    for user in told(event, "each"):
        outbox.enqueue_rendered(
            NOTICE,
            user.email,
            subject,
            about=registration,
            user=user.id,
            change=change,
            registration=registration.id,
        )


def _recipient(reference: dict, mode: str) -> User:
    user = db.session.get(User, reference["user"])
    if user is None or not user.active or user.notifications != mode:
        raise outbox.Dropped
    return user


def _message(user: User, subject: str, template: str, **context):
    context = {"user": user, "account_url": external_url("auth.account"), **context}
    return compose(
        user.email,
        subject,
        render_template(f"mail/{template}.txt", **context),
        render_template(f"mail/{template}.html", **context),
    )


@rendering.renders(NOTICE)
def _notice(reference: dict):
    user = _recipient(reference, "each")
    registration = rendering.registration(reference)
    event = registration.event
    if not can_manage(user, event, "registrants"):
        raise outbox.Dropped
    change = CHANGES[reference["change"]]
    return _message(
        user,
        one_line(f"{change} : {event.title}"),
        NOTICE,
        change=change,
        registration=registration,
        event=event,
        counts=counts(event),
        registrants_url=external_url("manage.registrants", event_id=event.id),
    )


# --- The daily digest ---------------------------------------------------------------------------


def queue_digests(now: datetime | None = None) -> int:
    """Make the day's digest when its hour has come and it was not made yet: queue one e-mail per
    account in ``digest`` mode with changes since the last one. Commits; returns how many."""
    now = now or clock.now()
    if clock.to_local(now).hour < DIGEST_HOUR:
        return 0
    since = _claim_digest(now)
    if since is None:
        return 0
    queued = 0
    for user in _accounts("digest"):
        if _changes(user, since, now):
            outbox.enqueue_rendered(
                DIGEST,
                user.email,
                _digest_subject(now),
                user=user.id,
                since=since.isoformat(),
                until=now.isoformat(),
            )
            queued += 1
    db.session.commit()
    return queued


def _claim_digest(now: datetime) -> datetime | None:
    """Since when the digest made now tells, or None when today's was made already (by this worker
    or another: the compare-and-set on ``LAST_DIGEST`` lets one of them through)."""
    insert_new(Setting, [{"key": LAST_DIGEST, "value": ""}], Setting.key)
    last = db.session.scalar(select(Setting.value).where(Setting.key == LAST_DIGEST))
    db.session.commit()
    if last and clock.to_local(datetime.fromisoformat(last)).date() >= clock.to_local(now).date():
        return None
    claimed = db.session.execute(
        update(Setting).where(Setting.key == LAST_DIGEST, Setting.value == last).values(value=now.isoformat())
    ).rowcount
    if not claimed:
        db.session.rollback()
        return None
    return datetime.fromisoformat(last) if last else now - timedelta(days=1)


def _changes(user: User, since: datetime, until: datetime) -> list[tuple[str, Registration]]:
    """The changes in [since, until) to the events ``user`` may see the registrants of, by event."""

    def within(column):
        return (column >= since) & (column < until)

    promoted = select(OutboxMessage.registration_id).where(
        OutboxMessage.purpose == "promoted", within(OutboxMessage.created_at)
    )
    registrations = db.session.scalars(
        select(Registration)
        .where(
            Registration.erased_at.is_(None),
            within(Registration.created_at)
            | within(Registration.cancelled_at)
            | Registration.id.in_(promoted),
        )
        .order_by(Registration.event_id, Registration.id)
    ).all()
    promoted_ids = set(db.session.scalars(promoted))
    found = []
    for registration in registrations:
        if not can_manage(user, registration.event, "registrants"):
            continue
        if since <= registration.created_at < until:
            found.append(("waitlisted" if registration.status == "waitlisted" else "confirmed", registration))
        if registration.id in promoted_ids:
            found.append(("promoted", registration))
        if registration.cancelled_at and since <= registration.cancelled_at < until:
            found.append(("cancelled", registration))
    return found


@rendering.renders(DIGEST)
def _digest(reference: dict):
    user = _recipient(reference, "digest")
    since, until = datetime.fromisoformat(reference["since"]), datetime.fromisoformat(reference["until"])
    found = _changes(user, since, until)
    if not found:
        raise outbox.Dropped
    events = [
        {
            "event": event,
            "changes": [(CHANGES[change], registration) for change, registration in changes],
            "counts": counts(event),
            "registrants_url": external_url("manage.registrants", event_id=event.id),
        }
        for event, changes in ((e, list(c)) for e, c in groupby(found, key=lambda item: item[1].event))
    ]
    return _message(user, _digest_subject(until), DIGEST, events=events)


def _digest_subject(moment: datetime) -> str:
    return f"Résumé des inscriptions : {day(clock.to_local(moment).date())}"
