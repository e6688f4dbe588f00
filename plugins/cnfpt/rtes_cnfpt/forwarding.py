"""Each registration and cancellation of a CNFPT session, forwarded to ``RTES_CNFPT_URL`` through
the outbox: a signed POST of JSON whose ``Idempotency-Key`` is one per registration event.

When the registrant's data is erased before a message leaves, a registration or confirmation is
not sent at all; a cancellation is (CNFPT must free the place), without the person's data."""

import uuid

from flask import current_app
from sqlalchemy import select

from rtes_events import clock, outbox
from rtes_events.extensions import db
from rtes_events.models import OutboxMessage
from rtes_events.urls import external_url

from . import session

SECRET_SETTING = "RTES_CNFPT_SECRET"  # noqa: S105 (the name of the setting)
SUBJECT = "CNFPT · événement {event} · "
CANCELLED = "inscription.annulee"


def idempotency_key(registration, change: str) -> str:
    """The same for the same registration event, whatever the retries; a new one for each change."""
    name = f"{current_app.config['RTES_BASE_URL']}|{registration.id}|{registration.created_at:%Y%m%d%H%M%S%f}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{name}|{change}"))


def body(registration, change: str, key: str, *, personal: bool = True) -> dict:
    """The message; without ``personal``, the person's fields are null (their data was erased)."""
    event = registration.event
    fields = registration.plugin_fields or {}
    person = {
        "email": registration.email,
        "nom": registration.last_name,
        "prenom": registration.first_name,
        "organisation": registration.organisation,
        "fonction": registration.function,
        "collectivite_employeuse": fields.get("cnfpt_employer"),
        "categorie": fields.get("cnfpt_category"),
        "poste": fields.get("cnfpt_position"),
    }
    if not personal:
        person = dict.fromkeys(person)
    return {
        "type": change,
        "id": key,
        "date": clock.aware_utc(clock.now()).isoformat(),
        "session": {
            "code": session.code(event),
            "titre": event.title,
            "debut": clock.aware_utc(event.starts_at).isoformat(),
            "page": external_url("public.event", slug=event.slug),
        },
        "inscription": {"reference": registration.id, "statut": registration.status, **person},
    }


def forward(registration, change: str) -> None:
    """Queue ``change`` (``inscription.creee``, ``inscription.confirmee``, ``inscription.annulee``)
    of a registration to a CNFPT session, in the registration's transaction."""
    url = session.setting("RTES_CNFPT_URL")
    if not url:
        current_app.logger.warning(
            "cnfpt: RTES_CNFPT_URL is not set, registration %s not forwarded", registration.id
        )
        return
    key = idempotency_key(registration, change)
    subject = SUBJECT.format(event=registration.event_id) + f"inscription {registration.id} · {change}"
    outbox.enqueue_webhook(
        url,
        body(registration, change, key),
        idempotency_key=key,
        secret_setting=SECRET_SETTING,
        subject=subject,
        registration=registration,
        purpose=change,
        if_erased=body(registration, change, key, personal=False) if change == CANCELLED else None,
    )


def deliveries(event) -> list[OutboxMessage]:
    """The forwarding messages of ``event``, newest first."""
    prefix = SUBJECT.format(event=event.id)
    return db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.kind == outbox.WEBHOOK, OutboxMessage.subject.startswith(prefix, autoescape=True)
        )
        .order_by(OutboxMessage.id.desc())
    ).all()


def failed(event) -> list[OutboxMessage]:
    return [message for message in deliveries(event) if message.status == "failed"]
