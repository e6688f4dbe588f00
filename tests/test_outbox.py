"""The durable outbox and the mail transports: file outbox, real SMTP, retries by the worker.

Requests only write outbox rows; ``deliver`` (a fixture) runs one pass of the worker.
"""

import socket
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from rtes_events import clock, delivery, outbox, registrations, rendering
from rtes_events.extensions import db
from rtes_events.models import OutboxMessage, Registration

from .conftest import PERSON, csrf_token, free_port

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server


def messages():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_file_transport_writes_one_eml_per_message(app, make_event, make_registration, outbox_messages):
    event = make_event(title="Webinaire « SCIC »")
    make_registration(event)
    assert outbox_messages(worker_pass=False) == []  # the request only wrote the outbox row
    assert [(m.kind, m.status) for m in messages()] == [("registration_email", "pending")]
    [sent] = outbox_messages()
    assert sent["To"] == "camille.martin@example.org"
    assert sent["Subject"] == "Inscription confirmée : Webinaire « SCIC »"
    assert [m.status for m in messages()] == ["sent"]


def test_smtp_transport_delivers_to_a_real_server(app, make_event, make_registration, smtp_server, deliver):
    app.config["RTES_MAIL_URL"] = smtp_server.url
    event = make_event()
    make_registration(event)
    assert smtp_server.messages == []
    assert deliver() == (1, 0)
    [(sender, recipients, message)] = smtp_server.messages
    assert sender == "ne-pas-repondre@rtes.fr"
    assert recipients == ["camille.martin@example.org"]
    assert message["Subject"] == f"Inscription confirmée : {event.title}"
    assert {part.get_content_type() for part in message.walk()} >= {
        "text/plain",
        "text/html",
        "text/calendar",
    }


def test_smtp_down_keeps_registration_and_message_then_the_worker_sends_it(
    app, runner, make_event, make_registration, smtp_server, deliver
):
    app.config["RTES_MAIL_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    registration = make_registration(make_event())
    assert deliver() == (0, 1)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "confirmed"
    [message] = messages()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.kind == "email"  # rendered at the first attempt, kept for the next ones
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > clock.now()

    app.config["RTES_MAIL_URL"] = smtp_server.url
    result = runner.invoke(args=["worker", "--once"])
    assert "0 envoyé(s)" in result.output  # not yet due
    message.next_attempt_at = clock.now() - timedelta(seconds=1)
    db.session.commit()
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 envoyé(s), 0 en échec" in result.output
    [(_, _, received)] = smtp_server.messages
    assert received["Message-ID"] in message.payload  # the very message rendered the first time
    db.session.expire_all()
    assert messages()[0].status == "sent"


def test_a_claimed_message_is_never_sent_twice(app, make_event, make_registration, outbox_messages):
    make_registration(make_event())
    [message] = messages()
    message.claimed_at = clock.now()  # another worker holds it
    db.session.commit()
    assert delivery.deliver(message.id) is False
    assert outbox_messages() == []
    assert messages()[0].attempts == 0


def test_a_message_fails_for_good_after_the_last_attempt(app, make_event, make_registration):
    app.config["RTES_MAIL_URL"] = "smtp://127.0.0.1:9"
    make_registration(make_event())
    [message] = messages()
    message.attempts = delivery.MAX_ATTEMPTS - 1
    message.next_attempt_at = clock.now()
    db.session.commit()
    assert delivery.deliver_due() == (0, 1)
    assert messages()[0].status == "failed"


def test_nothing_is_queued_when_the_transaction_rolls_back(app, make_event, deliver):
    event = make_event()
    outbox.enqueue("email", "x@example.org", "Sujet", "corps")
    db.session.rollback()
    assert deliver() == (0, 0)
    assert messages() == []
    assert event.id


def test_a_rendered_message_enqueued_by_other_code_is_sent_as_it_is(app, outbox_messages):
    outbox.enqueue("email", "x@example.org", "Sujet", "To: x@example.org\nSubject: Sujet\n\ncorps\n")
    db.session.commit()
    [sent] = outbox_messages()
    assert (sent["Subject"], sent.get_content().strip()) == ("Sujet", "corps")


def test_an_erased_registrant_is_sent_nothing_that_was_still_queued(
    app, make_event, make_registration, deliver
):
    registration = make_registration(make_event())
    registrations.erase(registration)  # its confirmation and cancellation were not sent yet
    assert {(m.status, m.recipient, m.payload) for m in messages()} == {("dropped", "", "")}
    assert deliver() == (0, 0)


def test_the_worker_never_sends_to_a_registration_erased_meanwhile(
    app, make_event, make_registration, deliver
):
    registration = make_registration(make_event())
    registration.erased_at = clock.now()  # as if erased by code that forgot the outbox
    db.session.commit()
    assert deliver() == (0, 1)
    assert [(m.status, m.recipient) for m in messages()] == [("dropped", "")]


def test_the_worker_renders_the_registration_as_it_is_when_sending(app, make_event, outbox_messages):
    event = make_event(capacity=1)
    first = registrations.register(event, PERSON).registration
    registrations.register(event, {**PERSON, "email": "suivant@example.org"})
    registrations.cancel(first)
    promoted = [m for m in outbox_messages() if m["To"] == "suivant@example.org"]
    assert [m["Subject"].split(" :")[0] for m in promoted] == [
        "Inscription en liste d'attente",
        "Une place s'est libérée, votre inscription est confirmée",
    ]


def test_a_mail_server_that_never_answers_delays_no_registration(app, client, make_event, deliver):
    """The server accepts the connection and stays silent: only the worker waits for it."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", free_port()))
    silent.listen()
    held = []
    threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
    app.config["RTES_MAIL_URL"] = f"smtp://127.0.0.1:{silent.getsockname()[1]}"
    event = make_event()
    url = f"/evenements/{event.slug}/inscription"
    form = {**PERSON, "consent": "y", "csrf_token": csrf_token(client, url)}
    started = time.perf_counter()
    response = client.post(url, data=form)
    elapsed = time.perf_counter() - started
    silent.close()
    assert response.status_code == 303
    assert "Inscription confirmée" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert elapsed < 1
    assert [m.status for m in messages()] == ["pending"]


def test_a_message_kind_without_a_renderer_fails_clearly_and_is_kept(app):
    outbox.enqueue_rendered("unheard_of", "equipe@rtes.fr", "Sans moteur")
    db.session.commit()
    assert delivery.deliver_due() == (0, 1)
    [message] = messages()
    assert message.status == "pending" and message.kind == "registration_email"
    assert "no renderer for the message kind 'unheard_of'" in message.last_error
    with pytest.raises(ValueError, match="already has a renderer"):
        rendering.renders("reminder")(lambda reference: None)
