"""Registrations and cancellations of CNFPT sessions reach the CNFPT's endpoint (a real local
HTTP server) exactly once, signed, through the outbox and its worker."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from rtes_events import clock, delivery, registrations
from rtes_events.extensions import db
from rtes_events.models import OutboxMessage
from tests.conftest import csrf_token, login
from tests.webhook_server import Receiver

SECRET = "cle partagee avec le CNFPT"
CNFPT = {"cnfpt_employer": "Ville de Lyon", "cnfpt_category": "A", "cnfpt_position": "Directrice"}


@pytest.fixture
def cnfpt():
    server = Receiver(SECRET)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(app_factory, cnfpt):
    app = app_factory(RTES_PLUGINS="cnfpt", RTES_CNFPT_URL=cnfpt.url, RTES_CNFPT_SECRET=SECRET)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(make_event):
    return make_event(plugin_data={"cnfpt_code": "SX0042"}, capacity=2)


def register(make_registration, event, email):
    return make_registration(event, email=email, plugin_fields=CNFPT)


def worker_pass_later():
    """A worker pass once every retry is due (time passes)."""
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")):
        message.next_attempt_at = clock.now() - timedelta(seconds=1)
    db.session.commit()
    return delivery.deliver_due()


def test_endpoint_down_then_back_every_registration_arrives_once_signed(cnfpt, session, make_registration):
    cnfpt.stop()
    people = [register(make_registration, session, f"agent{n}@example.org") for n in range(3)]
    for _ in range(3):
        worker_pass_later()
    assert cnfpt.requests == []
    cnfpt.start()
    cnfpt.answer = 503  # back, but overloaded
    worker_pass_later()
    cnfpt.answer = 200
    worker_pass_later()
    worker_pass_later()
    assert all(request["valid"] for request in cnfpt.requests)
    delivered = list(cnfpt.delivered.values())
    assert sorted(body["inscription"]["email"] for body in delivered) == [p.email for p in people]
    assert len(cnfpt.requests) == 3 + 3  # the refused attempt of each was repeated with the same key
    first = next(b for b in delivered if b["inscription"]["email"] == "agent0@example.org")
    assert first["type"] == "inscription.creee" and first["session"]["code"] == "SX0042"
    assert first["inscription"]["statut"] == "confirmed" and first["inscription"]["categorie"] == "A"
    assert {b["inscription"]["statut"] for b in delivered} == {"confirmed", "waitlisted"}
    pending = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "webhook")).all()
    assert {m.status for m in pending} == {"sent"}


def test_a_cancellation_after_a_registration_and_the_promotion_it_gives(cnfpt, session, make_registration):
    first = register(make_registration, session, "a@example.org")
    register(make_registration, session, "b@example.org")
    register(make_registration, session, "c@example.org")  # waitlisted
    registrations.cancel(first)
    delivery.deliver_due()
    events = [(r["body"]["type"], r["body"]["inscription"]["email"]) for r in cnfpt.requests]
    assert events == [
        ("inscription.creee", "a@example.org"),
        ("inscription.creee", "b@example.org"),
        ("inscription.creee", "c@example.org"),
        ("inscription.annulee", "a@example.org"),
        ("inscription.confirmee", "c@example.org"),
    ]
    assert len(cnfpt.delivered) == 5  # five registration events, five keys


def test_a_4xx_stops_and_is_shown_to_the_organiser(client, cnfpt, session, make_registration, make_user):
    cnfpt.answer = 422
    register(make_registration, session, "a@example.org")
    assert delivery.deliver_due() == (1, 1)  # the confirmation e-mail; the refused forwarding
    assert worker_pass_later() == (0, 0)  # not retried
    assert len(cnfpt.requests) == 1
    login(client, make_user("admin"))
    workspace = client.get(f"/espace/evenements/{session.id}/").get_data(as_text=True)
    assert "à traiter : 1 transmission(s) refusée(s) par le CNFPT" in workspace
    page = client.get(f"/espace/cnfpt/evenements/{session.id}/").get_data(as_text=True)
    assert "Refusée" in page and "HTTP 422" in page and "code de session inconnu" in page
    [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "webhook")).all()
    cnfpt.answer = 200
    token = csrf_token(client, f"/espace/cnfpt/evenements/{session.id}/")
    url = f"/espace/cnfpt/evenements/{session.id}/transmissions/{message.id}/relancer"
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    assert delivery.deliver_due() == (1, 0)
    assert len(cnfpt.delivered) == 1


def test_other_events_are_not_forwarded(cnfpt, make_event, make_registration):
    make_registration(make_event())
    delivery.deliver_due()
    assert cnfpt.requests == []


def test_an_erasure_before_forwarding_sends_only_the_cancellation_without_personal_data(
    cnfpt, session, make_registration
):
    erased = register(make_registration, session, "agent@example.org")
    register(make_registration, session, "autre@example.org")
    registrations.erase(erased)  # before the worker's pass: its registration was never forwarded
    delivery.deliver_due()
    sent = [(r["body"]["type"], r["body"]["inscription"]) for r in cnfpt.requests]
    assert [(change, person["email"]) for change, person in sent] == [
        ("inscription.creee", "autre@example.org"),
        ("inscription.annulee", None),
    ]
    cancelled = sent[1][1]
    assert cancelled["reference"] == erased.id and cancelled["statut"] == "cancelled"
    assert {cancelled[k] for k in ("nom", "prenom", "organisation", "collectivite_employeuse", "poste")} == {
        None
    }
    payloads = " ".join(m.payload for m in db.session.scalars(select(OutboxMessage)))
    assert "agent@example.org" not in payloads and "Ville de Lyon" in payloads  # the other's is kept
