"""An event's programme (déroulé): the service's rules and audit log, the workspace pages under
hostile input, the event page's timetable (never stale), its JSON-LD ``subEvent``, and the import
schema's ``programme`` key (idempotent)."""

import json
import re
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from rtes_events import clock, editing, formatting, timetable
from rtes_events.checks import InvalidImport
from rtes_events.extensions import db
from rtes_events.importer import import_data
from rtes_events.models import AuditEntry, Event, Slot, Speaker

from .conftest import OTHER_CLUB, OWN_CLUB, csrf_token, login
from .test_workspace_rights import snapshot

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server

CHOICE = "Ateliers de l'après-midi"


def slot_values(**values) -> dict:
    return {"starts": time(14), "ends": time(15), "title": "Atelier", "kind": "atelier", **values}


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def rencontre(make_event):
    """A day on site, 9 h – 17 h, with 120 places."""
    starts = clock.to_utc(clock.local_today() + timedelta(days=30), time(9))
    return make_event(
        kind="rencontre", mode="onsite", capacity=120, starts_at=starts, ends_at=starts + timedelta(hours=8)
    )


def actions(event) -> list[str]:
    return db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.event_id == event.id).order_by(AuditEntry.id)
    ).all()


def test_slots_are_added_changed_reordered_removed_and_logged(admin, rencontre):
    speaker = Speaker(name="Chloé Sécher", organisation="RTES")
    db.session.add(speaker)
    first = timetable.add(admin, rencontre, slot_values(title="Atelier A", choice=CHOICE, capacity=30))
    second = timetable.add(
        admin, rencontre, slot_values(title="Atelier B", choice=CHOICE, speakers=[speaker])
    )
    opening = timetable.add(
        admin, rencontre, slot_values(title="Ouverture", starts=time(9), ends=time(9, 30))
    )
    assert [s.title for s in timetable.ordered(rencontre)] == ["Ouverture", "Atelier A", "Atelier B"]
    assert second.speakers == [speaker] and opening.kind == "atelier" and first.day is None
    changed = rencontre.updated_at
    timetable.move(admin, rencontre, second, -1)
    assert rencontre.updated_at > changed  # what the API's « modifie-depuis » follows
    assert [s.title for s in timetable.days(timetable.programme(rencontre))[0].hours[1].slots] == [
        "Atelier B",
        "Atelier A",
    ]
    with pytest.raises(timetable.TimetableError, match="déjà le premier"):
        timetable.move(admin, rencontre, second, -1)
    assert timetable.update(
        admin, rencontre, opening, slot_values(title="Ouverture", starts=time(9), ends=time(10))
    ) == ["fin"]
    assert (
        timetable.update(
            admin, rencontre, opening, slot_values(title="Ouverture", starts=time(9), ends=time(10))
        )
        == []
    )
    timetable.remove(admin, rencontre, opening)
    assert db.session.get(Slot, opening.id) is None
    assert actions(rencontre) == ["slot.added"] * 3 + ["slot.moved", "slot.updated", "slot.removed"]


RULES = [
    ({"ends": time(13)}, "L'heure de fin du créneau doit suivre son heure de début."),
    ({"day": clock.local_today()}, "Le jour du créneau doit être un jour de la session"),
    ({"capacity": 0}, "Le nombre de places doit être un nombre entier entre 1 et 100 000."),
    ({"capacity": 10**22}, "Le nombre de places doit être un nombre entier entre 1 et 100 000."),
    ({"title": "\x00 "}, "Le champ « Titre » est obligatoire."),
    ({"title": "a" * 10_000}, "ne doit pas dépasser 300 caractères"),
    ({"kind": "<script>"}, "Choisissez un type de créneau dans la liste."),
    ({"choice": CHOICE, "starts": time(16), "ends": time(17)}, "doivent avoir lieu en même temps"),
]


def test_a_slot_that_breaks_a_rule_is_refused_in_french(admin, rencontre):
    timetable.add(admin, rencontre, slot_values(choice=CHOICE))
    for values, message in RULES:
        with pytest.raises(timetable.TimetableError, match=re.escape(message)):
            timetable.add(admin, rencontre, slot_values(**values))
        db.session.rollback()
    assert len(rencontre.slots) == 1


def test_a_programme_is_copied_onto_the_days_of_another_event(admin, client, make_event, rencontre):
    starts = clock.to_utc(clock.local_today() + timedelta(days=60), time(9))
    two_days = make_event(kind="rencontre", starts_at=starts, ends_at=starts + timedelta(days=1, hours=8))
    second_day = (clock.to_local(starts) + timedelta(days=1)).date()
    timetable.add(admin, two_days, slot_values(title="Jour 1"))
    timetable.add(admin, two_days, slot_values(title="Jour 2", day=second_day, choice=CHOICE, capacity=30))
    copy = make_event(
        kind="rencontre", starts_at=starts + timedelta(days=7), ends_at=starts + timedelta(days=8)
    )
    assert timetable.copy(admin, copy, two_days) == 2
    assert [
        (timetable.slot_day(s, copy) - copy.local_start.date()).days for s in timetable.ordered(copy)
    ] == [0, 1]
    assert timetable.ordered(copy)[1].capacity == 30 and "timetable.copied" in actions(copy)
    with pytest.raises(timetable.TimetableError, match="déjà un programme"):
        timetable.copy(admin, copy, two_days)
    with pytest.raises(timetable.TimetableError, match="s'étend sur 2 jours"):
        timetable.copy(admin, rencontre, two_days)
    duplicate = editing.duplicate(admin, two_days)  # a session's duplicate takes its programme
    assert [slot.title for slot in timetable.ordered(duplicate)] == ["Jour 1", "Jour 2"]
    page = client.get(f"/evenements/{copy.slug}/").get_data(as_text=True)  # a heading per day
    days = re.findall(r'<h3 class="timetable-day">(.*?)</h3>', page)
    assert days == [formatting.day(day).capitalize() for day in timetable.event_days(copy)] and len(days) == 2


def test_a_co_organiser_changes_only_their_own_clubs_programmes(clubs, make_event, make_user):
    user = make_user("coorganiser", clubs=[OWN_CLUB])
    own = make_event(kind="club", club=clubs[OWN_CLUB])
    other = make_event(kind="club", club=clubs[OTHER_CLUB])
    timetable.add(user, own, slot_values())
    with pytest.raises(timetable.TimetableError, match="Vous ne pouvez pas modifier"):
        timetable.add(user, other, slot_values())
    assert timetable.copy_sources(user, other) == [own]


def test_the_event_page_shows_the_timetable_and_is_never_stale(admin, client, rencontre, make_registration):
    timetable.add(
        admin,
        rencontre,
        slot_values(
            title="Plénière d'ouverture", starts=time(9), ends=time(10), kind="pleniere", place="Hémicycle"
        ),
    )
    full = timetable.add(
        admin, rencontre, slot_values(title="Atelier <b>commande publique</b>", choice=CHOICE, capacity=1)
    )
    timetable.add(admin, rencontre, slot_values(title="Atelier tiers-lieux", choice=CHOICE, capacity=30))
    registration = make_registration(rencontre, slots=[full.id])  # a group « au choix » must be chosen
    path = f"/evenements/{rencontre.slug}/"
    page = client.get(path).get_data(as_text=True)
    section = page[page.index('id="programme"') : page.index("</section>", page.index('id="programme"'))]
    assert section.count('class="timetable-hour"') == 2 and section.count('class="timetable-slot"') == 3
    assert (
        '<h3 class="timetable-time">14 h</h3>' in section
        and "Au choix : Ateliers de l&#39;après-midi" in section
    )
    assert "Atelier &lt;b&gt;commande publique&lt;/b&gt;" in section and "<b>" not in section
    assert "Complet" in section and "30 places restantes" in section and "Hémicycle" in section
    data = json.loads(re.search(r'application/ld\+json">(.*?)</script>', page, re.S)[1])
    assert [sub["name"] for sub in data["subEvent"]][0] == "Plénière d'ouverture"
    assert data["subEvent"][0]["startDate"].startswith(f"{rencontre.local_start:%Y-%m-%d}T09:00:00+0")
    timetable.update(admin, rencontre, full, slot_values(title="Atelier renommé", choice=CHOICE, capacity=1))
    assert "Atelier renommé" in client.get(path).get_data(as_text=True)
    registration.slots.remove(full)
    db.session.commit()
    assert "Complet" not in client.get(path).get_data(as_text=True)


PROGRAMME = [
    {
        "title": "Ouverture",
        "start_time": "09:30",
        "end_time": "10:00",
        "kind": "pleniere",
        "speakers": ["Chloé Sécher (RTES)"],
    },
    {
        "title": "Atelier A",
        "start_time": "14:00",
        "end_time": "15:30",
        "kind": "atelier",
        "capacity": 30,
        "choice": CHOICE,
    },
    {
        "title": "Atelier B",
        "start_time": "14:00",
        "end_time": "15:30",
        "kind": "atelier",
        "capacity": 30,
        "choice": CHOICE,
    },
]


def imported(programme, **item) -> Event:
    day = (clock.local_today() + timedelta(days=40)).isoformat()
    event = {
        "slug": "rencontre",
        "kind": "rencontre",
        "title": "Rencontre",
        "start": day,
        "start_time": "09:00",
        "end_time": "17:00",
    }
    report = import_data({"events": [{**event, "programme": programme, **item}]})
    return report, db.session.scalar(select(Event).where(Event.slug == "rencontre"))


def test_the_import_sets_the_programme_idempotently(app):
    _, event = imported(PROGRAMME)
    ids = [slot.id for slot in timetable.ordered(event)]
    assert [s.title for s in timetable.ordered(event)] == ["Ouverture", "Atelier A", "Atelier B"]
    assert str(timetable.ordered(event)[0].speakers[0]) == "Chloé Sécher (RTES)"
    report, event = imported(PROGRAMME)
    assert report.unchanged == ["rencontre"] and [s.id for s in timetable.ordered(event)] == ids
    report, event = imported([{**PROGRAMME[2], "place": "Salle 2"}, PROGRAMME[1]])
    assert report.updated == ["rencontre"]
    assert [(s.id, s.title, s.place) for s in timetable.ordered(event)] == [
        (ids[2], "Atelier B", "Salle 2"),
        (ids[1], "Atelier A", None),
    ]
    _, event = imported([], summary="sans programme")
    assert event.slots == [] and db.session.scalar(select(func.count()).select_from(Slot)) == 0


INVALID_SLOTS = [
    ({"end_time": "25:99"}, "heure invalide '25:99'"),
    ({"day": "2026-02-30"}, "date invalide '2026-02-30'"),
    ({"day": "2001-01-01"}, "Le jour du créneau doit être un jour de la session"),
    ({"capacity": "trente"}, "« capacity » doit être un nombre entier"),
    ({"kind": "banquet"}, "Choisissez un type de créneau"),
    ({"start_time": "16:00", "end_time": "17:00"}, "doivent avoir lieu en même temps"),
]


def test_an_invalid_programme_is_refused_and_changes_nothing(app):
    imported(PROGRAMME)
    for slot, message in INVALID_SLOTS:
        with pytest.raises(InvalidImport, match=re.escape(message)):
            imported([*PROGRAMME[:2], {**PROGRAMME[2], **slot}])
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Slot)) == 3


# --- The workspace pages ---------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, admin, rencontre, make_event):
    """An admin on the programme of ``rencontre``, which has one slot; another event has one too."""
    login(client, admin)
    slot = timetable.add(admin, rencontre, slot_values(title="Ouverture"))
    elsewhere = timetable.add(admin, make_event(), slot_values(title="Ailleurs"))
    base = f"/espace/evenements/{rencontre.id}/programme"
    return {
        "base": base,
        "slot": slot.id,
        "elsewhere": elsewhere.id,
        "token": csrf_token(client, base + "/ajouter"),
    }


def form(token: str, **values) -> dict:
    return {
        "csrf_token": token,
        "start_time": "14:00",
        "end_time": "15:30",
        "title": "Atelier",
        "kind": "atelier",
        **values,
    }


def test_an_organiser_builds_the_programme_from_the_workspace(client, signed_in, rencontre):
    base, token = signed_in["base"], signed_in["token"]
    response = client.post(base + "/ajouter", data=form(token, choice=CHOICE, capacity="30", place="Salle 1"))
    assert response.status_code == 303 and response.headers["Location"] == base
    page = client.get(base).get_data(as_text=True)
    assert "Atelier" in page and "30 places libres sur 30" in page and "Créneau « Atelier » ajouté" in page
    slot = signed_in["slot"]
    assert (
        client.post(
            f"{base}/{slot}/modifier",
            data=form(token, title="Ouverture", start_time="09:00", end_time="09:30"),
        ).status_code
        == 303
    )
    assert (
        client.post(f"{base}/{slot}/deplacer", data={"csrf_token": token, "sens": "bas"}).status_code == 303
    )
    assert "déjà le dernier" in client.get(base).get_data(as_text=True)
    assert client.post(f"{base}/{slot}/retirer", data={"csrf_token": token}).status_code == 303
    assert [s.title for s in timetable.ordered(rencontre)] == ["Atelier"]
    assert "Créneau « Ouverture » retiré" in client.get(base).get_data(as_text=True)


HOSTILE = [
    ({"day": "2026-02-30"}, "Choisissez un jour de la session dans la liste."),
    ({"start_time": "25:99"}, "« Heure de début » n&#39;est pas une heure valide"),
    ({"capacity": "9" * 23}, "Le nombre de places doit être compris entre 1 et 100 000"),
    ({"capacity": "-1"}, "Le nombre de places doit être compris entre 1 et 100 000"),
    ({"title": "\x00"}, "La demande n&#39;a pas pu être comprise"),
    ({"title": "x" * 10_000}, "Le champ « Titre » ne doit pas dépasser 300 caractères."),
    ({"description": "x" * 10_000}, "ne doit pas dépasser 5000 caractères."),
    ({"kind": "<script>alert(1)</script>"}, "Choisissez un type de créneau dans la liste."),
    ({"speakers": "999999"}, "Choisissez les intervenant·es dans la liste."),
    ({"end_time": "13:00"}, "L&#39;heure de fin du créneau doit suivre son heure de début."),
]


def test_hostile_slots_get_a_french_message_and_change_nothing(client, signed_in):
    before = snapshot()
    for values, message in HOSTILE:
        response = client.post(signed_in["base"] + "/ajouter", data=form(signed_in["token"], **values))
        assert response.status_code == 400 and message in response.get_data(as_text=True), values
    assert snapshot() == before


def test_markup_is_stored_and_shown_as_text(client, signed_in, rencontre):
    title = '<script>alert("x")</script>'
    data = form(signed_in["token"], title=title, description="<img src=x onerror=alert(1)>")
    assert client.post(signed_in["base"] + "/ajouter", data=data).status_code == 303
    assert timetable.ordered(rencontre)[-1].title == title
    page = client.get(f"/evenements/{rencontre.slug}/").get_data(as_text=True)
    assert "&lt;script&gt;alert" in page and "<img src=x" not in page


def test_a_slot_of_another_event_is_not_found_and_untouched(client, signed_in):
    base, other, token = signed_in["base"], signed_in["elsewhere"], signed_in["token"]
    before = snapshot()
    assert client.get(f"{base}/{other}/modifier").status_code == 404
    for action, data in (("modifier", form(token)), ("deplacer", {"sens": "haut"}), ("retirer", {})):
        assert client.post(f"{base}/{other}/{action}", data={"csrf_token": token, **data}).status_code == 404
    assert (
        client.post(
            f"{base}/{signed_in['slot']}/deplacer", data={"csrf_token": token, "sens": "gauche"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"{base}/copier", data={"csrf_token": token, "source": "99999999999999999999999"}
        ).status_code
        == 303
    )
    assert snapshot() == before
