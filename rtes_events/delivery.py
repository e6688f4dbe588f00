"""Sending what the outbox holds: ``rtes-events worker`` (and the demo's thread) calls
``deliver_due``, which claims, checks, renders and sends each message due, and records the result.

A message is claimed atomically before it is sent, so any number of workers never send it twice;
a claim older than ``RTES_OUTBOX_CLAIM_SECONDS`` is a worker's that died, and the message is taken
again. A failure is retried later with a growing delay, up to ``MAX_ATTEMPTS``.

A message about a registration (``registration_id``) is checked again at every attempt, just
before it is sent: when the registration was erased meanwhile, it is dropped, or, for a webhook
queued with a version without personal data (a partner that must still hear of a cancellation),
that version is sent; a replay announcement to an address that opted out meanwhile is dropped.

A ``registration_email`` row (an e-mail queued as a reference) is rendered at its first attempt by
the renderer its kind registered (``rendering``: sending imports no service), then kept as an
``email`` so that retries send the very same message. A webhook is signed when sent (``X-RTES-Signature:
sha256=<HMAC-SHA256 of the body>``) with the secret named by the row. No answer, or a 5xx, 408 or
429: retried later; another 4xx: the partner refused it, the row is ``failed`` at once with the
answer in ``last_error`` (``outbox.retry`` queues it again).
"""

import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from . import clock, mail, opt_outs, rendering
from .extensions import db
from .models import OutboxMessage, Registration
from .outbox import REGISTRATION_EMAIL, WEBHOOK, Dropped, drop, without_personal_data

MAX_ATTEMPTS = 8
WEBHOOK_TIMEOUT = 10  # seconds
RETRIED_STATUSES = (408, 425, 429)  # 4xx answers that mean « later », not « no »


class Rejected(Exception):
    """The recipient refused the message for good (a 4xx answer): it is not retried."""


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
    # A claim older than this is a worker's that died while sending: the message is taken again.
    claim_timeout = timedelta(seconds=current_app.config["RTES_OUTBOX_CLAIM_SECONDS"])
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - claim_timeout),
        )
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
    ).rowcount
    db.session.commit()
    if not claimed:
        return False
    message = db.session.get(OutboxMessage, message_id)
    try:
        _still_wanted(message)
        if message.kind == REGISTRATION_EMAIL:
            _render(message)
        SENDERS[message.kind](message)
    except Dropped:
        drop(message)
        db.session.commit()
        return False
    except Rejected as exc:
        message.status, message.claimed_at, message.last_error = "failed", None, str(exc)[:2000]
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


def _still_wanted(message: OutboxMessage) -> None:
    """Checked at every attempt, just before sending: raises ``Dropped`` when the registration the
    message is about was erased (unless it has a version without personal data) or when it is a
    replay announcement and the address opted out."""
    if message.registration_id is None:
        return
    registration = db.session.get(Registration, message.registration_id)
    if registration is None or registration.erased_at is not None:
        if not without_personal_data(message):
            raise Dropped
    elif message.purpose == "replay_published" and opt_outs.opted_out(registration.email):
        raise Dropped


def _render(message: OutboxMessage) -> None:
    """Turn a ``registration_email`` row into the ``email`` it stands for (kept even if sending fails)."""
    rendered = rendering.render(json.loads(message.payload))
    message.kind, message.recipient = "email", rendered["To"]
    message.subject, message.payload = rendered["Subject"], rendered.as_string()


def _send_email(message: OutboxMessage) -> None:
    mail.transport().send(message.id, message.recipient, message.payload)


def sign(body: bytes, secret: str) -> str:
    """The ``X-RTES-Signature`` of ``body``: ``sha256=`` and the hex HMAC-SHA256 with ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _send_webhook(message: OutboxMessage) -> None:
    payload = json.loads(message.payload)
    name = payload["secret_setting"]
    secret = current_app.config.get(name) or os.environ.get(name)
    if not secret:
        raise RuntimeError(f"{name} is not set: the message waits")
    body = payload["body"].encode()
    headers = {**payload["headers"], "X-RTES-Signature": sign(body, secret), "User-Agent": "rtes-events"}
    if not payload["url"].startswith(("http://", "https://")):
        raise Rejected(f"adresse invalide : {payload['url']!r}")
    # http(s) only, checked above
    request = urllib.request.Request(payload["url"], data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT):  # noqa: S310
            return
    except urllib.error.HTTPError as answer:
        if 400 <= answer.code < 500 and answer.code not in RETRIED_STATUSES:
            text = answer.read(1000).decode("utf-8", "replace")
            raise Rejected(f"HTTP {answer.code} : {text}".strip()) from None
        raise


SENDERS = {"email": _send_email, WEBHOOK: _send_webhook}
