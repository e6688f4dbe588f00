"""The durable outbox: side effects written in the same transaction as the change, sent by the worker.

A request only adds rows to its transaction; ``rtes-events worker`` (which ``rtes-events demo`` runs
in a thread) renders and sends them, so a slow or hanging mail server delays nobody's answer. A
message is claimed atomically before it is sent, so any number of workers never send it twice; a
failure is retried later with a growing delay, up to ``MAX_ATTEMPTS``.

Two kinds of e-mail rows: ``email`` holds a rendered message; ``registration_email`` holds only
which registration and which template (JSON), and is rendered by the worker at its first attempt,
then kept as an ``email`` so that retries send the very same message.

A message about a registration (``registration_id``) is checked again at every attempt, just
before it is sent: when the registration was erased meanwhile, it is dropped, or, for a webhook
queued with a version without personal data (``if_erased``: a partner that must still hear of a
cancellation), that version is sent; a replay announcement to an address that opted out meanwhile
is dropped. Erasing a registration does the same at once to what is queued for it (``forget``).

A ``webhook`` row is a POST of JSON to a partner (``enqueue_webhook``): its body and headers,
``Idempotency-Key`` included, are fixed when it is queued, so every retry sends the same request;
it is signed when sent (``X-RTES-Signature: sha256=<HMAC-SHA256 of the body>``) with the secret
named by the row. No answer, or a 5xx, 408 or 429: retried later; another 4xx: the partner refused
it, the row is ``failed`` at once with the answer in ``last_error`` (``retry`` queues it again).
"""

import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, insert, or_, select, update

from . import clock, mail, opt_outs
from .extensions import db
from .models import OutboxMessage, Registration

MAX_ATTEMPTS = 8
REGISTRATION_EMAIL = "registration_email"
WEBHOOK = "webhook"
WEBHOOK_TIMEOUT = 10  # seconds
RETRIED_STATUSES = (408, 425, 429)  # 4xx answers that mean « later », not « no »


class Dropped(Exception):
    """The message is no longer wanted (its registration erased, its address opted out): never sent."""


class Rejected(Exception):
    """The recipient refused the message for good (a 4xx answer): it is not retried."""


def enqueue(
    kind: str, recipient: str, subject: str, payload: str, *, registration=None, purpose: str | None = None
) -> OutboxMessage:
    """Add a message to the current transaction; the worker sends it once committed. ``registration``
    is the one it is about (checked again when it is sent), ``purpose`` what it is for."""
    if registration is not None and registration.id is None:
        db.session.flush()
    message = OutboxMessage(
        kind=kind,
        recipient=recipient,
        subject=subject,
        payload=payload,
        registration_id=registration.id if registration is not None else None,
        purpose=purpose,
    )
    db.session.add(message)
    return message


def enqueue_registration_email(registration, template: str, subject: str, **details) -> OutboxMessage:
    """Add the e-mail ``template`` of ``registration`` to the current transaction, rendered later;
    ``details`` (JSON values) are kept for its rendering (a reminder's offset and start)."""
    if registration.id is None:
        db.session.flush()
    payload = json.dumps({**details, "registration": registration.id, "template": template})
    return enqueue(
        REGISTRATION_EMAIL, registration.email, subject, payload, registration=registration, purpose=template
    )


def enqueue_registration_emails(
    recipients: list[tuple[int, str]], template: str, subject: str, **details
) -> int:
    """``enqueue_registration_email`` for many registrations at once, given as (id, e-mail) pairs:
    one INSERT in the current transaction. Returns how many."""
    if recipients:
        db.session.execute(
            insert(OutboxMessage),
            [
                {
                    "kind": REGISTRATION_EMAIL,
                    "recipient": email,
                    "subject": subject,
                    "payload": json.dumps({**details, "registration": registration_id, "template": template}),
                }
                for registration_id, email in recipients
            ],
        )
    return len(recipients)


def queue_registration_email(registration, template: str) -> OutboxMessage:
    """Queue the e-mail ``template`` (a key of ``mail.SUBJECTS``) of ``registration``, in the
    caller's transaction; the worker renders and sends it."""
    if template not in mail.SUBJECTS:
        raise ValueError(f"unknown e-mail template: {template!r}")
    return enqueue_registration_email(registration, template, mail.subject(registration, template))


def enqueue_webhook(
    url: str,
    body: dict,
    *,
    idempotency_key: str,
    secret_setting: str,
    subject: str = "",
    registration=None,
    purpose: str | None = None,
    if_erased: dict | None = None,
) -> OutboxMessage:
    """Queue a signed POST of ``body`` (JSON) to ``url`` in the current transaction.

    ``secret_setting`` names the setting (app config, else environment) holding the HMAC key;
    ``subject`` says what it is, for the people reading the outbox. When ``registration`` (the one
    it is about) is erased before it is sent, the POST is dropped, or sends ``if_erased`` instead
    when given (the same news without personal data).
    """
    payload = {
        "url": url,
        "body": _json(body),
        "headers": {"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
        "secret_setting": secret_setting,
        "if_erased": _json(if_erased) if if_erased is not None else None,
    }
    return enqueue(
        WEBHOOK, url[:500], subject[:300], json.dumps(payload), registration=registration, purpose=purpose
    )


def _json(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


def retry(message: OutboxMessage) -> None:
    """Queue a failed message again, due now (in the caller's transaction)."""
    message.status, message.attempts, message.next_attempt_at = "pending", 0, clock.now()


def forget(registration) -> None:
    """Drop what is still queued for ``registration`` (being erased), in the caller's transaction; a
    webhook queued with a version without personal data keeps only that version."""
    queued = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.status == "pending",
            or_(
                OutboxMessage.registration_id == registration.id,
                and_(  # queued before messages named their registration
                    OutboxMessage.kind == REGISTRATION_EMAIL, OutboxMessage.recipient == registration.email
                ),
            ),
        )
    )
    for message in queued:
        about = message.registration_id or json.loads(message.payload)["registration"]
        if about == registration.id and not _without_personal_data(message):
            _drop(message)


def _without_personal_data(message: OutboxMessage) -> bool:
    """For a message about an erased registration: put its version without personal data in its
    place (a webhook's ``if_erased``) and return True, or return False when it has none."""
    payload = json.loads(message.payload) if message.kind == WEBHOOK else {}
    if payload.get("erased"):  # already in place
        return True
    if payload.get("if_erased") is None:
        return False
    payload["body"], payload["if_erased"], payload["erased"] = payload["if_erased"], None, True
    message.payload = json.dumps(payload)
    return True


def _still_wanted(message: OutboxMessage) -> None:
    """Checked at every attempt, just before sending: raises ``Dropped`` when the registration the
    message is about was erased (unless it has a version without personal data) or when it is a
    replay announcement and the address opted out."""
    if message.registration_id is None:
        return
    registration = db.session.get(Registration, message.registration_id)
    if registration is None or registration.erased_at is not None:
        if not _without_personal_data(message):
            raise Dropped
    elif message.purpose == "replay_published" and opt_outs.opted_out(registration.email):
        raise Dropped


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
        _drop(message)
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


def _drop(message: OutboxMessage) -> None:
    message.status, message.recipient, message.payload, message.claimed_at = "dropped", "", "", None


def _render(message: OutboxMessage) -> None:
    """Turn a ``registration_email`` row into the ``email`` it stands for (kept even if sending fails)."""
    from .reminders import REMINDER, reminder_message

    reference = json.loads(message.payload)
    registration = db.session.get(Registration, reference["registration"])
    if registration is None or registration.erased_at is not None:
        raise Dropped
    if reference["template"] == REMINDER:  # raises Dropped when no longer due
        rendered = reminder_message(registration, reference["offset"], reference["starts_at"])
    else:
        rendered = mail.registration_message(registration, reference["template"])
    message.kind, message.recipient = "email", registration.email
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
