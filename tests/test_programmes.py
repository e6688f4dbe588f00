"""Programmes: admins create, edit and assign them (audited); agenda and feeds filter by programme;
import files carry them."""

import html

import pytest
from sqlalchemy import select

from rtes_events import programmes
from rtes_events.demo.loader import seed
from rtes_events.extensions import db
from rtes_events.importer import InvalidImport, import_data
from rtes_events.models import AuditEntry, Programme, Replay

from .conftest import csrf_token, login


def create(client, **values):
    token = csrf_token(client, "/espace/programmes/nouveau")
    data = {
        "name": "Convention ANCT 2020–2022",
        "funder": "ANCT",
        "starts_on": "2020-01-01",
        "ends_on": "2022-12-31",
    }
    return client.post("/espace/programmes/nouveau", data={**data, **values, "csrf_token": token})


def test_an_admin_creates_edits_and_assigns_a_programme(client, make_user, make_event):
    event = make_event()
    login(client, make_user("admin"))
    response = create(client)
    assert response.status_code == 303
    programme = db.session.scalar(select(Programme))
    assert (programme.slug, programme.funder, str(programme.ends_on)) == (
        "convention-anct-2020-2022",
        "ANCT",
        "2022-12-31",
    )
    assert create(client).status_code == 422  # same name, same address
    assert create(client, name="Autre", starts_on="2022-01-01", ends_on="2021-01-01").status_code == 422

    page = f"/espace/evenements/{event.id}/"
    token = csrf_token(client, page)
    client.post(
        f"/espace/evenements/{event.id}/programmes", data={"programme": programme.slug, "csrf_token": token}
    )
    db.session.expire_all()
    assert [p.slug for p in event.programmes] == [programme.slug]
    token = csrf_token(client, f"/espace/programmes/{programme.id}/")
    client.post(
        f"/espace/programmes/{programme.id}/sessions",
        data={"event_id": event.id, "action": "retirer", "csrf_token": token},
    )
    db.session.expire_all()
    assert event.programmes == []
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["programme.created", "event.programmes", "programme.events"]
    assert "Convention ANCT 2020–2022" in client.get("/espace/programmes/").get_data(as_text=True)


def test_co_organisers_get_403_and_see_no_programme_form(client, make_user):
    import_data(seed())
    login(client, make_user("coorganiser", clubs=("club-ess-ile-de-france",)))
    assert client.get("/espace/programmes/").status_code == 403
    assert client.get("/espace/programmes/nouveau").status_code == 403
    assert "Indicateurs" in client.get("/espace/").get_data(as_text=True)
    assert ">Programmes<" not in client.get("/espace/").get_data(as_text=True)


def test_agenda_and_feeds_filter_by_programme(client, make_event):
    inside, outside = make_event(title="Dans le programme"), make_event(title="Hors programme")
    programme = programmes.create({"name": "Quartiers"})
    programmes.add_event(programme, inside)
    db.session.commit()
    agenda = client.get("/evenements/?programme=quartiers").get_data(as_text=True)
    assert "Dans le programme" in agenda and "Hors programme" not in agenda
    assert '<option value="quartiers" selected>Quartiers</option>' in agenda
    feed = client.get("/agenda.ics?programme=quartiers").get_data(as_text=True)
    assert "Dans le programme" in feed and "Hors programme" not in feed
    assert "Hors programme" in client.get("/agenda.ics").get_data(as_text=True)
    assert outside.id


def test_import_files_carry_programmes(app):
    data = {
        "programmes": [{"slug": "anct", "name": "Convention ANCT", "funder": "ANCT", "start": "2020-01-01"}],
        "events": [{"kind": "webinaire", "title": "Flashweb", "start": "2020-11-26", "programmes": ["anct"]}],
    }
    report = import_data(data)
    assert "programme créé : anct" in report.others
    event = db.session.scalar(select(Programme)).events[0]
    assert event.title == "Flashweb"
    del data["events"][0]["programmes"]  # absent: left as it is
    assert import_data(data).summary().startswith("0 événement(s) créé(s), 0 mis à jour")
    data["events"][0]["programmes"] = ["inconnu"]
    with pytest.raises(InvalidImport, match="programme inconnu"):
        import_data(data)
    data["programmes"][0]["start"] = "2020-13-01"
    with pytest.raises(InvalidImport, match="AAAA-MM-JJ"):
        import_data(data)


def test_the_demo_holds_the_anct_convention_with_the_events_the_anct_co_organised(app):
    from rtes_events.demo.loader import load_demo

    load_demo()
    programme = programmes.by_slug("convention-anct-2020-2022")
    expected = [
        item["title"]
        for item in seed()["events"]
        if "anct" in (item.get("partners") or []) and "2020" <= item["start"][:4] <= "2022"
    ]
    assert sorted(event.title for event in programme.events) == sorted(expected) and len(expected) == 6
    assert ", 0 mis à jour, " in load_demo().summary()  # idempotent


def test_the_replay_catalogue_filters_by_programme(app, client):
    from rtes_events.demo.loader import load_demo

    load_demo()
    programme = programmes.by_slug("convention-anct-2020-2022")
    ids = [event.id for event in programme.events]
    published = select(Replay).where(Replay.event_id.in_(ids), Replay.published_at.isnot(None))
    with_replay = [replay.event.title for replay in db.session.scalars(published)]
    page = client.get("/replays/?programme=convention-anct-2020-2022").get_data(as_text=True)
    assert 'id="filtre-programme"' in page and "Convention ANCT 2020" in page
    assert f">{len(with_replay)} replays<" in page.replace("\n", "") and len(with_replay) == 2
    for title in with_replay:
        assert title in html.unescape(page)
