"""Check-in at the door: the QR code (e-mail, page, ticket), scans once under concurrency and when
replayed, refusals that change nothing, people added at the door, opening and reopening."""

import io
import threading
import time
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from rtes_events import checkins, clock, delivery, outbox
from rtes_events.extensions import db
from rtes_events.models import AuditEntry, CheckIn, Event, OutboxMessage, Registration

from .conftest import csrf_token, login
from .test_manage_registrants import organiser, session  # noqa: F401 (fixtures)

BOTH_DATABASES = True  # the door runs under the event's lock: on SQLite and on a real PostgreSQL


@pytest.fixture
def today(session):  # noqa: F811
    """The on-site session of the organiser's club (three places), today, starting in an hour."""
    session.starts_at = clock.now() + timedelta(hours=1)
    session.ends_at = session.starts_at + timedelta(hours=3)
    db.session.commit()
    return session


def door(event) -> str:
    return f"/espace/evenements/{event.id}/accueil"


def scan(client, event, *scans):
    token = csrf_token(client, door(event))
    return client.post(
        door(event) + "/scans", json={"device": "test", "scans": list(scans)}, headers={"X-CSRFToken": token}
    )


def checkin_count(event) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).where(CheckIn.event_id == event.id))


def test_the_confirmation_email_page_and_ticket_carry_the_code(
    client, today, make_registration, outbox_messages
):
    registration = make_registration(today)
    message = outbox_messages()[-1]
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"]
    html = message.get_body(("html",)).get_content()
    assert f"cid:{images[0]['Content-ID'][1:-1]}" in html and registration.checkin_code in html
    assert registration.checkin_code in message.get_body(("plain",)).get_content()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(images[0].get_content())))
    assert [code.text for code in decoded] == [registration.checkin_code]

    page = client.get(f"/inscription/{registration.token}/").get_data(as_text=True)
    assert registration.checkin_code in page
    png = client.get(f"/inscription/{registration.token}/code-accueil.png")
    assert [c.text for c in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))] == [
        registration.checkin_code
    ]
    pdf = PdfReader(io.BytesIO(client.get(f"/inscription/{registration.token}/billet.pdf").data))
    text = pdf.pages[0].extract_text()
    assert len(pdf.pages) == 1 and registration.checkin_code in text and registration.full_name in text

    client.post(
        f"/inscription/{registration.token}/annuler",
        data={"csrf_token": csrf_token(client, f"/inscription/{registration.token}/")},
    )
    assert client.get(f"/inscription/{registration.token}/code-accueil.png").status_code == 404


def test_online_events_have_no_code(make_event, make_registration, outbox_messages):
    make_registration(make_event())
    assert not [part for part in outbox_messages()[-1].walk() if part.get_content_type() == "image/png"]


def slowed(find, calls: list):
    """``find`` followed by a pause (both devices look before either writes), each call kept."""

    def slow(*arguments):
        found = find(*arguments)
        calls.append(found)
        time.sleep(0.1)
        return found

    return slow


@pytest.mark.parametrize("lock", [True, False], ids=["locked", "database-guard"])
def test_two_devices_scanning_at_once_count_once(app, today, make_registration, monkeypatch, lock):
    """Under the event's lock the second device waits; without it (control case) both look at once
    and the database's unique (registration, day) refuses the second."""
    code, event_id = make_registration(today).checkin_code, today.id
    looks: list = []
    monkeypatch.setattr(checkins, "_existing", slowed(checkins._existing, looks))
    app.config["RTES_REGISTRATION_LOCK"] = lock
    barrier, results = threading.Barrier(2), []

    def one(device: str) -> None:
        with app.app_context():
            event = db.session.get(Event, event_id)
            barrier.wait()
            try:
                results.append(checkins.check_in(event, code=code, device=device).outcome)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["already", "present"]
    # Locked, the second device saw the first one's check-in; unlocked, both saw none and the
    # database refused the second, which then looked again: the race really happened.
    assert [found is None for found in looks] == ([True, False] if lock else [True, True, False])
    assert checkin_count(today) == 1
    assert db.session.get(Event, event_id).participants == 1


def test_an_offline_batch_replayed_changes_nothing(client, today, make_registration, organiser):  # noqa: F811
    first, second = make_registration(today), make_registration(today, email="b@example.org")
    batch = [
        {"scan_id": "s2", "code": second.checkin_code, "at": clock.aware_utc(clock.now()).isoformat()},
        {
            "scan_id": "s1",
            "code": first.checkin_code,
            "at": clock.aware_utc(clock.now() - timedelta(minutes=5)).isoformat(),
        },
        {"scan_id": "s3", "code": first.checkin_code, "at": clock.aware_utc(clock.now()).isoformat()},
    ]
    answer = scan(client, today, *batch).get_json()
    assert [r["outcome"] for r in answer["results"]] == ["present", "present", "already"]
    assert answer["results"][0]["scan_id"] == "s1"  # applied in scan order
    assert (answer["counts"]["present"], answer["counts"]["expected"]) == (2, 2)
    again = scan(client, today, *batch).get_json()
    assert [r["outcome"] for r in again["results"]] == ["present", "present", "already"]
    assert checkin_count(today) == 2
    assert (
        "Déjà enregistré·e" in again["results"][2]["message"]
        and "Alice Organisatrice" in again["results"][2]["message"]
    )


def test_forged_cancelled_other_event_and_waitlisted_codes(
    client,
    today,
    make_event,
    make_registration,
    organiser,  # noqa: F811
):
    other = make_registration(make_event(mode="onsite"))
    cancelled = make_registration(today, email="c@example.org")
    client.post(
        f"/inscription/{cancelled.token}/annuler",
        data={"csrf_token": csrf_token(client, f"/inscription/{cancelled.token}/")},
    )
    make_registration(today, email="d@example.org")
    make_registration(today, email="e@example.org")
    make_registration(today, email="g@example.org")
    waiting = make_registration(today, email="f@example.org")
    answers = scan(
        client,
        today,
        *[
            {"scan_id": f"x{n}", "code": code}
            for n, code in enumerate(
                ["forged-code-0000000000", other.checkin_code, cancelled.checkin_code, waiting.checkin_code]
            )
        ],
    ).get_json()
    assert [(r["outcome"], r["message"]) for r in answers["results"]] == [
        ("refused", checkins.UNKNOWN),
        ("refused", checkins.OTHER_EVENT),
        ("refused", checkins.CANCELLED),
        ("waitlisted", "En liste d'attente (position 1) : pas de place confirmée."),
    ]
    assert checkin_count(today) == 0
    assert scan(client, today, {"code": 3}).status_code == 400
    assert client.post(door(today) + "/scans", json={"scans": [{"code": "x"}]}).status_code == 400  # no CSRF


def test_the_plain_form_finds_by_name_walk_ins_count_and_attendance_follows(
    client,
    today,
    make_registration,
    organiser,  # noqa: F811
):
    camille = make_registration(today)
    token = csrf_token(client, door(today))
    page = client.post(door(today), data={"csrf_token": token, "action": "find", "q": "camil"})
    assert "Martin" in page.get_data(as_text=True)
    page = client.post(
        door(today), data={"csrf_token": token, "action": "person", "registration": camille.id}
    )
    assert "door-present" in page.get_data(as_text=True)
    page = client.post(door(today), data={"csrf_token": token, "action": "find", "q": camille.checkin_code})
    assert "door-already" in page.get_data(as_text=True)
    page = client.post(
        door(today),
        data={
            "csrf_token": token,
            "action": "walk_in",
            "first_name": "Dominique",
            "last_name": "Sans-Inscription",
            "organisation": "Ville de Lyon",
            "function": "elu",
        },
    )
    assert page.status_code == 200 and "door-present" in page.get_data(as_text=True)
    walk_in = db.session.scalar(select(Registration).where(Registration.walk_in.is_(True)))
    assert walk_in.status == "attended" and db.session.get(Event, today.id).participants == 2
    assert {e.action for e in db.session.scalars(select(AuditEntry))} >= {
        "registration.checked_in",
        "registration.walk_in",
    }
    attendance = client.get(f"/espace/evenements/{today.id}/presences")
    assert attendance.status_code == 200
    message = outbox.queue_registration_email(walk_in, "confirmed")  # e.g. a message to every registrant
    db.session.commit()
    delivery.deliver_due(10)
    assert db.session.get(OutboxMessage, message.id).status == "dropped"  # the walk-in has no address


def test_check_in_opens_at_midnight_closes_at_the_end_and_reopens(
    client,
    today,
    make_registration,
    organiser,  # noqa: F811
):
    registration = make_registration(today)
    today.starts_at, today.ends_at = clock.now() - timedelta(hours=3), clock.now() - timedelta(hours=1)
    db.session.commit()
    answer = scan(client, today, {"scan_id": "late", "code": registration.checkin_code}).get_json()
    assert answer["results"][0]["outcome"] == "refused" and "fermé" in answer["results"][0]["message"]
    token = csrf_token(client, door(today))
    client.post(door(today), data={"csrf_token": token, "action": "reopen"})
    answer = scan(client, today, {"scan_id": "late", "code": registration.checkin_code}).get_json()
    assert answer["results"][0]["outcome"] == "present"
    client.post(door(today), data={"csrf_token": token, "action": "close"})
    assert db.session.get(Event, today.id).checkin_reopened_until is None
    assert {"checkin.reopened", "checkin.closed"} <= {
        e.action for e in db.session.scalars(select(AuditEntry))
    }
    tomorrow = clock.to_utc(clock.local_today() + timedelta(days=1), None) + timedelta(hours=9)
    later = Event(
        **{c: getattr(today, c) for c in ("kind", "mode", "status")},
        slug="demain",
        title="Demain",
        starts_at=tomorrow,
        ends_at=tomorrow + timedelta(hours=2),
    )
    assert checkins.closed_reason(later).startswith("L'accueil ouvre le")


def test_other_organisers_cannot_reach_the_door(client, today, make_user):
    login(client, make_user("coorganiser", clubs=["club-ess-nouvelle-aquitaine"]))
    assert client.get(door(today)).status_code == 404
    token = csrf_token(client, "/espace/mot-de-passe")
    assert (
        client.post(
            door(today) + "/scans", json={"scans": [{"code": "x"}]}, headers={"X-CSRFToken": token}
        ).status_code
        == 404
    )


def test_the_attendance_page_searches_and_ticks_without_reloading(
    client,
    today,
    make_registration,
    organiser,  # noqa: F811
):
    camille = make_registration(today)
    make_registration(today, email="l@example.org", first_name="Léa", last_name="Durand")
    today.starts_at = clock.now() - timedelta(minutes=10)
    db.session.commit()
    page = f"/espace/evenements/{today.id}/presences"
    assert (
        scan(client, today, {"scan_id": "p", "code": camille.checkin_code}).get_json()["counts"]["present"]
        == 1
    )
    found = client.get(page, query_string={"q": "lea"}).get_data(as_text=True)
    assert "Durand" in found and "Martin" not in found
    token = csrf_token(client, page)
    answer = client.post(
        page,
        data={"csrf_token": token, "presence": "absent", "registration": camille.id},
        headers={"Accept": "application/json"},
    )
    assert answer.get_json()["status"] == "Absent·e" and answer.get_json()["counts"]["absent"] == 1
    assert checkin_count(today) == 0  # unticked: the door's check-in goes too


def test_a_multi_day_event_is_checked_in_per_day(today, make_registration, organiser):  # noqa: F811
    code = make_registration(today).checkin_code
    today.starts_at, today.ends_at = clock.now() - timedelta(days=1), clock.now() + timedelta(hours=2)
    db.session.commit()
    yesterday = clock.now() - timedelta(days=1) + timedelta(minutes=5)
    assert checkins.check_in(today, code=code, at=yesterday).outcome == "present"
    assert checkins.check_in(today, code=code).outcome == "present"
    assert checkins.check_in(today, code=code).outcome == "already"
    days = db.session.scalars(select(CheckIn.day).where(CheckIn.event_id == today.id).order_by(CheckIn.day))
    assert list(days) == [clock.local_today() - timedelta(days=1), clock.local_today()]
    assert db.session.get(Event, today.id).participants == 1


HOSTILE = ["<script>alert(1)</script>", "a\x00b", "x" * 10_000, "9" * 23, "2026-02-30", ""]


def test_hostile_scans_are_refused_in_french_and_change_nothing(client, today, organiser):  # noqa: F811
    scans = [{"code": value, "at": value, "scan_id": value} for value in HOSTILE]
    answers = scan(client, today, *scans).get_json()["results"]
    assert {answer["outcome"] for answer in answers} == {"refused"}
    assert {answer["message"] for answer in answers} == {checkins.UNKNOWN}
    invalid = scan(client, today, {"registration_id": int("9" * 23)})
    assert invalid.status_code == 400 and invalid.get_json()["error"] == "Identifiant d'inscription invalide."
    assert checkin_count(today) == 0


def test_counts_per_mode_and_atelier(client, today, make_registration, organiser):  # noqa: F811
    from datetime import time as clock_time

    from rtes_events.models import Slot

    ateliers = [
        Slot(event_id=today.id, starts=clock_time(14), ends=clock_time(15), title=title, choice="Ateliers")
        for title in ("Circuits courts", "Tiers-lieux")
    ]
    people = [make_registration(today, email=f"{n}@example.org") for n in range(3)]
    db.session.add_all(ateliers)
    today.mode = "hybrid"
    for person, mode, atelier in zip(people, ["onsite", "onsite", "remote"], [0, 1, 1], strict=True):
        person.mode, person.slots = mode, [ateliers[atelier]]
    db.session.commit()
    answer = scan(client, today, {"scan_id": "m", "code": people[1].checkin_code}).get_json()
    assert answer["results"][0]["ateliers"] == ["Tiers-lieux"]
    assert answer["counts"]["groups"] == [
        {"label": "Sur place", "present": 1, "expected": 2},
        {"label": "À distance", "present": 0, "expected": 1},
        {"label": "Atelier « Circuits courts »", "present": 0, "expected": 1},
        {"label": "Atelier « Tiers-lieux »", "present": 1, "expected": 2},
    ]
    assert "Atelier « Tiers-lieux » : 1 / 2" in client.get(door(today)).get_data(as_text=True)
