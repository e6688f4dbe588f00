"""The outbox's ``webhook`` kind: signed POSTs to a partner, retried while it is down, stopped by a 4xx."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from rtes_events import clock, delivery, outbox
from rtes_events.extensions import db
from rtes_events.models import OutboxMessage

from .webhook_server import Receiver

SECRET = "secret de test"


@pytest.fixture
def receiver(app):
    app.config["RTES_TEST_SECRET"] = SECRET
    server = Receiver(SECRET)
    server.start()
    yield server
    server.stop()


def queue(receiver, key: str = "cle-1") -> int:
    message = outbox.enqueue_webhook(
        receiver.url, {"type": "essai", "n": 1}, idempotency_key=key, secret_setting="RTES_TEST_SECRET"
    )
    db.session.commit()
    return message.id


def later() -> None:
    """Time passes: every message waiting for a retry is due."""
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")):
        message.next_attempt_at = clock.now() - timedelta(seconds=1)
    db.session.commit()


def test_a_webhook_is_posted_signed_with_its_idempotency_key(receiver):
    message_id = queue(receiver)
    assert delivery.deliver_due() == (1, 0)
    [request] = receiver.requests
    assert request == {"key": "cle-1", "valid": True, "body": {"type": "essai", "n": 1}}
    assert db.session.get(OutboxMessage, message_id).status == "sent"


def test_signature_is_the_hmac_of_the_raw_body():
    import hashlib
    import hmac

    expected = hmac.new(b"k", b'{"a": 1}', hashlib.sha256).hexdigest()
    assert delivery.sign(b'{"a": 1}', "k") == f"sha256={expected}"


def test_down_or_5xx_is_retried_with_the_same_request(receiver):
    message_id = queue(receiver)
    receiver.stop()
    assert delivery.deliver_due() == (0, 1)
    message = db.session.get(OutboxMessage, message_id)
    assert message.status == "pending" and message.next_attempt_at > clock.now()
    assert delivery.deliver_due() == (0, 0)  # not due yet: backoff
    receiver.start()
    receiver.answer = 503
    later()
    assert delivery.deliver_due() == (0, 1)
    receiver.answer = 200
    later()
    assert delivery.deliver_due() == (1, 0)
    assert [r["key"] for r in receiver.requests] == ["cle-1", "cle-1"]
    assert list(receiver.delivered) == ["cle-1"]


def test_a_4xx_stops_retrying_and_keeps_the_answer(receiver):
    message_id = queue(receiver)
    receiver.answer = 422
    assert delivery.deliver_due() == (0, 1)
    message = db.session.get(OutboxMessage, message_id)
    assert message.status == "failed" and "HTTP 422" in message.last_error
    assert "code de session inconnu" in message.last_error
    receiver.answer = 200
    later()
    assert delivery.deliver_due() == (0, 0)
    outbox.retry(message)
    db.session.commit()
    assert delivery.deliver_due() == (1, 0)


def test_429_is_retried(receiver):
    message_id = queue(receiver)
    receiver.answer = 429
    delivery.deliver_due()
    assert db.session.get(OutboxMessage, message_id).status == "pending"


def test_without_its_secret_a_webhook_waits(app, receiver):
    app.config["RTES_TEST_SECRET"] = ""
    message_id = queue(receiver)
    assert delivery.deliver_due() == (0, 1)
    assert receiver.requests == []
    assert "RTES_TEST_SECRET" in db.session.get(OutboxMessage, message_id).last_error
