"""Reminders before an event: scheduled by the worker with a moving clock, each sent once (two workers
at once too), never where they are not wanted; the stop link (RFC 8058); the organisers' day-before
e-mail; real SMTP delivery."""

import html
import os
import re
import subprocess
import sys
import threading
import time as timer
from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select, text

from rtes_events import clock, questions, registrations, reminders, worker
from rtes_events.config import from_environment, reminder_offsets
from rtes_events.extensions import db
from rtes_events.models import AuditEntry, ReminderSent

from .conftest import OTHER_CLUB, OWN_CLUB, csrf_token, login

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server

ONLINE_URL = "https://visio.example.org/salle-rtes"


class MovingClock:
    """``clock.now`` for the whole process (the worker threads too), moved by the test."""

    def __init__(self):
        self.now = clock.now()

    def at(self, moment):
        self.now = moment
        return self


@pytest.fixture
def moving_clock(monkeypatch):
    moving = MovingClock()
    monkeypatch.setattr(clock, "now", lambda: moving.now)
    return moving


@pytest.fixture
def start():
    """An event's start, ten days ahead at 14 h Paris time."""
    return clock.to_utc(clock.local_today() + timedelta(days=10), time(14))


@pytest.fixture
def webinar(make_event, start):
    return make_event(starts_at=start, ends_at=start + timedelta(hours=2), online_url=ONLINE_URL)


@pytest.fixture
def worker_pass(app):
    """What one pass of ``rtes-events worker`` does: queue the reminders due, send what is due."""
    return worker.one_pass


@pytest.fixture
def reminders_sent(outbox_messages):
    """The reminder e-mails written so far (no worker pass here), as (recipient, message)."""

    def read():
        return [
            (message["To"], message)
            for message in outbox_messages(worker_pass=False)
            if message["Subject"].startswith("Rappel")
        ]

    return read


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_an_online_event_gets_its_three_default_reminders_each_once(
    moving_clock, webinar, start, make_registration, worker_pass, reminders_sent
):
    camille = make_registration(webinar)
    worker_pass()
    assert reminders_sent() == []
    seen = []
    for offset, word in (
        (timedelta(days=7), "le "),
        (timedelta(days=1), "demain"),
        (timedelta(hours=1), "aujourd'hui"),
    ):
        for late in (timedelta(seconds=1), timedelta(minutes=30)):  # passes after its time: once
            moving_clock.at(start - offset + late)
            worker_pass()
        found = reminders_sent()
        assert len(found) == len(seen) + 1
        recipient, message = found[-1]
        seen.append(message)
        assert recipient == camille.email
        assert message["Subject"].startswith(f"Rappel : {webinar.title} {word}")
        assert message["Subject"].endswith("à 14 h")
        body = text_of(message)
        assert f"http://rtes.test/inscription/{camille.token}/" in body
        attachments = [
            part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"
        ]
        assert len(attachments) == 1 and webinar.uid in attachments[0].get_content()
        assert message["List-Unsubscribe"].strip().startswith("<http://rtes.test/inscription/rappels/")
        assert message["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    # The connection link is in the last one (1 hour before) only.
    assert [ONLINE_URL in text_of(message) for message in seen] == [False, False, True]
    assert ONLINE_URL in seen[-1].get_body(("html",)).get_content()
    moving_clock.at(start + timedelta(minutes=1))
    worker_pass()
    assert len(reminders_sent()) == 3


def test_onsite_events_get_no_reminder_under_a_day(
    moving_clock, make_event, start, make_registration, worker_pass, reminders_sent
):
    event = make_event(starts_at=start, ends_at=start + timedelta(hours=3), mode="onsite", city="Lyon")
    make_registration(event)
    for offset in (timedelta(days=7), timedelta(days=1), timedelta(hours=1), timedelta(minutes=5)):
        moving_clock.at(start - offset)
        worker_pass()
    subjects = [message["Subject"] for _, message in reminders_sent()]
    assert len(subjects) == 2 and " le " in subjects[0] and "demain à 14 h" in subjects[1]


def test_a_worker_back_after_a_stop_sends_only_the_latest_reminder_due(
    moving_clock, webinar, start, make_registration, worker_pass, reminders_sent
):
    make_registration(webinar)
    moving_clock.at(start - timedelta(hours=20))  # the 7-day and 1-day times both passed unseen
    worker_pass()
    [(_, message)] = reminders_sent()
    assert "demain" in message["Subject"] or "aujourd'hui" in message["Subject"]
    moving_clock.at(start - timedelta(hours=19))
    worker_pass()
    assert len(reminders_sent()) == 1


def test_no_reminder_for_cancelled_or_erased_registrations_nor_for_cancelled_postponed_or_draft_events(
    moving_clock, make_event, webinar, start, make_registration, worker_pass, reminders_sent
):
    cancelled = registrations.cancel(make_registration(webinar, email="annule@example.org"))
    erased = make_registration(webinar, email="efface@example.org")
    registrations.erase(erased)
    kept = make_registration(webinar, email="garde@example.org")
    others = {
        status: make_event(starts_at=start, ends_at=start + timedelta(hours=2))
        for status in ("cancelled", "postponed", "draft")
    }
    for status, event in others.items():
        make_registration(event, email=f"{status}@example.org")
        event.status = status
    db.session.commit()
    moving_clock.at(start - timedelta(days=1))
    worker_pass()
    assert [recipient for recipient, _ in reminders_sent()] == [kept.email]
    assert cancelled.status == "cancelled"


def test_a_reminder_queued_then_cancelled_is_dropped(
    moving_clock, webinar, start, make_registration, reminders_sent
):
    registration = make_registration(webinar)
    moving_clock.at(start - timedelta(days=1))
    assert reminders.queue_due() == 1
    registrations.cancel(registration)
    worker.delivery.deliver_due()
    assert reminders_sent() == []


def test_a_late_registration_skips_the_reminders_whose_time_had_passed(
    moving_clock, make_event, make_registration, worker_pass, reminders_sent
):
    soon = clock.now() + timedelta(hours=23)  # its 7-day and 1-day reminders' times have passed
    event = make_event(starts_at=soon, ends_at=soon + timedelta(hours=1), online_url=ONLINE_URL)
    make_registration(event)
    worker_pass()
    moving_clock.at(soon - timedelta(hours=2))
    worker_pass()
    assert reminders_sent() == []
    moving_clock.at(soon - timedelta(minutes=59))
    worker_pass()
    [(_, message)] = reminders_sent()
    assert ONLINE_URL in text_of(message)


def test_a_moved_event_reschedules_the_reminders_still_ahead(
    moving_clock, webinar, start, make_registration, worker_pass, reminders_sent
):
    make_registration(webinar)
    moving_clock.at(start - timedelta(days=7))
    worker_pass()
    assert len(reminders_sent()) == 1
    later = start + timedelta(days=14)  # moved two weeks later, after the 7-day reminder
    webinar.starts_at, webinar.ends_at = later, later + timedelta(hours=2)
    db.session.commit()
    moving_clock.at(start - timedelta(days=1))  # the old 1-day time: nothing
    worker_pass()
    assert len(reminders_sent()) == 1
    moving_clock.at(later - timedelta(days=7))  # the new 7-day time: again, for the new date
    worker_pass()
    moving_clock.at(later - timedelta(days=1))
    worker_pass()
    subjects = [message["Subject"] for _, message in reminders_sent()]
    assert len(subjects) == 3 and "demain à 14 h" in subjects[-1]
    # Moved one hour earlier after the 1-day reminder: that reminder is not sent again.
    earlier = later - timedelta(hours=1)
    webinar.starts_at, webinar.ends_at = earlier, earlier + timedelta(hours=2)
    db.session.commit()
    moving_clock.at(later - timedelta(hours=23))
    worker_pass()
    assert len(reminders_sent()) == 3
    moving_clock.at(earlier - timedelta(minutes=50))  # the 1-hour one, for the new time
    worker_pass()
    assert len(reminders_sent()) == 4 and "à 13 h" in reminders_sent()[-1][1]["Subject"]


def test_an_event_s_own_reminders_replace_the_network_s(
    moving_clock, make_event, start, make_registration, worker_pass, reminders_sent
):
    silent = make_event(starts_at=start, ends_at=start + timedelta(hours=2), reminders="")
    own = make_event(starts_at=start, ends_at=start + timedelta(hours=2), reminders="3d,30min")
    garbled = make_event(starts_at=start, ends_at=start + timedelta(hours=2), reminders="bientôt")
    make_registration(silent, email="silence@example.org")
    make_registration(own, email="propre@example.org")
    make_registration(garbled, email="reseau@example.org")  # unreadable: the network's, not none
    for moment in (
        start - timedelta(days=7),
        start - timedelta(days=3),
        start - timedelta(days=1),
        start - timedelta(hours=1),
        start - timedelta(minutes=30),
    ):
        moving_clock.at(moment)
        worker_pass()
    sent = [
        (recipient, message) for recipient, message in reminders_sent() if recipient == "propre@example.org"
    ]
    assert len(sent) == 2
    assert [ONLINE_URL in text_of(message) for _, message in sent] == [False, False]  # no link set
    assert sorted({recipient for recipient, _ in reminders_sent()}) == [
        "propre@example.org",
        "reseau@example.org",
    ]
    assert len(reminders_sent()) == 2 + 3


def test_the_network_s_reminders_come_from_the_setting(
    moving_clock, app, webinar, start, make_registration, worker_pass, reminders_sent
):
    app.config["RTES_REMINDERS"] = "2d"
    make_registration(webinar)
    for offset in (timedelta(days=7), timedelta(days=2), timedelta(days=1), timedelta(hours=1)):
        moving_clock.at(start - offset)
        worker_pass()
    assert len(reminders_sent()) == 1


def without_unique_key() -> None:
    """The control case: ``reminders_sent`` without its unique key (rebuilt, on either database)."""
    identity = "SERIAL" if db.engine.dialect.name == "postgresql" else "INTEGER"
    db.session.execute(text("DROP TABLE reminders_sent"))
    db.session.execute(
        text(
            f"CREATE TABLE reminders_sent (id {identity} PRIMARY KEY, registration_id INTEGER NOT NULL, "
            "offset_minutes INTEGER NOT NULL, starts_at TIMESTAMP NOT NULL, sent_at TIMESTAMP NOT NULL)"
        )
    )
    db.session.commit()


@pytest.mark.parametrize("unique_key", [True, False], ids=["unique-key", "control-without-it"])
def test_two_workers_at_once_send_each_reminder_once(
    moving_clock, app, webinar, start, make_registration, reminders_sent, monkeypatch, unique_key
):
    """Two workers (threads, each its own database connection) choose whom to remind at the same
    moment; the unique key makes one of them record each reminder. The control case drops the key
    and shows the race is real: every reminder then goes twice."""
    people = [make_registration(webinar, email=f"personne{n}@example.org") for n in range(12)]
    if not unique_key:
        without_unique_key()
    monkeypatch.setattr(worker, "REMINDER_CHECK_SECONDS", 0.0)  # both look for reminders on every pass
    barrier, seen, choose = threading.Barrier(2, timeout=30), threading.local(), reminders._candidates

    def choose_together(event, offset):
        chosen = choose(event, offset)
        if not getattr(seen, "met", False):  # each worker's first choice waits for the other's
            seen.met = True
            barrier.wait()
        return chosen

    monkeypatch.setattr(reminders, "_candidates", choose_together)
    moving_clock.at(start - timedelta(days=1))
    stop = threading.Event()

    def run():
        with app.app_context():
            worker.run(0.01, stop)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    expected = len(people) * (1 if unique_key else 2)
    deadline = timer.monotonic() + 30
    while len(reminders_sent()) < expected and timer.monotonic() < deadline:
        timer.sleep(0.05)
    timer.sleep(0.3)  # both keep passing: nothing more
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert not barrier.broken
    sent = sorted(recipient for recipient, _ in reminders_sent())
    assert sent == sorted(p.email for p in people for _ in range(1 if unique_key else 2))
    assert db.session.scalar(select(func.count()).select_from(ReminderSent)) == expected


def test_reminder_offsets_are_read_with_french_errors(tmp_path, monkeypatch):
    assert reminder_offsets("7d,1d,1h") == (7 * 24 * 60, 24 * 60, 60)
    assert reminder_offsets(" 1h ; 3j, 30min ") == (3 * 24 * 60, 60, 30)
    assert reminder_offsets("aucun") == reminder_offsets("") == ()
    for wrong in ("7", "1 semaine", "0h", "1.5h", "-1d", "90d"):
        with pytest.raises(ValueError, match="RTES_REMINDERS :"):
            reminder_offsets(wrong)
    monkeypatch.setenv("RTES_REMINDERS", "7d,demain")
    with pytest.raises(ValueError, match="« demain » n'est pas un délai de rappel"):
        from_environment(tmp_path)
    monkeypatch.setenv("RTES_REMINDERS", "2d,2h")
    assert from_environment(tmp_path)["RTES_REMINDERS"] == "2d,2h"


def stop_link(message) -> str:
    """The path of the stop link the ``List-Unsubscribe`` header gives."""
    return urlsplit(message["List-Unsubscribe"].strip().strip("<>")).path


def test_the_stop_link_asks_then_stops_the_reminders_of_that_registration(
    moving_clock, client, webinar, start, make_registration, worker_pass, reminders_sent
):
    camille = make_registration(webinar)
    other = make_registration(webinar, email="autre@example.org")
    moving_clock.at(start - timedelta(days=7))
    worker_pass()
    message = dict(reminders_sent())[camille.email]
    path = stop_link(message)
    assert f"http://rtes.test{path}" in text_of(message)
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Ne plus recevoir de rappel" in page.get_data(as_text=True)
    assert client.post(path).status_code == 400  # the page's form needs its CSRF token
    answer = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert answer.status_code == 303
    assert "Vous ne recevez plus de rappel" in client.get(answer.location).get_data(as_text=True)
    moving_clock.at(start - timedelta(days=1))
    worker_pass()
    assert [recipient for recipient, _ in reminders_sent()] == [camille.email, other.email, other.email]
    assert registrations.by_token(camille.token).status == "confirmed"  # still registered
    # Changed her mind: the reminders still ahead come again.
    answer = client.post(path, data={"action": "reprendre", "csrf_token": csrf_token(client, path)})
    assert answer.status_code == 303
    assert "les rappels de cette inscription reprennent" in client.get(answer.location).get_data(as_text=True)
    moving_clock.at(start - timedelta(hours=1))
    worker_pass()
    assert [recipient for recipient, _ in reminders_sent()][3:] == [camille.email, other.email]


def test_the_one_click_post_of_rfc_8058_stops_them_without_a_session(
    moving_clock, app, webinar, start, make_registration, worker_pass, reminders_sent
):
    make_registration(webinar)
    moving_clock.at(start - timedelta(days=7))
    worker_pass()
    [(_, message)] = reminders_sent()
    path = stop_link(message)
    mail_client = app.test_client()  # no cookie, no form: what a mail client sends
    tampered = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    assert mail_client.post(tampered, data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert mail_client.get(tampered).status_code == 404
    answer = mail_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert "Vous ne recevez plus de rappel" in answer.get_data(as_text=True)
    moving_clock.at(start - timedelta(days=1))
    assert reminders.queue_due() == 0


def test_a_reminder_queued_before_a_stop_is_not_sent(
    moving_clock, app, webinar, start, make_registration, reminders_sent
):
    registration = make_registration(webinar)
    moving_clock.at(start - timedelta(days=1))
    assert reminders.queue_due() == 1
    reminders.stop(registration)
    worker.delivery.deliver_due()
    assert reminders_sent() == []


def test_the_organisers_get_the_count_and_the_sign_in_sheet_the_day_before(
    moving_clock, client, clubs, make_event, make_user, start, make_registration, worker_pass, outbox_messages
):
    session = make_event(
        kind="club", club=clubs[OWN_CLUB], starts_at=start, ends_at=start + timedelta(hours=3), mode="onsite"
    )
    webinar = make_event(starts_at=start, ends_at=start + timedelta(hours=2))  # no co-organiser: the admins
    own = make_user("coorganiser", clubs=(OWN_CLUB,))
    cress = make_user("coorganiser", partner="cress-idf")  # co-organises the club
    make_user("coorganiser", clubs=(OTHER_CLUB,))
    admin = make_user("admin")
    [lunch] = questions.add_preset(session, "dejeuner")
    db.session.commit()
    for n in range(3):
        make_registration(session, email=f"personne{n}@example.org", answers={lunch.id: n < 2})
    registrations.cancel(make_registration(session, email="annule@example.org"))

    def told():
        return [m for m in outbox_messages(worker_pass=False) if m["Subject"].startswith("Demain à 14 h")]

    moving_clock.at(start - timedelta(days=1, minutes=1))
    worker_pass()
    assert told() == []
    for minutes in (1, 30):
        moving_clock.at(start - timedelta(days=1) + timedelta(minutes=minutes))
        worker_pass()
    by_recipient = {message["To"]: message for message in told()}
    assert sorted(by_recipient) == sorted([own.email, cress.email, admin.email])
    assert webinar.title in by_recipient[admin.email]["Subject"]
    message = by_recipient[own.email]
    assert message["Subject"] == f"Demain à 14 h : {session.title} — 3 inscrit·es"
    body = text_of(message)
    assert "Inscriptions confirmées : 3" in body
    assert "Réponses aux questions : 2 déjeuners" in body  # the organisers' questions, counted
    sheet = f"/espace/evenements/{session.id}/emargement"
    assert f"http://rtes.test{sheet}" in body
    for page in ("accueil", "badges.pdf"):  # the check-in page and the badges
        assert f"http://rtes.test/espace/evenements/{session.id}/{page}" in body
    login(client, own)
    assert client.get(sheet).status_code == 200


def test_a_reminder_goes_once_through_a_real_smtp_server(
    moving_clock, app, smtp_server, webinar, start, make_registration, worker_pass
):
    app.config["RTES_MAIL_URL"] = smtp_server.url
    camille = make_registration(webinar)
    moving_clock.at(start - timedelta(hours=1))
    worker_pass()
    worker_pass()
    found = [(to, m) for _, to, m in smtp_server.messages if m["Subject"].startswith("Rappel")]
    assert [to for to, _ in found] == [[camille.email]]
    message = found[0][1]
    assert message["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    assert ONLINE_URL in text_of(message)
    assert any(part.get_content_type() == "text/calendar" for part in message.iter_attachments())


def test_an_organiser_sets_an_event_s_reminders_in_the_workspace(client, make_user, webinar):
    admin = make_user("admin")
    login(client, admin)
    url = f"/espace/evenements/{webinar.id}/modifier"
    form = html.unescape(client.get(url).get_data(as_text=True))
    assert "Rappels aux inscrit·es" in form and "Ceux du réseau : 7 jours, 1 jour et 1 heure avant" in form
    fields = {
        "kind": "webinaire",
        "club": "",
        "title": webinar.title,
        "date": webinar.local_start.date().isoformat(),
        "start_time": "14:00",
        "end_time": "16:00",
        "mode": "online",
        "online_url": ONLINE_URL,
        "audience": "all",
        "waitlist": "y",
    }

    def save(**values):
        return client.post(url, data={**fields, **values, "csrf_token": csrf_token(client, url)})

    for values, message in (
        ({"reminders": "propres", "reminder_offsets": ""}, "Indiquez les délais des rappels personnalisés"),
        (
            {"reminders": "propres", "reminder_offsets": "2j, 1 semaine"},
            "« 1 semaine » n'est pas un délai de rappel",
        ),
        (
            {"reminders": "propres", "reminder_offsets": "1j, 2h", "mode": "onsite", "city": "Lyon"},
            "Les rappels à moins d'un jour sont réservés aux sessions en ligne ou hybrides",
        ),
        ({"reminders": "toujours"}, "Choisissez les rappels dans la liste."),
    ):
        answer = save(**values)
        assert answer.status_code == 400 and message in html.unescape(answer.get_data(as_text=True))
    db.session.expire_all()
    assert webinar.reminders is None
    answer = save(reminders="propres", reminder_offsets="2 j, 90min")
    assert answer.status_code == 303
    db.session.expire_all()
    assert webinar.reminders == "2d,90min"
    assert (
        "rappels"
        in db.session.scalars(select(AuditEntry.details).order_by(AuditEntry.id)).all()[-1]["modifications"]
    )
    form = client.get(url).get_data(as_text=True)
    assert 'value="2d,90min"' in form and re.search(
        r'checked[^>]*value="propres"|value="propres"[^>]*checked', form
    )
    assert save(reminders="aucun", reminder_offsets="2d,90min").status_code == 303
    db.session.expire_all()
    assert webinar.reminders == ""
    assert save(reminders="reseau").status_code == 303
    db.session.expire_all()
    assert webinar.reminders is None


def test_the_demo_s_example_gets_its_day_before_reminder_once_and_not_the_cancelled(
    app, worker_pass, reminders_sent
):
    from rtes_events.demo.loader import load_demo

    load_demo()
    load_demo()  # run again: nobody registered twice, nothing sent twice
    worker_pass()
    worker_pass()
    [(recipient, message)] = reminders_sent()
    assert recipient == "alix.durand@example.org"
    assert message["Subject"].startswith("Rappel : Exemple — Webinaire à venir")


def test_rtes_events_worker_once_queues_and_sends_the_reminders_due(
    moving_clock, runner, webinar, start, make_registration, reminders_sent
):
    make_registration(webinar)
    moving_clock.at(start - timedelta(days=1))
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert len(reminders_sent()) == 1


def test_two_worker_processes_on_the_real_clock_send_each_reminder_once(
    app, database_url, make_event, make_registration, reminders_sent
):
    """``rtes-events worker`` twice, as separate processes on this database: an event 23 hours
    ahead, registrations made two days before (one cancelled since)."""
    soon = clock.now() + timedelta(hours=23)
    event = make_event(starts_at=soon, ends_at=soon + timedelta(hours=1), online_url=ONLINE_URL)
    people = [make_registration(event, email=f"personne{n}@example.org") for n in range(5)]
    for registration in people:
        registration.created_at = clock.now() - timedelta(days=2)
    db.session.commit()
    registrations.cancel(people.pop())
    env = {key: value for key, value in os.environ.items() if not key.startswith("RTES_")}
    env.update(
        RTES_DATABASE_URL=database_url,
        RTES_INSTANCE_PATH=app.instance_path,
        RTES_SECRET_KEY=app.config["SECRET_KEY"],
        RTES_BASE_URL="http://rtes.test",
        RTES_PLUGINS="none",
    )
    command = [sys.executable, "-m", "flask", "--app", "rtes_events", "worker", "--interval", "0.1"]
    workers = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
        for _ in range(2)
    ]
    try:
        deadline = timer.monotonic() + 60
        while len(reminders_sent()) < len(people) and timer.monotonic() < deadline:
            timer.sleep(0.1)
        timer.sleep(1)  # both keep passing: nothing more
    finally:
        for process in workers:
            process.terminate()
        errors = [process.communicate(timeout=30)[1].decode() for process in workers]
    sent = sorted(recipient for recipient, _ in reminders_sent())
    assert sent == sorted(p.email for p in people), errors
    assert "demain" in reminders_sent()[0][1]["Subject"] or "aujourd'hui" in reminders_sent()[0][1]["Subject"]


def test_a_long_french_subject_keeps_every_space(
    moving_clock, make_event, start, make_registration, worker_pass, reminders_sent
):
    title = "Webinaire : la commande publique responsable au service de l'économie sociale et solidaire"
    event = make_event(title=title, starts_at=start, ends_at=start + timedelta(hours=2))
    make_registration(event)
    moving_clock.at(start - timedelta(days=1))
    worker_pass()
    [(_, message)] = reminders_sent()
    assert message["Subject"] == f"Rappel : {title} demain à 14 h"
