"""Personal data honoured to the last queued message: erasure and opt-outs reach what is already in
the outbox; e-mails say they are automatic and offer a one-click opt-out where one exists."""

import json
import re

import pytest
from flask import template_rendered
from sqlalchemy import event, select

from rtes_events import accounts, clock, delivery, opt_outs, outbox, registrants, registrations
from rtes_events.extensions import db
from rtes_events.models import OutboxMessage, Registration

from .conftest import PASSWORD, csrf_token
from .webhook_server import Receiver

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server
SECRET = "cle du partenaire"


@pytest.fixture
def partner():
    server = Receiver(SECRET)
    server.start()
    yield server
    server.stop()


def announce(registration) -> None:
    outbox.queue_registration_email(registration, "replay_published")
    db.session.commit()


def test_every_e_mail_is_marked_automatic_and_announcements_offer_a_one_click_opt_out(
    make_event, make_registration, outbox_messages
):
    lea = make_registration(make_event(), email="lea@example.org")
    announce(lea)
    confirmation, announcement = outbox_messages()
    assert confirmation["Auto-Submitted"] == announcement["Auto-Submitted"] == "auto-generated"
    assert confirmation["List-Unsubscribe"] is None  # no opt-out from one's own registration e-mails
    link = opt_outs.link("lea@example.org")
    assert announcement["List-Unsubscribe"] == f"<{link}>"
    assert announcement["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in announcement.get_body(("plain",)).get_content()


def test_an_opt_out_stops_the_announcements_already_queued(
    app, make_event, make_registration, outbox_messages
):
    lea = make_registration(make_event(), email="lea@example.org")
    sam = make_registration(make_event(), email="sam@example.org")
    announce(lea)
    [first] = [m for m in outbox_messages() if m["Subject"].startswith("Replay")]
    opt_out_url = re.fullmatch(r"<http://rtes\.test(/\S+)>", first["List-Unsubscribe"])[1]

    later = make_registration(make_event(), email="lea@example.org")
    announce(later)  # queued before the opt-out below
    announce(sam)
    mail_client = app.test_client()  # no session, no form: what a mail client sends (RFC 8058)
    assert mail_client.post(opt_out_url).status_code == 400  # a plain POST still needs the form's token
    assert (
        mail_client.post(opt_out_url[:-3] + "abc", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    )
    assert not opt_outs.opted_out("lea@example.org")
    answer = mail_client.post(opt_out_url, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    assert opt_outs.opted_out("lea@example.org")

    sent = [m for m in outbox_messages() if m["Subject"].startswith("Replay")]
    assert [m["To"] for m in sent] == ["lea@example.org", "sam@example.org"]  # the first, then Sam's only
    dropped = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.registration_id == later.id, OutboxMessage.purpose == "replay_published"
        )
    )
    assert dropped.status == "dropped" and dropped.payload == "" and dropped.recipient == ""


def test_an_erased_registrant_gets_no_queued_message_and_partners_only_what_they_must_hear(
    app, make_event, make_registration, outbox_messages, partner
):
    app.config["PARTNER_SECRET"] = SECRET
    event = make_event()
    camille = make_registration(event, email="camille@example.org", last_name="Martin")
    other = make_registration(event, email="other@example.org", first_name="Sam", last_name="Durand")
    organiser = accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)

    def forward(registration, change: str, if_erased: bool) -> None:
        person = {"reference": registration.id, "email": registration.email, "type": change}
        outbox.enqueue_webhook(
            partner.url,
            person,
            idempotency_key=f"{registration.id}-{change}",
            secret_setting="PARTNER_SECRET",
            registration=registration,
            purpose=change,
            if_erased={**person, "email": None} if if_erased else None,
        )

    forward(camille, "inscrite", False)
    db.session.commit()
    outbox_messages()  # the confirmations and the first transmission are sent

    registrants.send_message(event, ["confirmed"], organiser, "Programme", "Voici le programme.")
    for registration in (camille, other):
        forward(registration, "creee", False)
        forward(registration, "annulee", True)
    db.session.commit()
    registrations.erase(camille)

    mails = outbox_messages()
    assert [(m["To"], m["Subject"]) for m in mails[2:]] == [("other@example.org", "Programme")]
    bodies = sorted(partner.delivered.values(), key=lambda b: (b["reference"], b["type"]))
    assert bodies == [
        {"reference": camille.id, "email": None, "type": "annulee"},  # the partner frees the place
        {"reference": camille.id, "email": "camille@example.org", "type": "inscrite"},  # sent before
        {"reference": other.id, "email": "other@example.org", "type": "annulee"},
        {"reference": other.id, "email": "other@example.org", "type": "creee"},
    ]
    kept = db.session.scalars(select(OutboxMessage)).all()
    text = " ".join(m.recipient + m.subject + m.payload for m in kept)
    assert "camille@example.org" not in text and "Martin" not in text
    first = next(m for m in kept if m.purpose == "inscrite")  # its trace stays, without the content
    assert (first.status, first.payload, first.recipient) == ("sent", "", partner.url)


def test_a_message_claimed_before_the_erasure_is_checked_again_when_sent(
    app, make_event, make_registration, outbox_messages
):
    """The worker's own check, as when an erasure commits between a worker's claim and its send."""
    camille = make_registration(make_event(), email="camille@example.org")
    outbox_messages()
    message = outbox.enqueue(
        "email", camille.email, "Programme", "…", registration=camille, purpose="organiser_message"
    )
    db.session.commit()
    db.session.execute(  # erased by another process that found the message already claimed
        Registration.__table__.update()
        .where(Registration.id == camille.id)
        .values(erased_at=clock.now(), email="efface")
    )
    db.session.commit()
    assert delivery.deliver(message.id) is False
    assert db.session.get(OutboxMessage, message.id).status == "dropped"
    assert json.dumps([m["To"] for m in outbox_messages(worker_pass=False)]) == '["camille@example.org"]'


def test_a_forgotten_password_costs_the_same_work_for_a_known_and_an_unknown_address(
    app, client, make_user, outbox_messages
):
    """Counted, not timed: the same SQL statements and the same templates for both addresses."""
    make_user("admin", email="connue@example.org")
    inactive = make_user("admin", email="inactive@example.org")
    accounts.set_active(inactive, False)
    db.session.commit()

    def work(address: str) -> tuple:
        token = csrf_token(client, "/mot-de-passe-oublie")
        statements, templates = [], []

        def executed(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        def rendered(sender, template, context, **extra):
            templates.append(template.name)

        event.listen(db.engine, "before_cursor_execute", executed)
        template_rendered.connect(rendered, app)
        try:
            answer = client.post("/mot-de-passe-oublie", data={"email": address, "csrf_token": token})
        finally:
            event.remove(db.engine, "before_cursor_execute", executed)
            template_rendered.disconnect(rendered, app)
        return answer.status_code, answer.headers["Location"], statements, templates

    known = work("connue@example.org")
    assert "mail/password_reset.txt" in known[3] and any("INSERT INTO outbox" in s for s in known[2])
    assert work("inconnue@example.org") == known
    assert work("inactive@example.org") == known
    [mail] = outbox_messages()
    assert mail["To"] == "connue@example.org"
    stored = " ".join(m.recipient + m.payload for m in db.session.scalars(select(OutboxMessage)))
    assert "inconnue@example.org" not in stored and "inactive@example.org" not in stored


def test_a_registrant_downloads_what_the_platform_holds_about_their_address(
    client, make_event, make_registration, outbox_messages
):
    first = make_registration(make_event(title="Commande publique"), email="lea@example.org")
    second = make_registration(
        make_event(title="Alimentation durable"), email="lea@example.org", plugin_fields={"poste": "DGS"}
    )
    registrations.cancel(second)
    make_registration(make_event(title="Autre personne"), email="sam@example.org")
    outbox_messages()  # sent
    announce(first)  # still queued
    manage = client.get(f"/inscription/{first.token}/")
    download = f"/inscription/{first.token}/donnees"
    assert f'href="{download}"' in manage.get_data(as_text=True) and "Télécharger mes données" in manage.text

    response = client.get(download)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="mes-donnees-rtes.json"'
    assert response.headers["Cache-Control"] == "no-store"  # never kept by a cache
    data = response.json
    assert data["adresse"] == "lea@example.org"
    held = [(r["evenement"]["titre"], r["statut"]) for r in data["inscriptions"]]
    assert held == [("Commande publique", "Confirmée"), ("Alimentation durable", "Annulée")]
    assert data["inscriptions"][1]["champs_partenaires"] == {"poste": "DGS"}
    assert data["inscriptions"][0]["prenom"] == "Camille" and data["inscriptions"][0]["consentement_le"]
    assert data["agenda_personnel"]["existe"] is True  # the management page shows the feed's link
    assert [(m["objet"], m["statut"]) for m in data["messages"]] == [
        ("Inscription confirmée : Commande publique", "envoyé"),
        ("Inscription confirmée : Alimentation durable", "envoyé"),
        ("Inscription annulée : Alimentation durable", "envoyé"),
        ("Replay disponible : Commande publique", "en attente d'envoi"),
    ]
    assert "sam@example.org" not in response.text and "Autre personne" not in response.text
    assert client.get("/inscription/inconnu/donnees").status_code == 404
