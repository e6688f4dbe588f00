"""Choices at registration (slots « au choix » with their places) and hybrid events' on-site and remote
places: the registration service, the form, the registrant's page, e-mails, reminders and the
personal feed (the online link only for remote registrants)."""

import io
import re
from datetime import time, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from rtes_events import clock, indicators, registrations, reminders, worker
from rtes_events.extensions import db
from rtes_events.importer import InvalidImport, import_data
from rtes_events.models import AuditEntry, Event, Registration, Slot
from rtes_events.registrations import RegistrationRefused

from .conftest import PERSON, csrf_token, login

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server

LINK = "https://visio.example.org/rencontre-secrete"
FORM = {**PERSON, "consent": "y"}


@pytest.fixture
def rencontre(make_event):
    """A hybrid rencontre in Lyon, 2 places on site and 2 remote, with two ateliers « au choix »
    (1 and 10 places) and a plenary."""
    event = make_event(
        kind="rencontre",
        mode="hybrid",
        venue="Hôtel de région",
        city="Lyon",
        online_url=LINK,
        capacity_onsite=2,
        capacity_remote=2,
    )
    atelier = {"event_id": event.id, "starts": time(11), "ends": time(12), "kind": "atelier"}
    atelier["choice"] = "Ateliers du matin"
    slots = [
        Slot(event_id=event.id, starts=time(9), ends=time(10), title="Plénière d'ouverture", kind="pleniere"),
        Slot(title="Atelier commande publique", place="Salle A", capacity=1, **atelier),
        Slot(title="Atelier alimentation", place="Salle B", capacity=10, **atelier),
    ]
    db.session.add_all(slots)
    db.session.commit()
    return event


def ateliers(event) -> tuple[Slot, Slot]:
    small, large = (slot for slot in event.slots if slot.choice)
    return small, large


def register(event, email: str, mode: str = "onsite", slot: Slot | None = None) -> Registration:
    slots = [str(slot.id)] if slot is not None else [str(ateliers(event)[1].id)]
    data = {**PERSON, "email": email, "mode": mode, "slots": slots}
    return registrations.register(event, data).registration


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_each_mode_has_its_places_and_its_waiting_list_promoted_on_cancellation(rencontre):
    on_site = [register(rencontre, f"s{n}@example.org") for n in range(3)]
    remote = [register(rencontre, f"r{n}@example.org", "remote") for n in range(3)]
    assert [r.status for r in on_site] == ["confirmed", "confirmed", "waitlisted"]
    assert [r.status for r in remote] == ["confirmed", "confirmed", "waitlisted"]
    assert on_site[2].waitlist_position == remote[2].waitlist_position == 1  # one list per mode
    assert registrations.places_by_mode(rencontre) == {"onsite": 0, "remote": 0}

    registrations.cancel(remote[0])  # a remote place goes to the remote waiting list only
    db.session.expire_all()
    assert (remote[2].status, on_site[2].status) == ("confirmed", "waitlisted")
    assert registrations.places_by_mode(rencontre) == {"onsite": 0, "remote": 0}


def test_full_mode_without_waiting_list_is_refused_in_french(rencontre):
    rencontre.waitlist, rencontre.capacity_remote = False, 1
    db.session.commit()
    register(rencontre, "r1@example.org", "remote")
    with pytest.raises(RegistrationRefused, match="plus de place à distance"):
        register(rencontre, "r2@example.org", "remote")
    assert register(rencontre, "s1@example.org").status == "confirmed"


def test_a_slot_holds_its_places_and_a_cancellation_frees_one(rencontre):
    small, large = ateliers(rencontre)
    first = register(rencontre, "a@example.org", slot=small)
    assert first.slots == [small]
    assert registrations.slot_places_left(small) == 0
    assert registrations.slot_places_left(large) == 10
    with pytest.raises(RegistrationRefused, match="« Atelier commande publique » est complet"):
        register(rencontre, "b@example.org", slot=small)
    registrations.cancel(first)
    assert registrations.slot_places_left(small) == 1
    assert register(rencontre, "b@example.org", slot=small).slots == [small]


def test_a_group_must_be_chosen_while_it_has_room_and_only_once(rencontre):
    small, large = ateliers(rencontre)
    data = {**PERSON, "mode": "onsite"}
    with pytest.raises(RegistrationRefused, match="Choisissez un créneau pour « Ateliers du matin »"):
        registrations.register(rencontre, data)
    with pytest.raises(RegistrationRefused, match="un seul créneau"):
        registrations.register(rencontre, {**data, "slots": [small.id, large.id]})
    plenary = next(slot for slot in rencontre.slots if not slot.choice)
    with pytest.raises(RegistrationRefused, match="ne fait pas partie du programme"):
        registrations.register(rencontre, {**data, "slots": [plenary.id]})
    small.capacity = large.capacity = 0  # every atelier full: one registers without
    db.session.commit()
    assert registrations.register(rencontre, data).registration.slots == []


@pytest.mark.parametrize(
    "value",
    ["<b>1</b>", "1\x00", "x" * 10_000, "12345678901234567890123", "2026-02-30"],
)
def test_hostile_slot_ids_are_refused_in_french(rencontre, client, value):
    response = post_form(client, rencontre, choix_1=value)
    assert response.status_code == 400
    if "\x00" not in value:  # NUL: every form holding one is refused before reading it
        assert registrations.UNKNOWN_SLOT in response.get_data(as_text=True)
    with pytest.raises(RegistrationRefused, match="ne fait pas partie du programme"):
        registrations.register(rencontre, {**PERSON, "mode": "onsite", "slots": [value]})
    assert db.session.scalars(select(Registration)).all() == []


def test_a_slot_of_another_event_is_refused(rencontre, make_event, client):
    other = make_event()
    foreign = Slot(event_id=other.id, starts=time(9), ends=time(10), title="Ailleurs", choice="Ateliers")
    db.session.add(foreign)
    db.session.commit()
    response = post_form(client, rencontre, choix_1=str(foreign.id))
    assert response.status_code == 400
    assert "ne fait pas partie du programme" in response.get_data(as_text=True)
    with pytest.raises(RegistrationRefused, match="ne fait pas partie du programme"):
        register(rencontre, "x@example.org", slot=foreign)


@pytest.mark.parametrize("mode", ["", "<script>", "onsite\x00", "x" * 10_000])
def test_a_forged_or_missing_mode_is_refused_in_french(rencontre, client, mode):
    response = post_form(client, rencontre, mode=mode)
    assert response.status_code == 400
    if "\x00" not in mode:
        assert "Indiquez comment vous participez" in response.get_data(as_text=True)
    with pytest.raises(RegistrationRefused, match="Indiquez comment vous participez"):
        registrations.register(rencontre, {**PERSON, "mode": mode})


def test_an_event_that_is_not_hybrid_takes_no_mode(make_event):
    with pytest.raises(RegistrationRefused, match="une seule façon"):
        registrations.register(make_event(), {**PERSON, "mode": "remote"})


def form_url(event) -> str:
    return f"/evenements/{event.slug}/inscription"


def post_form(client, event, **changes):
    small, large = ateliers(event)
    data = {**FORM, "mode": "onsite", "choix_1": str(large.id), **changes}
    data["csrf_token"] = csrf_token(client, form_url(event))
    return client.post(form_url(event), data=data)


def manage_url(message) -> str:
    return re.search(r"http://rtes\.test(/inscription/[\w-]+/)", text_of(message))[1]


def test_the_form_asks_the_mode_and_the_atelier_and_a_full_one_cannot_be_picked(rencontre, client):
    small, large = ateliers(rencontre)
    register(rencontre, "a@example.org", slot=small)
    html = client.get(form_url(rencontre)).get_data(as_text=True)
    assert '<label for="mode-0">Sur place</label>' in html
    assert '<label for="mode-1">À distance</label>' in html
    assert "<legend>Ateliers du matin" in html
    assert re.search(rf'<input[^>]*disabled[^>]*value="{small.id}"', html)  # complet
    assert "11 h – 12 h, Salle A — complet" in html
    assert "11 h – 12 h, Salle B — 10 places restantes" in html
    assert "Places sur place</dt><dd>1 place restante" in html

    refused = post_form(client, rencontre, choix_1=str(small.id), email="b@example.org")
    assert refused.status_code == 409
    assert "« Atelier commande publique » est complet : choisissez un autre créneau." in refused.get_data(
        as_text=True
    )
    missing = post_form(client, rencontre, choix_1=None, email="b@example.org")
    assert missing.status_code == 400 and "Choisissez un créneau pour « Ateliers du matin »." in (
        missing.get_data(as_text=True)
    )
    assert post_form(client, rencontre, email="b@example.org").status_code == 303


def test_on_site_then_switch_atelier_then_remote_gets_the_link(rencontre, client, outbox_messages):
    small, large = ateliers(rencontre)
    assert post_form(client, rencontre).status_code == 303
    [confirmation] = outbox_messages()
    text = text_of(confirmation)
    assert "Participation : Sur place" in text
    assert "Ateliers du matin : Atelier alimentation (11 h – 12 h, Salle B)" in text
    assert LINK not in text and LINK not in confirmation.get_body(("html",)).get_content()
    assert "Vous participez sur place" in text
    url = manage_url(confirmation)
    page = client.get(url).get_data(as_text=True)
    assert LINK not in page and "Atelier alimentation" in page

    token = csrf_token(client, url)
    moved = client.post(url + "choix", data={"csrf_token": token, "creneau": str(small.id)})
    assert moved.status_code == 303
    db.session.expire_all()
    [registration] = db.session.scalars(select(Registration)).all()
    assert registration.slots == [small]
    assert registrations.slot_places_left(large) == 10 and registrations.slot_places_left(small) == 0
    changed = outbox_messages()[-1]
    assert changed["Subject"] == f"Inscription modifiée : {rencontre.title}"
    assert "Atelier commande publique" in text_of(changed)

    switched = client.post(url + "mode", data={"csrf_token": token, "mode": "remote"})
    assert switched.status_code == 303
    db.session.expire_all()
    assert registration.mode == "remote"
    remote_mail = outbox_messages()[-1]
    assert LINK in text_of(remote_mail) and LINK in remote_mail.get_body(("html",)).get_content()
    assert LINK in client.get(url).get_data(as_text=True)
    feed = client.get(personal_feed(registration)).get_data(as_text=True)
    assert LINK in feed.replace("\r\n ", "") and "Atelier commande publique" in feed.replace("\r\n ", "")


def personal_feed(registration) -> str:
    return f"/mon-agenda/{registrations.calendar_token(registration.email).token}.ics"


def test_the_page_refuses_a_full_atelier_a_full_mode_and_a_foreign_slot(rencontre, make_event, client):
    small, large = ateliers(rencontre)
    register(rencontre, "a@example.org", slot=small)
    register(rencontre, "r1@example.org", "remote")
    register(rencontre, "r2@example.org", "remote")
    mine = register(rencontre, "b@example.org")
    url = f"/inscription/{mine.token}/"
    token = csrf_token(client, url)
    full = client.post(url + "choix", data={"csrf_token": token, "creneau": str(small.id)})
    assert full.status_code == 409 and "est complet" in full.get_data(as_text=True)
    no_room = client.post(url + "mode", data={"csrf_token": token, "mode": "remote"})
    assert no_room.status_code == 409 and "Il n&#39;y a plus de place « à distance »" in no_room.get_data(
        as_text=True
    )
    assert client.post(url + "choix", data={"csrf_token": token, "creneau": "1\x00"}).status_code == 400
    for forged in ("9" * 23, "<i>", "x" * 10_000, ""):
        answer = client.post(url + "choix", data={"csrf_token": token, "creneau": forged})
        assert answer.status_code == 409
        assert "ne fait pas partie du programme" in answer.get_data(as_text=True)
    assert client.post(url + "mode", data={"csrf_token": token, "mode": "lune"}).status_code == 409
    assert client.post(url + "mode", data={"mode": "remote"}).status_code == 400  # no CSRF token
    db.session.expire_all()
    assert (mine.mode, mine.slots) == ("onsite", [large])


def test_a_waitlisted_person_switching_to_a_mode_with_room_is_confirmed(rencontre):
    for n in range(2):
        register(rencontre, f"s{n}@example.org")
    waiting = register(rencontre, "w@example.org")
    assert waiting.status == "waitlisted"
    assert registrations.change_mode(waiting, "remote")
    assert (waiting.status, waiting.mode, waiting.waitlist_position) == ("confirmed", "remote", None)


def test_a_switch_hands_the_place_left_to_that_mode_s_waiting_list(rencontre):
    first = register(rencontre, "s0@example.org")
    register(rencontre, "s1@example.org")
    waiting = register(rencontre, "w@example.org")
    registrations.change_mode(first, "remote")
    db.session.expire_all()
    assert waiting.status == "confirmed"


def test_reminders_give_the_link_to_remote_registrants_only(rencontre, app):
    on_site = register(rencontre, "s@example.org")
    remote = register(rencontre, "r@example.org", "remote")
    starts = rencontre.starts_at.isoformat()
    with app.test_request_context():
        on_site_text = text_of(reminders.reminder_message(on_site, 60, starts))
        remote_text = text_of(reminders.reminder_message(remote, 60, starts))
    assert LINK not in on_site_text and "Participation : Sur place" in on_site_text
    assert LINK in remote_text and "Participation : À distance" in remote_text


def test_a_hybrid_registration_made_before_modes_keeps_its_link_and_counts_on_site(rencontre, client):
    legacy = register(rencontre, "old@example.org")
    legacy.mode = None
    db.session.commit()
    assert legacy.online_link == LINK
    assert registrations.places_left(rencontre, "onsite") == 1
    assert LINK in client.get(personal_feed(legacy)).get_data(as_text=True).replace("\r\n ", "")


# Organisers


@pytest.fixture
def filled(rencontre):
    """Three on site (two in the small atelier's group: one there, one in the large), one remote."""
    small, large = ateliers(rencontre)
    people = {
        "alice": register(rencontre, "alice@example.org", slot=small),
        "bruno": register(rencontre, "bruno@example.org", slot=large),
        "chloe": register(rencontre, "chloe@example.org", "remote", slot=large),
        "denis": register(rencontre, "denis@example.org"),  # waitlisted on site, holds a large place
    }
    assert people["denis"].status == "waitlisted"
    return people


def test_organisers_see_counts_per_mode_and_per_slot(rencontre, filled, client, make_user):
    login(client, make_user("admin"))
    html = client.get(f"/espace/evenements/{rencontre.id}/inscrits").get_data(as_text=True)
    modes = html[html.index("Par mode de participation") : html.index("Ateliers du matin (au choix)")]
    assert re.sub(r"\s+", " ", modes).count("<td>2</td>") >= 1  # 2 confirmed on site, 2 places
    assert '<th scope="row">À distance</th> <td>1</td> <td>2</td> <td>1</td> <td>0</td>' in re.sub(
        r"\s+", " ", modes
    )
    slots = re.sub(r"\s+", " ", html[html.index("Ateliers du matin (au choix)") :])
    assert "Salle A</span></th> <td>1</td> <td>1</td> <td>0</td>" in slots  # held, places, left
    assert "Salle B</span></th> <td>3</td> <td>10</td> <td>7</td>" in slots  # Denis waits, holds one


def test_the_list_export_and_sign_in_sheet_of_one_slot(rencontre, filled, client, make_user):
    small, large = ateliers(rencontre)
    login(client, make_user("admin"))
    base = f"/espace/evenements/{rencontre.id}"
    listed = client.get(f"{base}/inscrits?creneau={large.id}").get_data(as_text=True)
    assert (
        "bruno@example.org" in listed and "chloe@example.org" in listed and "alice@example.org" not in listed
    )
    sheet = client.get(f"{base}/emargement?creneau={large.id}").get_data(as_text=True)
    assert "Martin" in sheet and sheet.count('<th scope="row">Martin</th>') == 1  # Bruno: on site, confirmed
    assert "Sur place (les personnes inscrites à distance" in sheet
    export = client.get(f"{base}/export.xlsx?creneau={large.id}")
    assert export.status_code == 200 and "atelier-alimentation" in export.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.values)
    assert rows[0][-2:] == ("Participation", "Ateliers du matin")
    assert sorted(row[2] for row in rows[1:]) == [
        "bruno@example.org",
        "chloe@example.org",
        "denis@example.org",
    ]
    assert {row[-2] for row in rows[1:]} == {"Sur place", "À distance"}
    whole = client.get(f"{base}/export.csv").data.decode("utf-8-sig")
    assert "alice@example.org" in whole and "Atelier commande publique" in whole
    for forged in ("999999", "abc", "9" * 23, str(next(s.id for s in rencontre.slots if not s.choice))):
        assert client.get(f"{base}/inscrits?creneau={forged}").status_code == 404
        assert client.get(f"{base}/export.csv?creneau={forged}").status_code == 404
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "registrants.exported")).all()
    assert any(entry.details.get("slot") == "Atelier alimentation" for entry in entries)


def test_an_organiser_moves_someone_to_another_slot_while_it_has_room(
    rencontre, filled, client, make_user, outbox_messages
):
    small, large = ateliers(rencontre)
    login(client, make_user("admin"))
    bruno, alice = filled["bruno"], filled["alice"]
    url = f"/espace/evenements/{rencontre.id}/inscrits/{bruno.id}/creneau"
    token = csrf_token(client, f"/espace/evenements/{rencontre.id}/inscrits")
    full = client.post(url, data={"csrf_token": token, "creneau": str(small.id)}, follow_redirects=True)
    assert "« Atelier commande publique » est complet" in full.get_data(as_text=True)
    registrations.cancel(alice)  # frees the small atelier's place
    moved = client.post(url, data={"csrf_token": token, "creneau": str(small.id)})
    assert moved.status_code == 303
    db.session.expire_all()
    assert bruno.slots == [small]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "registration.slot_moved"))
    assert entry.registration_id == bruno.id and entry.details["after"] == ["Atelier commande publique"]
    mail = [m for m in outbox_messages() if m["To"] == bruno.email][-1]
    assert mail["Subject"].startswith("Inscription modifiée") and "Atelier commande publique" in text_of(mail)


def test_the_day_before_e_mail_counts_by_mode(rencontre, filled, make_user, monkeypatch, outbox_messages):
    make_user("admin")
    monkeypatch.setattr(clock, "now", lambda: rencontre.starts_at - timedelta(hours=23))
    worker.one_pass()
    [told] = [m for m in outbox_messages(worker_pass=False) if m["Subject"].startswith("Demain")]
    body = text_of(told)
    assert "Sur place : 2 confirmées, 1 en liste d'attente" in body
    assert "À distance : 1 confirmée" in body


def test_the_indicators_count_by_mode(rencontre, filled, client, make_user):
    rencontre.starts_at -= timedelta(days=30)
    rencontre.ends_at -= timedelta(days=30)
    db.session.commit()
    registrations.mark_attendance(filled["chloe"], True)
    today = clock.local_today()
    period = {"du": (today - timedelta(days=60)).isoformat(), "au": today.isoformat()}
    report = indicators.compute(indicators.Selection.from_args(period, None))
    [modes] = [table for table in report.tables() if table.key == "modes"]
    assert modes.rows == [[modes.rows[0][0], rencontre.title, 2, 0, 1, 1]]
    login(client, make_user("admin"))
    html = client.get("/espace/indicateurs").get_data(as_text=True)
    assert "Événements hybrides : sur place et à distance" in html


def test_the_data_download_holds_the_mode_and_the_choices(rencontre, client):
    small, _ = ateliers(rencontre)
    registration = register(rencontre, "a@example.org", slot=small)
    data = client.get(f"/inscription/{registration.token}/donnees").get_json()
    [mine] = data["inscriptions"]
    assert mine["participation"] == "Sur place"
    assert mine["choix"] == [
        {"groupe": "Ateliers du matin", "creneau": "Atelier commande publique (11 h – 12 h, Salle A)"}
    ]


def test_import_takes_on_site_and_remote_places_and_a_hybrid_capacity_is_its_room(app):
    item = {"kind": "rencontre", "title": "Rencontre hybride", "start": "2027-03-04", "mode": "hybrid"}
    import_data({"events": [{**item, "capacity_onsite": 120, "capacity_remote": 300}]})
    event = db.session.scalar(select(Event).where(Event.title == "Rencontre hybride"))
    assert (event.capacity, event.capacity_onsite, event.capacity_remote) == (None, 120, 300)
    again = import_data({"events": [{**item, "capacity_onsite": 120, "capacity_remote": 300}]})
    assert again.created == again.updated == []  # idempotent
    import_data({"events": [{**item, "capacity": 80}]})  # an older file: its one capacity was the room's
    db.session.expire_all()
    assert (event.capacity, event.capacity_onsite, event.capacity_remote) == (None, 80, None)
    for value in (12345678901234567890123, "300", -1, True):
        with pytest.raises(InvalidImport, match="« capacity_remote » doit être un nombre entier positif"):
            import_data({"events": [{**item, "capacity_remote": value}]})
