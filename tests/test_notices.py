"""Organisers told in time (``notices``): each registration, cancellation and move up from the waiting
list as it happens, in a daily digest, or not at all, only for the events whose registrants they may
see; the choice made on « Mon compte »."""

import threading
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from rtes_events import clock, notices, registrations
from rtes_events.extensions import db
from rtes_events.models import OutboxMessage, User

from .conftest import OTHER_CLUB, OWN_CLUB, csrf_token, login

BOTH_DATABASES = True  # the outbox and the digest's claim on SQLite and on a real PostgreSQL server


@pytest.fixture
def session(clubs, make_event):
    """A session of the own club with one place and a waiting list."""
    return make_event(kind="club", club=clubs[OWN_CLUB], mode="onsite", capacity=1, waitlist=True)


def told(make_user, mode, clubs=(OWN_CLUB,), role="coorganiser"):
    user = make_user(role, clubs=clubs if role == "coorganiser" else ())
    user.notifications = mode
    db.session.commit()
    return user


def by_recipient(outbox_messages, prefix=""):
    found = {}
    for message in outbox_messages():
        if message["Subject"].startswith(prefix):
            found.setdefault(message["To"], []).append(message)
    return found


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_each_change_is_told_at_once_to_the_organisers_who_chose_it_and_may_see_it(
    session, make_user, make_registration, outbox_messages
):
    own = told(make_user, "each")
    other = told(make_user, "each", clubs=(OTHER_CLUB,))  # not this club's: told nothing
    admin = told(make_user, "each", role="admin")
    told(make_user, "none")
    told(make_user, "digest")  # told tomorrow morning, not now
    first = make_registration(session)
    make_registration(session, email="dominique@example.org", first_name="Dominique")
    registrations.cancel(first)  # Dominique moves up
    sent = by_recipient(outbox_messages)
    organisers = {address: messages for address, messages in sent.items() if address.endswith("example.org")}
    organisers.pop(first.email), organisers.pop("dominique@example.org")
    assert sorted(organisers) == sorted([own.email, admin.email])
    assert other.email not in sent
    subjects = [message["Subject"] for message in sent[own.email]]
    assert subjects == [
        f"Nouvelle inscription : {session.title}",
        f"Nouvelle inscription en liste d'attente : {session.title}",
        f"Inscription annulée : {session.title}",
        f"Place libérée : inscription confirmée depuis la liste d'attente : {session.title}",
    ]
    assert "Camille Martin, Ville de Grenoble" in body(sent[own.email][0])
    assert f"/espace/evenements/{session.id}/inscrits" in body(sent[own.email][0])
    assert "http://rtes.test/espace/compte" in body(sent[own.email][0])


def test_a_notice_is_rendered_with_the_choice_as_it_is_when_sent(
    session, make_user, make_registration, deliver
):
    own = told(make_user, "each")
    make_registration(session)
    own.notifications = "none"  # changed before the worker's pass
    db.session.commit()
    deliver()
    [notice] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == notices.NOTICE)).all()
    assert notice.status == "dropped"


def at(monkeypatch, day, hour):
    moment = clock.to_utc(day, time(hour))
    monkeypatch.setattr(clock, "now", lambda: moment)
    return moment


def test_the_digest_goes_once_a_day_in_the_morning_with_what_changed_since_the_last(
    monkeypatch, session, make_user, make_registration, outbox_messages
):
    own = told(make_user, "digest")
    other = told(make_user, "digest", clubs=(OTHER_CLUB,))
    today = clock.local_today()
    at(monkeypatch, today, 6)
    camille = make_registration(session)
    camille.created_at = clock.now()  # the column's default reads the real clock
    db.session.commit()
    assert notices.queue_digests() == 0  # before the digest's hour
    at(monkeypatch, today, 9)
    assert notices.queue_digests() == 1  # only the own club's organiser has news
    assert notices.queue_digests() == 0  # never twice a day, whichever worker asks
    at(monkeypatch, today, 18)
    assert notices.queue_digests() == 0
    [digest] = by_recipient(outbox_messages, "Résumé")[own.email]
    assert digest["Subject"].startswith("Résumé des inscriptions : ")
    assert "- Nouvelle inscription : Camille Martin, Ville de Grenoble" in body(digest)
    at(monkeypatch, today + timedelta(days=1), 9)
    assert notices.queue_digests() == 0  # nothing changed since
    at(monkeypatch, today + timedelta(days=1), 12)
    registrations.cancel(camille)
    at(monkeypatch, today + timedelta(days=2), 8)
    assert notices.queue_digests() == 1
    found = by_recipient(outbox_messages, "Résumé")
    assert other.email not in found
    latest = body(found[own.email][-1])
    assert "- Inscription annulée : Camille Martin" in latest and "Nouvelle inscription" not in latest


def test_the_account_page_saves_a_choice_and_refuses_anything_else(client, clubs, make_user):
    own = make_user("coorganiser", clubs=(OWN_CLUB,))
    login(client, own)
    page = client.get("/espace/compte")
    assert page.status_code == 200 and "Un résumé quotidien" in page.get_data(as_text=True)
    token = csrf_token(client, "/espace/compte")
    for hostile in ("<b>each</b>", "each\x00", "x" * 10_000, "2026-02-30", "1" * 23, ""):
        answer = client.post("/espace/compte", data={"csrf_token": token, "notifications": hostile})
        assert answer.status_code == 400
        if "\x00" not in hostile:  # refused before any form (``security.refuse_nul_bytes``)
            assert "Choisissez quand être informé·e." in answer.get_data(as_text=True)
    assert client.post("/espace/compte", data={"notifications": "each"}).status_code == 400  # no CSRF token
    db.session.expire_all()
    assert db.session.get(User, own.id).notifications == "none"
    answer = client.post("/espace/compte", data={"csrf_token": token, "notifications": "digest"})
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, own.id).notifications == "digest"


def test_a_member_account_has_no_organisers_notices(client, make_user):
    member = make_user("member")
    login(client, member)
    assert client.get("/espace/compte").status_code == 403


def test_two_workers_at_the_same_instant_make_the_day_s_digest_once(
    app, monkeypatch, session, make_user, make_registration
):
    """Two workers (threads, each its own database connection) ask for the day's digest together."""
    told(make_user, "digest")
    registration = make_registration(session)
    registration.created_at = at(monkeypatch, clock.local_today(), 9) - timedelta(hours=1)
    db.session.commit()
    barrier, queued = threading.Barrier(2, timeout=30), []

    def run():
        with app.app_context():
            barrier.wait()
            queued.append(notices.queue_digests())
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(queued) == [0, 1]
    digests = select(OutboxMessage).where(OutboxMessage.purpose == notices.DIGEST)
    assert len(db.session.scalars(digests).all()) == 1
