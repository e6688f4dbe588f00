"""Followed calendars: real software's feeds served by a local server become relayed events, kept in
line from one refresh to the next (moved, changed, cancelled, removed), moderated or published,
shown once across sources, with the team's decisions kept; the command line."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from rtes_events import clock, indicators, proposals, sources
from rtes_events.extensions import db
from rtes_events.importer import import_data
from rtes_events.models import CalendarSource, Event
from rtes_events.plugins import hook

from .calendar_server import CalendarServer

BOTH_DATABASES = True  # matching by UID and RECURRENCE-ID leans on a unique constraint of each database
NOW = datetime(2027, 1, 15, 9, 0)  # the fixtures are dated in 2027
FIXTURES = Path(__file__).parent / "calendars"


@pytest.fixture(scope="module")
def publisher():
    server = CalendarServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def calendar_settings(monkeypatch):
    monkeypatch.setenv("RTES_SOURCES_ALLOW_PRIVATE", "127.0.0.1")  # the publisher, and nothing else
    monkeypatch.setattr(clock, "now", lambda: NOW)


def relayed(source=None) -> dict[str, list[Event]]:
    query = select(Event).where(Event.calendar_source_id.is_not(None)).order_by(Event.starts_at)
    if source is not None:
        query = query.where(Event.calendar_source_id == source.id)
    events: dict[str, list[Event]] = {}
    for event in db.session.scalars(query):
        events.setdefault(event.title, []).append(event)
    return events


def vevent(uid: str, title: str, start: str, *, hours: int = 2, extra: str = "") -> str:
    """A VEVENT at ``start`` (``AAAAMMJJTHHMMSS`` UTC)."""
    end = datetime.strptime(start, "%Y%m%dT%H%M%S") + timedelta(hours=hours)
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:{start}Z\r\n"
        f"DTEND:{end:%Y%m%dT%H%M%S}Z\r\nSUMMARY:{title}\r\n{extra}END:VEVENT\r\n"
    )


def calendar(*events: str) -> str:
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//FR\r\n" + "".join(events) + "END:VCALENDAR\r\n"


def test_calendars_as_real_software_writes_them(app, runner, publisher, clubs):
    for path in sorted(FIXTURES.glob("*.ics")):
        publisher.serve(f"/real/{path.name}", path.read_bytes())
    done = runner.invoke(
        args=[
            "sources",
            "add",
            publisher.url("/real/google.ics"),
            "--name",
            "CRESS IDF",
            "--partner",
            "cress-idf",
        ]
        + ["--publish", "--theme", "Commande publique"]
    )
    assert done.exit_code == 0, done.output
    assert "calendrier suivi n° " in done.output and "5 créé(s)" in done.output
    for name in ("outlook", "apple", "thunderbird", "nextcloud", "openagenda", "no_uid"):
        sources.add(publisher.url(f"/real/{name}.ics"), name, publish=True)
    assert runner.invoke(args=["sources", "refresh"]).exit_code == 0
    events = relayed()

    # Google Agenda: a weekly series without its excluded week, one instance moved and renamed.
    series = events["Permanence ESS des collectivités"]
    assert [e.starts_at for e in series] == [datetime(2027, 2, 2, 8, 30), datetime(2027, 2, 23, 8, 30)]
    assert {e.relay_recurrence_id for e in series} == {"20270202T083000Z", "20270223T083000Z"}
    moved = events["Permanence ESS des collectivités (après-midi)"][0]
    assert (moved.starts_at, moved.relay_recurrence_id) == (datetime(2027, 2, 16, 13), "20270216T083000Z")
    assert "[sur le site de la CRESS](https://www.cress-occitanie.org/permanence)" in series[0].description
    assert "javascript" not in series[0].description and "<b>" not in series[0].description
    assert series[0].city == "Toulouse" and [t.name for t in series[0].themes] == ["Commande publique"]
    assert series[0].relay_region_code == "IDF" and series[0].registration_provider == "organisateur"
    forum = events["Forum régional de l'ESS"]  # Google's all-day one and OpenAgenda's: not the same start
    assert [(e.starts_at, e.all_day) for e in forum] == [
        (datetime(2027, 3, 10, 23), True),
        (datetime(2027, 3, 11, 8), False),
    ]
    webinar = events["Webinaire : commande publique responsable"][0]
    assert (webinar.kind, webinar.mode, webinar.online_url) == (
        "webinaire",
        "online",
        "https://meet.google.com/abc-defg-hij",
    )
    # Outlook: Windows zone names, with and without VTIMEZONE.
    assert events["Réunion des chargés de mission ESS"][0].starts_at == datetime(2027, 4, 10, 12)
    assert events["Webinaire achats socialement responsables"][0].starts_at == datetime(2027, 4, 15, 8)
    # Apple: two days, its own page; Thunderbird: a floating time, the cancelled event not taken.
    rencontres = events["Rencontres de l'économie circulaire"][0]
    assert (rencontres.ends_at - rencontres.starts_at).days == 1 and rencontres.city == "Nantes"
    assert rencontres.relay_url == "https://www.ville-exemple.fr/agenda/rencontres-economie-circulaire"
    assert hook().rtes_registration_url(event=rencontres) == rencontres.relay_url  # register there
    assert events["Atelier tiers-lieux"][0].starts_at == datetime(2027, 6, 2, 8)
    assert "Visite de la recyclerie (annulée)" not in events
    # Nextcloud: the monthly series from now on (January's is over), the two-day salon.
    assert len(events["Comité de pilotage ESS"]) == 2
    salon = events["Salon de l'économie sociale et solidaire"][0]
    assert salon.all_day and salon.ends_at - salon.starts_at == timedelta(days=2)
    # OpenAgenda: its pages and towns; a feed without UIDs: a derived key.
    assert events["Ciné-débat : entreprendre autrement"][0].city == "Brest"
    assert events["Assemblée générale de l'association"][0].relay_uid.startswith("derived-")

    # Refreshing again: every server answers 304, nothing changes.
    before = {e.id: (e.updated_at, e.sequence) for e in db.session.scalars(select(Event))}
    done = runner.invoke(args=["sources", "refresh"])
    assert done.output.count("inchangé") == 7, done.output
    db.session.expire_all()
    assert {e.id: (e.updated_at, e.sequence) for e in db.session.scalars(select(Event))} == before
    listing = runner.invoke(args=["sources", "list"]).output
    assert "CRESS IDF" in listing and "publié" in listing and "à jour" in listing
    assert "Aucun calendrier suivi n° 999" in runner.invoke(args=["sources", "refresh", "999"]).output


def test_moves_changes_cancellations_and_removals_follow_the_source(app, client, publisher, make_user, clubs):
    admin = make_user("admin")
    first = calendar(
        vevent("a", "Atelier déplacé", "20270301T090000"),
        vevent("b", "Réunion renommée", "20270302T090000"),
        vevent("c", "Visite annulée", "20270303T090000"),
        vevent("d", "Conférence retirée", "20270304T090000"),
        vevent("e", "Forum masqué", "20270305T090000"),
        vevent("f", "Séminaire figé", "20270306T090000"),
    )
    url = publisher.serve("/changes.ics", first, validators=False)
    source = sources.add(url, "Métropole", publish=True)
    assert sources.refresh(source.id).created == 6
    events = {title: found[0] for title, found in relayed().items()}
    sources.decide(admin, events["Forum masqué"], hidden=True, themes=["Emploi"], region="NAQ")
    sources.decide(admin, events["Séminaire figé"], stopped=True)
    sources.update(admin, source, {"themes": ["Insertion"], "region": "IDF"})  # reaches all but the chosen
    assert [t.name for t in events["Atelier déplacé"].themes] == ["Insertion"]
    assert events["Atelier déplacé"].relay_region_code == "IDF"
    sequences = {title: event.sequence for title, event in events.items()}

    second = calendar(
        vevent("a", "Atelier déplacé", "20270308T130000"),
        vevent("b", "Réunion (nouveau titre)", "20270302T090000", extra="SEQUENCE:1\r\n"),
        vevent("c", "Visite annulée", "20270303T090000", extra="STATUS:CANCELLED\r\nSEQUENCE:1\r\n"),
        vevent("e", "Forum masqué", "20270305T100000"),
        vevent("f", "Séminaire renommé à la source", "20270306T090000"),
    )
    publisher.serve("/changes.ics", second, validators=False)
    result = sources.refresh(source.id)
    assert (result.created, result.updated, result.cancelled) == (0, 3, 2)
    db.session.expire_all()
    moved, renamed = events["Atelier déplacé"], events["Réunion renommée"]
    assert moved.starts_at == datetime(2027, 3, 8, 13) and moved.sequence > sequences["Atelier déplacé"]
    assert renamed.title == "Réunion (nouveau titre)"
    for title in ("Visite annulée", "Conférence retirée"):
        assert events[title].status == "cancelled" and events[title].sequence > sequences[title]
    kept = events["Forum masqué"]
    assert (
        kept.relay_hidden and kept.status == "draft" and "Forum masqué" not in client.get("/evenements/").text
    )
    assert [t.name for t in kept.themes] == ["Emploi"] and kept.relay_region_code == "NAQ"
    assert kept.starts_at == datetime(2027, 3, 5, 10)  # still followed
    assert events["Séminaire figé"].title == "Séminaire figé"
    feed = client.get("/agenda.ics").get_data(as_text=True)
    assert "DTSTART;TZID=Europe/Paris:20270308T140000" in feed and feed.count("STATUS:CANCELLED") == 2

    # Twice the same calendar (stamped anew, as many servers do): nothing written; an answer
    # without future events cancels nothing.
    before = {e.id: (e.updated_at, e.sequence, e.status) for e in db.session.scalars(select(Event))}
    stamped = second.replace("DTSTAMP:20261201T000000Z", "DTSTAMP:20270115T090000Z")
    publisher.serve("/changes.ics", stamped, validators=False)
    again = sources.refresh(source.id)
    assert (again.updated, again.cancelled, again.error) == (0, 0, None)
    publisher.serve("/changes.ics", calendar(), validators=False)
    assert sources.refresh(source.id).cancelled == 0
    db.session.expire_all()
    assert {e.id: (e.updated_at, e.sequence, e.status) for e in db.session.scalars(select(Event))} == before
    sources.decide(admin, kept, hidden=False)  # shown again: published, its source's word at next refresh
    assert (kept.status, kept.relay_hidden, kept.relay_fingerprint) == ("published", False, None)


def test_a_moderated_source_fills_the_proposals_queue(app, publisher, make_user, clubs):
    admin = make_user("admin")
    url = publisher.serve(
        "/moderated.ics",
        calendar(
            vevent("m1", "Rencontre à valider", "20270310T090000"), vevent("m2", "Autre", "20270311T090000")
        ),
        validators=False,
    )
    source = sources.add(url, "CRESS Nouvelle-Aquitaine", partner="cress-naq")
    sources.refresh(source.id)
    queue = [p for p in proposals.pending() if p.calendar_source_id == source.id]
    assert [(p.title, p.organisation, p.event.status) for p in queue] == [
        ("Rencontre à valider", "CRESS Nouvelle-Aquitaine", "draft"),
        ("Autre", "CRESS Nouvelle-Aquitaine", "draft"),
    ]
    assert queue[0].event.relay_region_code == "NAQ"  # the partner's region
    with pytest.raises(proposals.ProposalRefused, match="vient d'un calendrier suivi"):
        proposals.update(admin, queue[0], {"title": "Autre titre"})
    event = proposals.publish(admin, queue[0])
    assert event.status == "published" and event.calendar_source_id == source.id

    publisher.serve(
        "/moderated.ics",
        calendar(
            vevent("m1", "Rencontre validée puis renommée", "20270310T090000"),
            vevent("m2", "Autre", "20270311T090000", extra="STATUS:CANCELLED\r\n"),
        ),
        validators=False,
    )
    sources.refresh(source.id)
    db.session.expire_all()
    assert (event.title, event.status) == ("Rencontre validée puis renommée", "published")
    refused = queue[1]
    assert (refused.state, refused.reason, refused.event.status) == (
        "refused",
        sources.REFUSED_PENDING,
        "draft",
    )


def test_the_same_event_from_two_sources_or_from_the_network_is_shown_once(
    app, client, publisher, make_event, monkeypatch
):
    own = make_event(
        title="Webinaire du RTES", starts_at=datetime(2027, 3, 1, 13), ends_at=datetime(2027, 3, 1, 15)
    )
    publisher.serve("/own.ics", client.get("/agenda.ics").data, content_type="text/calendar; charset=utf-8")
    mirror = sources.add(publisher.url("/own.ics"), "Notre propre agenda", publish=True)
    result = sources.refresh(mirror.id)
    assert (result.created, result.duplicates) == (0, 1)

    same = "20270320T090000"
    cress = sources.add(
        publisher.serve("/cress.ics", calendar(vevent("x@cress", "Forum régional de l'ESS", same))),
        "CRESS",
        publish=True,
    )
    member = sources.add(
        publisher.serve("/member.ics", calendar(vevent("y@ville", "FORUM REGIONAL DE L’ESS !", same))),
        "Ville",
        publish=True,
    )
    for _ in range(2):
        for source in (cress, member):
            sources.refresh(source.id)
    assert len(relayed(cress)["Forum régional de l'ESS"]) == 1 and relayed(member) == {}
    assert db.session.get(CalendarSource, member.id).event_count == 1  # read, shown through the CRESS
    assert own.calendar_source_id is None

    # Past, relayed events stay, and the indicators count them only when asked.
    monkeypatch.setattr(clock, "now", lambda: datetime(2027, 4, 1))
    year = {"du": "2027-01-01", "au": "2027-12-31"}
    held = indicators.Selection.from_args(year, None).events()
    assert db.session.scalars(held).all() == [own.id]
    with_relayed = indicators.Selection.from_args({**year, "relayes": "1"}, None)
    assert (
        len(db.session.scalars(with_relayed.events()).all()) == 2 and with_relayed.as_args()["relayes"] == "1"
    )


def test_who_adds_sources_and_what_is_refused(app, make_user, clubs):
    coorganiser = make_user("coorganiser", clubs=("club-ess-ile-de-france",))
    member = make_user("member")
    source = sources.add(
        "webcal://agenda.example.org/ess.ics", "Club IDF", region="IDF", publish=True, user=coorganiser
    )
    assert (source.url, source.publish, source.created_by_id) == (
        "https://agenda.example.org/ess.ics",
        False,
        coorganiser.id,
    )
    assert sources.may_manage(coorganiser, source) and not sources.may_decide(coorganiser)
    assert not sources.may_add(member) and sources.listed(member) == []
    with pytest.raises(sources.SourceRefused, match="régions de vos clubs"):
        sources.update(coorganiser, source, {"region": "NAQ"})
    db.session.rollback()
    with pytest.raises(sources.SourceRefused, match="Vous ne pouvez pas modifier"):
        sources.update(
            make_user("coorganiser", clubs=("club-ess-nouvelle-aquitaine",)), source, {"name": "x"}
        )
    with pytest.raises(sources.SourceRefused, match="Seule l'équipe"):
        sources.decide(coorganiser, Event(), hidden=True)
    refusals = {
        "Votre compte ne permet pas": dict(url="https://a.example.org/x.ics", name="x", user=member),
        "régions de vos clubs": dict(
            url="https://b.example.org/x.ics", name="x", region="NAQ", user=coorganiser
        ),
        "commencer par https://": dict(url="javascript:alert(1)", name="x"),
        "nommer un serveur": dict(url="ftp://files.example.org/x.ics", name="x"),
        "identifiant": dict(url="https://user:pw@c.example.org/x.ics", name="x"),
        "déjà suivi": dict(url="https://agenda.example.org/ess.ics", name="x"),
        "Indiquez le nom": dict(url="https://d.example.org/x.ics", name="\x00 \t"),
        "200 caractères": dict(url="https://e.example.org/x.ics", name="é" * 10_000),
        "Région inconnue": dict(url="https://f.example.org/x.ics", name="x", region="2026-02-30"),
        "Partenaire inconnu": dict(url="https://g.example.org/x.ics", name="x", partner="<b>x</b>"),
        "pas des deux": dict(
            url="https://h.example.org/x.ics", name="x", partner="cress-idf", member="Ville"
        ),
    }
    for message, values in refusals.items():
        with pytest.raises(sources.SourceRefused, match=message):
            sources.add(values.pop("url"), values.pop("name"), **values)
    db.session.rollback()
    import_data({"members": [{"name": "Ville d'Exemple", "kind": "commune", "region": "NAQ"}]})
    owned = sources.add("https://j.example.org/x.ics", "Agenda municipal", member="Ville d'Exemple")
    assert (owned.owner_name, owned.region_code, owned.publish) == ("Ville d'Exemple", "NAQ", False)
    named = sources.add("https://i.example.org/x.ics", "<script>alert(1)</script>\x00 Agenda")
    assert named.name == "<script>alert(1)</script> Agenda"  # kept as text, escaped where shown
    assert (
        db.session.scalar(
            select(CalendarSource.id).where(CalendarSource.url == "https://a.example.org/x.ics")
        )
        is None
    )
