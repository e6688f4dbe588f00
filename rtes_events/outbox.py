"""The durable outbox: side effects written in the same transaction as the change, sent by the worker.

A request only adds rows to its transaction; ``rtes-events worker`` (which ``rtes-events demo`` runs
in a thread) renders and sends them, so a slow or hanging mail server delays nobody's answer. A
message is claimed atomically before it is sent, so any number of workers never send it twice; a
failure is retried later with a growing delay, up to ``MAX_ATTEMPTS``.

Two kinds of e-mail rows: ``email`` holds a rendered message; ``registration_email`` holds only
which registration and which template (JSON), and is rendered by the worker at its first attempt,
then kept as an ``email`` so that retries send the very same message. A message whose registration
was erased meanwhile is dropped, never sent.
"""

import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from . import clock
from .extensions import db
from .models import OutboxMessage, Registration

MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=5)
REGISTRATION_EMAIL = "registration_email"


class Dropped(Exception):
    """The message has nobody left to go to (its registration was erased): it is never sent."""


def enqueue(kind: str, recipient: str, subject: str, payload: str) -> OutboxMessage:
    """Add a message to the current transaction; the worker sends it once committed."""
    message = OutboxMessage(kind=kind, recipient=recipient, subject=subject, payload=payload)
    db.session.add(message)
    return message


def enqueue_registration_email(registration, template: str, subject: str) -> OutboxMessage:
    """Add the e-mail ``template`` of ``registration`` to the current transaction, rendered later."""
    if registration.id is None:
        db.session.flush()
    payload = json.dumps({"registration": registration.id, "template": template})
    return enqueue(REGISTRATION_EMAIL, registration.email, subject, payload)


def forget(registration) -> None:
    """Drop what is still queued for ``registration`` (being erased), in the caller's transaction."""
    queued = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind == REGISTRATION_EMAIL,
            OutboxMessage.status == "pending",
            OutboxMessage.recipient == registration.email,
        )
    )
    for message in queued:
        if json.loads(message.payload)["registration"] == registration.id:
            _drop(message)


def deliver_due(limit: int = 100) -> tuple[int, int]:
    """Send the messages that are due. Returns (sent, failed)."""
    now = clock.now()
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = sum(deliver(message_id) for message_id in ids)
    return sent, len(ids) - sent


def deliver(message_id: int) -> bool:
    """Claim, send and record one message. True when it was sent by this call."""
    now = clock.now()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT),
        )
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return False
    message = db.session.get(OutboxMessage, message_id)
    try:
        if message.kind == REGISTRATION_EMAIL:
            _render(message)
        SENDERS[message.kind](message)
    except Dropped:
        _drop(message)
        db.session.commit()
        return False
    except Exception as exc:  # any transport failure is recorded and retried
        current_app.logger.warning("outbox: message %s not sent: %s", message_id, exc)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.claimed_at = None
        if message.attempts >= MAX_ATTEMPTS:
            message.status = "failed"
        else:
            message.next_attempt_at = clock.now() + timedelta(minutes=2**message.attempts)
        db.session.commit()
        return False
    message.status = "sent"
    message.sent_at = clock.now()
    message.last_error = None
    db.session.commit()
    return True


def _drop(message: OutboxMessage) -> None:
    message.status, message.recipient, message.payload, message.claimed_at = "dropped", "", "", None


def _render(message: OutboxMessage) -> None:
    """Turn a ``registration_email`` row into the ``email`` it stands for (kept even if sending fails)."""
    from .mail import registration_message

    reference = json.loads(message.payload)
    registration = db.session.get(Registration, reference["registration"])
    if registration is None or registration.erased_at is not None:
        raise Dropped
    rendered = registration_message(registration, reference["template"])
    message.kind, message.recipient = "email", registration.email
    message.subject, message.payload = rendered["Subject"], rendered.as_string()


def _send_email(message: OutboxMessage) -> None:
    from .mail import transport

    transport().send(message.id, message.recipient, message.payload)


SENDERS = {"email": _send_email}
