"""The durable outbox: side effects written in the same transaction as the change, sent after commit.

A message is claimed atomically before it is sent, so the web process (right after its commit) and
any number of ``rtes-events worker`` processes never send it twice; a failure is retried later with
a growing delay, up to ``MAX_ATTEMPTS``.
"""

from datetime import timedelta

from flask import current_app, g
from sqlalchemy import or_, select, update

from . import clock
from .extensions import db
from .models import OutboxMessage

MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=5)


def enqueue(kind: str, recipient: str, subject: str, payload: str) -> OutboxMessage:
    """Add a message to the current transaction; ``deliver_queued`` sends it after commit."""
    message = OutboxMessage(kind=kind, recipient=recipient, subject=subject, payload=payload)
    db.session.add(message)
    g.setdefault("rtes_outbox_queued", []).append(message)
    return message


def deliver_queued() -> None:
    """Try at once what this context queued and has committed; failures stay for the worker."""
    queued = g.pop("rtes_outbox_queued", [])
    ids = [m.id for m in queued if m.id is not None]
    for message_id in ids:
        deliver(message_id)


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
        SENDERS[message.kind](message)
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


def _send_email(message: OutboxMessage) -> None:
    from .mail import transport

    transport().send(message.id, message.recipient, message.payload)


SENDERS = {"email": _send_email}
