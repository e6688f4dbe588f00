"""The durable outbox: side effects written in the same transaction as the change, sent by the worker.

A request only adds rows to its transaction; ``rtes-events worker`` (which ``rtes-events demo`` runs
in a thread) sends them (``delivery.py``), so a slow or hanging mail server delays nobody's answer.

Two kinds of e-mail rows: ``email`` holds a rendered message; ``registration_email`` holds only
which registration and which template (JSON), rendered when first sent. A ``webhook`` row is a
POST of JSON to a partner (``enqueue_webhook``): its body and headers, ``Idempotency-Key``
included, are fixed when it is queued, so every retry sends the same request.

A message names the registration it is about (``registration_id``), checked again when it is sent.
Erasing a registration drops at once what is queued for it (``forget``), but for a webhook queued
with a version without personal data (``if_erased``: a partner that must still hear of a
cancellation), which then sends that version.
"""

import json

from sqlalchemy import and_, insert, or_, select

from . import clock, mail
from .extensions import db
from .models import OutboxMessage

REGISTRATION_EMAIL = "registration_email"
WEBHOOK = "webhook"


class Dropped(Exception):
    """The message is no longer wanted (its registration erased, its address opted out): never sent."""


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


def enqueue_email(registration, message, purpose: str) -> OutboxMessage:
    """Add the rendered e-mail ``message`` to ``registration``'s address to the current transaction."""
    return enqueue(
        "email",
        registration.email,
        message["Subject"],
        message.as_string(),
        registration=registration,
        purpose=purpose,
    )


def enqueue_rendered(template: str, recipient: str, subject: str, *, about=None, **details) -> OutboxMessage:
    """Add an e-mail of the kind ``template`` to the current transaction, rendered when sent by the
    renderer its kind registered (``rendering``); ``details`` (JSON values) are kept for it, ``about``
    is the registration it is about, if any (checked again when it is sent)."""
    payload = json.dumps({**details, "template": template})
    return enqueue(REGISTRATION_EMAIL, recipient, subject, payload, registration=about, purpose=template)


def enqueue_registration_email(registration, template: str, subject: str, **details) -> OutboxMessage:
    """Add the e-mail ``template`` of ``registration`` to the current transaction, rendered later;
    ``details`` (JSON values) are kept for its rendering (a reminder's offset and start)."""
    if registration.id is None:
        db.session.flush()
    return enqueue_rendered(
        template, registration.email, subject, about=registration, **details, registration=registration.id
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
                    "registration_id": registration_id,
                    "purpose": template,
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
    """Erase ``registration``'s data from the outbox, in the caller's transaction: what is still to
    send (pending, or failed and so open to a retry) is dropped, but a webhook queued with a version
    without personal data keeps only that version; what was sent keeps its subject, date and
    status, without its recipient address or content."""
    about_it = db.session.scalars(
        select(OutboxMessage).where(
            or_(
                OutboxMessage.registration_id == registration.id,
                and_(  # queued before messages named their registration
                    OutboxMessage.kind == REGISTRATION_EMAIL,
                    OutboxMessage.status == "pending",
                    OutboxMessage.recipient == registration.email,
                ),
            ),
        )
    )
    for message in about_it:
        reference = json.loads(message.payload) if message.registration_id is None else {}
        if message.registration_id is None and reference.get("registration") != registration.id:
            continue
        if message.status == "sent":
            message.payload = ""
            if message.kind != WEBHOOK:
                message.recipient = ""
        elif message.status != "dropped" and not without_personal_data(message):
            drop(message)


def without_personal_data(message: OutboxMessage) -> bool:
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


def drop(message: OutboxMessage) -> None:
    message.status, message.recipient, message.payload, message.claimed_at = "dropped", "", "", None
