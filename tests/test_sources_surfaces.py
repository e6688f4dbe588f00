"""The surfaces of followed calendars, through the test client with CSRF on: the workspace's
``/espace/sources/`` (add, edit, refresh, remove; co-organisers for their region, moderated), hostile
input answered in French, relayed events shown everywhere the network's are (« Relayé depuis »,
registration at the organiser's, agenda, feeds, API, widget, newsletter, the ``origine`` filter), their
moderation in the proposals' queue and the team's decisions that refreshes keep.

The calendars' events are written here as the engine's refresh leaves them (``relayed``); fetching and
parsing calendars is tested with the engine (test_sources.py)."""

import json
from datetime import UTC, datetime, time, timedelta

import icalendar
import pytest
from sqlalchemy import select

from rtes_events import clock
from rtes_events.extensions import db
from rtes_events.models import AuditEntry, CalendarSource, Event, EventProposal, MemberOrganisation, Theme

from .conftest import OWN_CLUB, csrf_token, login, new_relayed

ORGANISER_PAGE = "https://www.cress-idf.example.org/agenda/forum-achats"
FORM = {
    "url": "webcal://www.cress-idf.example.org/agenda.ics",
    "name": "Agenda de la CRESS Île-de-France",
    "owner": "",  # set per test: a partner's key
    "region": "IDF",
    "trust": "publier",
}


@pytest.fixture
def admin(clubs, make_user):
    return make_user("admin", email="equipe@rtes.fr")


@pytest.fixture
def partner_id(clubs) -> str:
    from rtes_events.models import Partner

    return f"partenaire-{db.session.scalar(select(Partner.id).where(Partner.key == 'cress-idf'))}"


def make_source(**values) -> CalendarSource:
    source = CalendarSource(
        **{"url": "https://agenda.example.org/ess.ics", "name": "Agenda ESS", "publish": True, **values}
    )
    db.session.add(source)
    db.session.commit()
    return source


def relayed(source, title="Forum des achats responsables", pending=False, **values) -> Event:
    """An event of ``source`` as a refresh writes it: published, or a draft waiting in the queue."""
    starts = clock.to_utc(clock.local_today() + timedelta(days=30), time(9))
    event = new_relayed(
        source,
        slug=f"relais-{title.lower().replace(' ', '-')}",
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        city="Paris",
        status="draft" if pending else "published",
        relay_url=ORGANISER_PAGE,
        **values,
    )
    db.session.add(event)
    if pending:
        db.session.add(
            EventProposal(
                organisation=source.owner_name,
                calendar_source_id=source.id,
                state="pending",
                title=title,
                kind=event.kind,
                starts_at=event.starts_at,
                ends_at=event.ends_at,
                mode=event.mode,
                event=event,
            )
        )
    db.session.commit()
    return event


def post(client, target, form=None, /, **data):
    """Post ``data`` to ``target`` with the CSRF token of the page ``form`` (``target`` by default)."""
    return client.post(target, data={**data, "csrf_token": csrf_token(client, form or target)})


def text(response) -> str:
    return response.get_data(as_text=True)


def audited(action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


# --- The workspace -----------------------------------------------------------------------------


def test_admins_add_edit_refresh_and_remove_a_calendar(client, admin, partner_id):
    login(client, admin)
    assert "Calendriers suivis" in text(client.get("/espace/"))  # the workspace menu
    assert "Aucun calendrier suivi" in text(client.get("/espace/sources/"))
    answer = post(client, "/espace/sources/nouvelle", **{**FORM, "owner": partner_id, "themes": []})
    assert answer.status_code == 303, text(answer)
    source = db.session.scalar(select(CalendarSource))
    assert source.url == "https://www.cress-idf.example.org/agenda.ics"  # webcal:// is https://
    assert source.publish and source.region_code == "IDF" and source.partner.key == "cress-idf"
    assert audited("source.added")
    listing = text(client.get("/espace/sources/"))
    assert "Agenda de la CRESS Île-de-France" in listing and "Jamais actualisé" in listing

    page = f"/espace/sources/{source.id}/"
    edit = text(client.get(page))
    assert "Jamais actualisé" in edit and 'name="url"' not in edit  # its address and owner stay
    changed = post(client, page, name="CRESS IDF", region="IDF", trust="moderer")
    assert changed.status_code == 303
    db.session.refresh(source)
    assert source.name == "CRESS IDF" and not source.publish

    # Refreshed now: its server is unknown here, so it fails, and says why in French.
    assert post(client, f"/espace/sources/{source.id}/actualiser", page).status_code == 303
    db.session.refresh(source)
    assert source.failures == 1 and "introuvable" in source.last_error
    assert "En échec" in text(client.get("/espace/sources/"))

    title, visitor = relayed(source).title, client.application.test_client()
    assert title in text(visitor.get("/evenements/"))  # kept for anonymous visitors, until its events go
    confirm = text(client.get(f"/espace/sources/{source.id}/retirer"))
    assert "1 événement relayé" in confirm
    assert post(client, f"/espace/sources/{source.id}/retirer").status_code == 303
    assert db.session.scalar(select(CalendarSource)) is None
    assert db.session.scalar(select(Event)) is None  # its events go with it, as the page said
    assert title not in text(visitor.get("/evenements/"))
    assert audited("source.removed")


@pytest.fixture
def publisher(monkeypatch):
    """A calendar publisher on 127.0.0.1, which the app (created after this fixture) may follow."""
    from .calendar_server import CalendarServer

    monkeypatch.setenv("RTES_SOURCES_ALLOW_PRIVATE", "127.0.0.1")
    server = CalendarServer()
    yield server
    server.close()


def feed(*events: tuple[str, str, datetime, str]) -> bytes:
    """A calendar of (UID, title, start, status) events, two hours each."""
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:{start:%Y%m%dT%H%M%S}Z\r\n"
        f"DTEND:{start + timedelta(hours=2):%Y%m%dT%H%M%S}Z\r\nSUMMARY:{title}\r\nSTATUS:{status}\r\n"
        f"URL:{ORGANISER_PAGE}\r\nEND:VEVENT\r\n"
        for uid, title, start, status in events
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//FR\r\n{body}END:VCALENDAR\r\n".encode()


def test_a_calendar_followed_from_the_workspace_moves_and_cancels_in_the_agenda(
    publisher, client, admin, partner_id
):
    start = clock.to_utc(clock.local_today() + timedelta(days=10), time(9))
    forum, atelier = (
        ("forum@cress", "Forum régional", start, "CONFIRMED"),
        ("atelier@cress", "Atelier", start, "CONFIRMED"),
    )
    publisher.serve("/agenda.ics", feed(forum, atelier))
    login(client, admin)
    answer = post(
        client,
        "/espace/sources/nouvelle",
        **{**FORM, "url": publisher.url("/agenda.ics"), "owner": partner_id},
    )
    assert answer.status_code == 303
    page = answer.headers["Location"]
    done = client.post(
        f"{page}actualiser", data={"csrf_token": csrf_token(client, page)}, follow_redirects=True
    )
    assert "2 créé(s)" in text(done) and "Forum régional" in text(done)
    assert "Relayé depuis Agenda de la CRESS Île-de-France" in text(client.get("/evenements/"))

    moved = start + timedelta(days=1)
    publisher.serve(
        "/agenda.ics",
        feed(("forum@cress", "Forum régional", moved, "CONFIRMED"), (*atelier[:3], "CANCELLED")),
    )
    assert post(client, f"{page}actualiser", page).status_code == 303
    vevents = {
        str(c["UID"]): c for c in icalendar.Calendar.from_ical(client.get("/agenda.ics").data).walk("VEVENT")
    }
    [forum_here] = [c for c in vevents.values() if str(c["SUMMARY"]) == "Forum régional"]
    [atelier_here] = [c for c in vevents.values() if str(c["SUMMARY"]) == "Atelier"]
    assert forum_here.decoded("DTSTART").astimezone(UTC).replace(tzinfo=None) == moved
    assert str(atelier_here["STATUS"]) == "CANCELLED"


def test_a_failing_calendar_shows_its_last_error_in_french(client, admin):
    source = make_source(failures=3, last_error="Le calendrier ne répond pas (délai dépassé).")
    source.checked_at = clock.now()
    db.session.commit()
    login(client, admin)
    listing = text(client.get("/espace/sources/"))
    assert "En échec" in listing and "3 fois de suite" in listing and "délai dépassé" in listing


def test_co_organisers_follow_their_regions_calendars_moderated_and_see_only_those(
    client, admin, make_user, partner_id
):
    organiser = make_user("coorganiser", clubs=[OWN_CLUB])
    published = make_source(
        url="https://a.example.org/a.ics", name="Agenda publié du réseau", region_code="IDF"
    )
    elsewhere = make_source(
        url="https://b.example.org/b.ics", name="Agenda aquitain", region_code="NAQ", publish=False
    )
    login(client, organiser)
    form = text(client.get("/espace/sources/nouvelle"))
    assert 'value="IDF"' in form and 'value="NAQ"' not in form and "Publication" not in form
    refused = post(client, "/espace/sources/nouvelle", **{**FORM, "owner": partner_id, "region": "NAQ"})
    assert refused.status_code == 400 and "Choisissez une région dans la liste." in text(refused)
    answer = post(client, "/espace/sources/nouvelle", **{**FORM, "owner": partner_id})  # asks « publier »
    assert answer.status_code == 303
    mine = db.session.scalar(select(CalendarSource).where(CalendarSource.created_by_id == organiser.id))
    assert client.get(f"/espace/sources/{mine.id}/").status_code == 200
    assert not mine.publish and mine.region_code == "IDF"  # always moderated
    listing = text(client.get("/espace/sources/"))
    assert FORM["name"] in listing
    assert published.name not in listing and elsewhere.name not in listing
    for source in (published, elsewhere):
        assert client.get(f"/espace/sources/{source.id}/").status_code == 404
        assert post(client, f"/espace/sources/{source.id}/retirer", "/espace/sources/").status_code == 404
    assert db.session.get(CalendarSource, elsewhere.id) is not None


def test_hostile_input_is_refused_in_french_and_changes_nothing(client, admin, partner_id):
    login(client, admin)
    good = {**FORM, "owner": partner_id}
    no_csrf = client.post("/espace/sources/nouvelle", data=good)
    assert no_csrf.status_code == 400 and "formulaire" in text(no_csrf)
    refusals = {
        "javascript:alert(1)": "commencer par https://",
        "file:///etc/passwd": "commencer par https://",
        "2026-02-30": "commencer par https://",
        "https://127.0.0.2/agenda.ics": "privée ou locale",
        "https://10.1.2.3/agenda.ics": "privée ou locale",
        "https://[::1]/agenda.ics": "privée ou locale",
        "https://agenda.example.org/" + "a" * 10_000: "500 caractères",
    }
    for url, message in refusals.items():
        answer = post(client, "/espace/sources/nouvelle", **{**good, "url": url})
        assert answer.status_code == 400 and message in text(answer), url
    for field, value, message in (
        ("name", "é" * 10_000, "200 caractères"),
        ("name", "", "obligatoire"),
        ("owner", "partenaire-99999999999999999999999", "Choisissez l&#39;organisateur dans la liste."),
        ("owner", "<script>alert(1)</script>", "Choisissez l&#39;organisateur dans la liste."),
        ("region", "2026-02-30", "Choisissez une région dans la liste."),
        ("themes", "99999999999999999999999", "Choisissez les thèmes dans la liste."),
        ("themes", "<script>alert(1)</script>", "Choisissez les thèmes dans la liste."),
        ("trust", "toujours", "Choisissez comment publier"),
    ):
        answer = post(client, "/espace/sources/nouvelle", **{**good, field: value})
        assert answer.status_code == 400 and message in text(answer), (field, value)
        assert "<script>alert(1)</script>" not in text(answer)
    nul = post(client, "/espace/sources/nouvelle", **{**good, "name": "Agenda\x00"})
    assert nul.status_code == 400
    assert db.session.scalar(select(CalendarSource)) is None
    markup = post(
        client, "/espace/sources/nouvelle", **{**good, "name": "<b>Agenda</b>\r\nBcc: x@example.org"}
    )
    assert markup.status_code == 303
    source = db.session.scalar(select(CalendarSource))
    assert "\n" not in source.name
    assert "<b>Agenda</b>" not in text(client.get("/espace/sources/"))  # escaped
    for url in ("/espace/sources/abc/", "/espace/sources/99999999999999999999999/", "/espace/sources/-1/"):
        assert client.get(url).status_code == 404, url


# --- Relayed events, everywhere ----------------------------------------------------------------


def test_a_relayed_event_is_shown_everywhere_with_registration_at_the_organisers(client, admin, make_event):
    from rtes_events.models import Partner

    own = make_event(title="Webinaire du réseau")
    partner = db.session.scalar(select(Partner).where(Partner.key == "cress-idf"))
    event = relayed(make_source(name="Agenda de la CRESS", partner_id=partner.id))

    agenda = text(client.get("/evenements/"))
    assert "Relayé depuis Agenda de la CRESS" in agenda and own.title in agenda
    page = text(client.get(f"/evenements/{event.slug}/"))
    assert "Relayé depuis" in page and f'href="{ORGANISER_PAGE}"' in page
    assert "sur le site de l'organisateur, CRESS Île-de-France" in page
    assert f"/evenements/{event.slug}/inscription" not in page  # no local registration form
    assert "M'inscrire" not in text(client.get(f"/evenements/{event.slug}/inscription"))

    feed = icalendar.Calendar.from_ical(client.get("/agenda.ics").data)
    [vevent] = [c for c in feed.walk("VEVENT") if str(c["UID"]) == event.uid]
    assert "Relayé depuis Agenda de la CRESS" in str(vevent["DESCRIPTION"]) and ORGANISER_PAGE in str(
        vevent["DESCRIPTION"]
    )
    assert str(vevent["X-RTES-PROPOSED-BY"]) == "CRESS Île-de-France"

    document = client.get(f"/api/v1/evenements/{event.slug}").get_json()
    assert document["origin"] == "partenaires" and document["organizer"][0]["name"] == "CRESS Île-de-France"
    assert document["relayedFrom"] == {
        "name": "Agenda de la CRESS",
        "organizer": "CRESS Île-de-France",
        "url": ORGANISER_PAGE,
    }
    assert "Relayé depuis Agenda de la CRESS" in text(client.get("/widget/agenda"))
    login(client, admin)
    assert "Relayé depuis Agenda de la CRESS" in text(client.get("/espace/lettre?semaines=6"))


def test_the_origin_filter_tells_the_networks_members_and_partners_events_apart(client, clubs, make_event):
    own = make_event(title="Webinaire du réseau")
    member = MemberOrganisation(name="Métropole d'Exemple", kind="intercommunalite", region_code="IDF")
    db.session.add(member)
    db.session.commit()
    partners = relayed(make_source(name="Agenda partenaire"), title="Rencontre partenaire")
    members = relayed(
        make_source(
            url="https://m.example.org/m.ics", name="Agenda métropole", member_organisation_id=member.id
        ),
        title="Rencontre métropole",
    )
    expected = {"rtes": own, "adherents": members, "partenaires": partners}
    for origin, event in expected.items():
        agenda = text(client.get(f"/evenements/?origine={origin}"))
        assert event.title in agenda and all(
            o.title not in agenda for o in expected.values() if o is not event
        )
        feed = icalendar.Calendar.from_ical(client.get(f"/agenda.ics?origine={origin}").data)
        assert [str(c["UID"]) for c in feed.walk("VEVENT")] == [event.uid], origin
        items = client.get(f"/api/v1/evenements?origine={origin}").get_json()["items"]
        assert [item["slug"] for item in items] == [event.slug]
    assert "réseaux partenaires" in text(client.get("/agenda.ics?origine=partenaires"))
    spec = json.loads(client.get("/api/v1/openapi.json").data)
    assert spec["components"]["schemas"]["Event"]["properties"]["origin"]["enum"] == [*expected]


# --- Moderation and the team's decisions -------------------------------------------------------


def test_a_moderated_calendars_events_wait_in_the_queue(client, admin):
    source = make_source(name="Agenda à modérer", publish=False)
    waiting = relayed(source, title="Forum en attente", pending=True)
    refused = relayed(source, title="Salon hors sujet", pending=True)
    assert client.get(f"/evenements/{waiting.slug}/").status_code == 404
    login(client, admin)
    queue = text(client.get("/espace/propositions/"))
    assert "Forum en attente" in queue and "relayé depuis Agenda à modérer" in queue
    [proposal, other] = db.session.scalars(select(EventProposal).order_by(EventProposal.id)).all()
    page = text(client.get(f"/espace/propositions/{proposal.id}/"))
    assert "Relayé depuis" in page and "Modifier avant publication" not in page  # changed at its source
    publish = post(
        client, f"/espace/propositions/{proposal.id}/publier", f"/espace/propositions/{proposal.id}/"
    )
    assert publish.status_code == 303
    assert db.session.scalar(select(Event.id).where(Event.status == "published")) == waiting.id  # no copy
    assert "Relayé depuis <a" in text(client.get(f"/evenements/{waiting.slug}/"))
    refuse = post(
        client,
        f"/espace/propositions/{other.id}/refuser",
        f"/espace/propositions/{other.id}/",
        **{"refus-reason": "Hors du champ de l'ESS."},
    )
    assert refuse.status_code == 303
    assert db.session.get(Event, refused.id).status == "draft"
    assert client.get(f"/evenements/{refused.slug}/").status_code == 404


def test_admins_choose_themes_and_region_hide_and_stop_relaying(client, admin, make_user):
    theme = Theme(slug="commande-publique", name="Commande publique")
    db.session.add(theme)
    db.session.commit()
    event = relayed(make_source())
    page = f"/espace/evenements/{event.id}/relais"
    login(client, admin)
    assert "Relayé depuis Agenda ESS" in text(client.get(f"/espace/evenements/{event.id}/"))
    for themes, region in (("<script>", "99999999999999999999999"), ("x" * 10_000, "2026-02-30")):
        hostile = post(client, page, themes=themes, region=region)
        assert hostile.status_code == 400 and "Choisissez une région dans la liste." in text(hostile)
        assert "Choisissez les thèmes dans la liste." in text(hostile)
    assert post(client, page, themes="Commande publique", region="IDF\x00").status_code == 400
    assert post(client, page, themes="Commande publique", region="NAQ").status_code == 303
    db.session.refresh(event)
    assert [t.slug for t in event.themes] == ["commande-publique"] and event.relay_region_code == "NAQ"
    assert event.relay_themes_chosen and event.relay_region_chosen  # the refreshes keep them
    assert event.title in text(client.get("/evenements/?region=NAQ&theme=commande-publique"))

    assert post(client, f"{page}/masquer", page).status_code == 303
    db.session.refresh(event)
    assert event.relay_hidden
    assert client.get(f"/evenements/{event.slug}/").status_code == 404
    assert event.uid.encode() not in client.get("/agenda.ics").data
    assert post(client, f"{page}/afficher", page).status_code == 303
    assert client.get(f"/evenements/{event.slug}/").status_code == 200
    assert post(client, f"{page}/arreter", page).status_code == 303
    db.session.refresh(event)
    assert event.relay_stopped
    decisions = db.session.scalars(select(AuditEntry).where(AuditEntry.event_id == event.id)).all()
    assert [entry.action for entry in decisions] == ["relay.decided"] * 4
    organiser = make_user("coorganiser", clubs=[OWN_CLUB])
    other = client.application.test_client()
    login(other, organiser)
    assert other.get(page).status_code == 404
