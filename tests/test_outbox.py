"""The durable outbox and the mail transports: file outbox, real SMTP, retries by the worker."""

from datetime import timedelta

from sqlalchemy import select

from rtes_events import clock, outbox
from rtes_events.extensions import db
from rtes_events.models import OutboxMessage, Registration

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server


def messages():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_file_transport_writes_one_eml_per_message(app, make_event, make_registration, outbox_messages):
    event = make_event(title="Webinaire « SCIC »")
    make_registration(event)
    [sent] = outbox_messages()
    assert sent["To"] == "camille.martin@example.org"
    assert sent["Subject"] == "Inscription confirmée : Webinaire « SCIC »"
    assert [m.status for m in messages()] == ["sent"]


def test_smtp_transport_delivers_to_a_real_server(app, make_event, make_registration, smtp_server):
    app.config["RTES_MAIL_URL"] = smtp_server.url
    event = make_event()
    make_registration(event)
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
    app, runner, make_event, make_registration, smtp_server
):
    app.config["RTES_MAIL_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    registration = make_registration(make_event())
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "confirmed"
    [message] = messages()
    assert (message.status, message.attempts) == ("pending", 1)
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
    assert len(smtp_server.messages) == 1
    db.session.expire_all()
    assert messages()[0].status == "sent"


def test_a_claimed_message_is_never_sent_twice(app, make_event, make_registration):
    app.config["RTES_MAIL_URL"] = "smtp://127.0.0.1:9"
    make_registration(make_event())
    [message] = messages()
    message.next_attempt_at = clock.now()
    message.claimed_at = clock.now()  # another worker holds it
    db.session.commit()
    assert outbox.deliver(message.id) is False
    assert messages()[0].attempts == 1


def test_a_message_fails_for_good_after_the_last_attempt(app, make_event, make_registration):
    app.config["RTES_MAIL_URL"] = "smtp://127.0.0.1:9"
    make_registration(make_event())
    [message] = messages()
    message.attempts = outbox.MAX_ATTEMPTS - 1
    message.next_attempt_at = clock.now()
    db.session.commit()
    assert outbox.deliver_due() == (0, 1)
    assert messages()[0].status == "failed"


def test_nothing_is_queued_when_the_transaction_rolls_back(app, make_event):
    event = make_event()
    outbox.enqueue("email", "x@example.org", "Sujet", "corps")
    db.session.rollback()
    outbox.deliver_queued()
    assert messages() == []
    assert event.id
