"""Calendar feeds: RFC 5545 form, stable identity and change tracking, conditional GET, privacy."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import select, update

from rtes_events import clock, feeds, registrations, registry
from rtes_events.demo.loader import load_demo
from rtes_events.extensions import db
from rtes_events.feeds import registration_ics
from rtes_events.hookspecs import hookimpl
from rtes_events.models import Club, Event, Region, Theme

SECRET_LINK = "https://visio.example.org/salle-secrete-42"
EMAIL = "camille.martin@example.org"


def parse(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def vevents(response) -> dict[str, icalendar.Event]:
    """The VEVENTs of a feed response, by UID."""
    assert response.status_code == 200
    return {str(v["UID"]): v for v in parse(response.data).walk("VEVENT")}


def feed_event(client, event) -> icalendar.Event:
    return vevents(client.get(f"/evenements/{event.slug}.ics"))[event.uid]


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC, microsecond=0)


def edit(event, **values):
    for name, value in values.items():
        setattr(event, name, value)
    db.session.commit()


def set_times(event, **values):
    """Set ``created_at``/``updated_at`` as stored, past the model's change tracking."""
    db.session.execute(update(Event).where(Event.id == event.id).values(**values))
    db.session.commit()
    db.session.refresh(event)


@pytest.fixture
def personal_url(app):
    def url(email=EMAIL):
        return f"/mon-agenda/{registrations.calendar_token(email).token}.ics"

    return url


# RFC 5545 form


def test_feed_is_crlf_folded_and_declares_its_timezone(client, make_event):
    make_event(title="Un titre très long " * 10, summary="Résumé « accentué » " * 20)
    response = client.get("/agenda.ics")
    body = response.data
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'inline; filename="agenda.ics"'
    assert b"\n" not in body.replace(b"\r\n", b"")
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines), "long lines are folded"
    cal = parse(body)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == "-//RTES//rtes-events//FR"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"]) == "RTES — Agenda"
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in body
    assert [tz.tz_name for tz in cal.timezones] == ["Europe/Paris"]
    assert cal.get_missing_tzids() == set()


def test_timed_event_in_paris_time(client, make_event):
    event = make_event(venue="Hôtel de ville", city="Lyon", mode="onsite")
    vevent = feed_event(client, event)
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    assert vevent.start == event.local_start and vevent.start.hour == 14
    assert vevent.end.hour == 16
    day = event.local_start.strftime("%Y%m%d")
    assert (
        f"DTSTART;TZID=Europe/Paris:{day}T140000".encode() in client.get(f"/evenements/{event.slug}.ics").data
    )
    assert str(vevent["LOCATION"]) == "Hôtel de ville, Lyon"


def test_event_properties(client, make_event):
    theme = Theme(slug="achats", name="Commande publique responsable")
    event = make_event(summary="Un webinaire sur les achats.", themes=[theme])
    vevent = feed_event(client, event)
    assert str(vevent["SUMMARY"]) == event.title
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["URL"]) == f"http://rtes.test/evenements/{event.slug}/"
    assert str(vevent["LOCATION"]) == "En ligne"
    assert vevent.categories == ["Webinaire", "Commande publique responsable"]
    assert "Un webinaire sur les achats." in vevent["DESCRIPTION"]
    assert f"http://rtes.test/evenements/{event.slug}/" in vevent["DESCRIPTION"]
    assert vevent["CREATED"].dt == utc(event.created_at)
    assert int(vevent["SEQUENCE"]) == 0


def test_all_day_and_month_only_events(client, make_event):
    first = date(2025, 11, 20)
    event = make_event(
        slug="deux-jours",
        all_day=True,
        starts_at=clock.to_utc(first),
        ends_at=clock.to_utc(first + timedelta(days=2)),
    )
    month = make_event(
        slug="un-mois",
        all_day=True,
        month_only=True,
        starts_at=clock.to_utc(date(2019, 9, 1)),
        ends_at=clock.to_utc(date(2019, 9, 2)),
    )
    vevent = feed_event(client, event)
    assert vevent["DTSTART"].params["VALUE"] == "DATE"
    assert vevent.start == first and vevent.end == date(2025, 11, 22)
    body = client.get("/evenements/deux-jours.ics").data
    assert b"DTSTART;VALUE=DATE:20251120\r\n" in body and b"DTEND;VALUE=DATE:20251122\r\n" in body
    vevent = feed_event(client, month)
    assert vevent.start == date(2019, 9, 1)
    assert "Date précise non connue : septembre 2019" in vevent["DESCRIPTION"]


def test_hostile_title_gives_a_parseable_feed(client, make_event):
    event = make_event(
        title="Titre\r\nDTSTART:19991231T000000Z\r\n<script>alert(1)</script>", summary="a\rb\nc"
    )
    body = client.get("/agenda.ics").data
    assert b"\r\nDTSTART:1999" not in body
    vevent = vevents(client.get("/agenda.ics"))[event.uid]
    assert str(vevent["SUMMARY"]) == "Titre DTSTART:19991231T000000Z <script>alert(1)</script>"
    assert vevent.start == event.local_start


# Identity and change tracking


def test_uid_and_stamps_are_stable(client, make_event):
    event = make_event()
    set_times(event, updated_at=datetime(2025, 3, 1, 9, 30), created_at=datetime(2025, 2, 1, 8, 0))
    first, second = feed_event(client, event), feed_event(client, event)
    assert str(first["UID"]) == event.uid
    for vevent in (first, second):
        assert vevent["DTSTAMP"].dt == vevent["LAST-MODIFIED"].dt == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert first.to_ical() == second.to_ical()
    edit(event, title="Nouveau titre")
    vevent = feed_event(client, event)
    assert str(vevent["UID"]) == event.uid
    assert vevent["DTSTAMP"].dt == vevent["LAST-MODIFIED"].dt == utc(event.updated_at)
    assert vevent["DTSTAMP"].dt > datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def test_sequence_follows_time_place_and_status(client, make_event):
    event = make_event()
    assert int(feed_event(client, event)["SEQUENCE"]) == 0
    edit(event, title="Autre titre", summary="Autre résumé")
    assert int(feed_event(client, event)["SEQUENCE"]) == 0
    edit(event, starts_at=event.starts_at + timedelta(hours=1), ends_at=event.ends_at + timedelta(hours=1))
    vevent = feed_event(client, event)
    assert int(vevent["SEQUENCE"]) == 1 and vevent.start.hour == 15
    edit(event, mode="onsite", venue="Maison de l'ESS", city="Nantes")
    assert int(feed_event(client, event)["SEQUENCE"]) == 2
    edit(event, status="postponed")
    vevent = feed_event(client, event)
    assert int(vevent["SEQUENCE"]) == 3 and str(vevent["STATUS"]) == "TENTATIVE"
    edit(event, status="cancelled")
    vevent = feed_event(client, event)
    assert int(vevent["SEQUENCE"]) == 4 and str(vevent["STATUS"]) == "CANCELLED"


def test_cancelled_events_stay_drafts_never_appear(client, make_event):
    cancelled = make_event(status="cancelled")
    draft = make_event(status="draft")
    found = vevents(client.get("/agenda.ics"))
    assert str(found[cancelled.uid]["STATUS"]) == "CANCELLED"
    assert draft.uid not in found
    assert client.get(f"/evenements/{draft.slug}.ics").status_code == 404
    assert client.get("/evenements/inconnu.ics").status_code == 404


def test_filters_and_calendar_names(client, make_event, monkeypatch):
    monkeypatch.setattr(registry, "FEED_MIN_PAST", 1)
    region = Region(code="ARA", name="Auvergne-Rhône-Alpes")
    club = Club(
        slug="club-ara", name="Club des collectivités pour l'ESS en Auvergne-Rhône-Alpes", region=region
    )
    webinar = make_event()
    meeting = make_event(kind="rencontre")
    recent = clock.now() - timedelta(days=60)
    session = make_event(kind="club", club=club, starts_at=recent, ends_at=recent + timedelta(hours=2))
    old = make_event(
        kind="club", club=club, starts_at=datetime(2020, 5, 5, 8), ends_at=datetime(2020, 5, 5, 10)
    )
    response = client.get("/agenda.ics?type=webinaire")
    assert set(vevents(response)) == {webinar.uid}
    assert str(parse(response.data)["X-WR-CALNAME"]) == "RTES — Webinaires"
    assert set(vevents(client.get("/agenda.ics?type=rencontre"))) == {meeting.uid}
    assert set(vevents(client.get("/agenda.ics?club=club-ara"))) == {session.uid}
    assert set(vevents(client.get("/agenda.ics?type=inconnu"))) == {webinar.uid, meeting.uid, session.uid}
    assert set(vevents(client.get("/agenda.ics?club=club-ara&periode=passes"))) == {session.uid, old.uid}
    assert set(vevents(client.get("/agenda.ics?periode=a-venir"))) == {webinar.uid, meeting.uid}
    response = client.get("/clubs/club-ara.ics")
    assert set(vevents(response)) == {session.uid}, "upcoming sessions and those of the last 12 months"
    assert str(parse(response.data)["X-WR-CALNAME"]) == club.name
    assert response.headers["Content-Disposition"] == 'inline; filename="club-ara.ics"'
    assert client.get("/clubs/inconnu.ics").status_code == 404


def test_a_quiet_clubs_feed_keeps_its_latest_sessions(client, make_event):
    club = Club(slug="club-calme", name="Club calme", region=Region(code="ARA", name="Auvergne-Rhône-Alpes"))
    sessions = [
        make_event(
            kind="club",
            club=club,
            starts_at=datetime(2000 + n, 5, 5, 8),
            ends_at=datetime(2000 + n, 5, 5, 10),
        )
        for n in range(registry.FEED_MIN_PAST + 2)
    ]
    kept = {event.uid for event in sessions[-registry.FEED_MIN_PAST :]}
    assert set(vevents(client.get("/clubs/club-calme.ics"))) == kept, "the latest past sessions, however old"
    assert len(vevents(client.get("/agenda.ics?club=club-calme&periode=passes"))) == len(sessions)


def test_event_feed_is_not_shadowed_by_the_event_page(app, client, make_event):
    event = make_event()
    adapter = app.url_map.bind("rtes.test")
    assert adapter.match(f"/evenements/{event.slug}.ics")[0] == "feeds.event_ics"
    assert adapter.match(f"/evenements/{event.slug}/")[0] == "public.event"
    response = client.get(f"/evenements/{event.slug}.ics")
    assert response.mimetype == "text/calendar"
    assert set(vevents(response)) == {event.uid}
    assert response.headers["Content-Disposition"] == f'inline; filename="{event.slug}.ics"'


# Conditional GET


def test_etag_and_last_modified_answer_304(client, make_event):
    event = make_event()
    set_times(event, updated_at=datetime(2025, 3, 1, 9, 30, 15, 500))
    response = client.get("/agenda.ics")
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response.headers["Last-Modified"] == "Sat, 01 Mar 2025 09:30:15 GMT"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert client.get("/agenda.ics").headers["ETag"] == etag
    not_modified = client.get("/agenda.ics", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    since = client.get("/agenda.ics", headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304
    edit(event, title="Titre modifié")
    changed = client.get("/agenda.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    since = client.get("/agenda.ics", headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 200


def test_empty_feed_has_a_fixed_last_modified(client):
    first, second = client.get("/agenda.ics"), client.get("/agenda.ics")
    assert (
        first.headers["Last-Modified"] == second.headers["Last-Modified"] == "Wed, 01 Jan 2020 00:00:00 GMT"
    )
    assert first.headers["ETag"] == second.headers["ETag"]
    assert parse(first.data).events == []


# Privacy and personal feeds


def test_public_feeds_hold_no_private_data(client, make_event, make_registration):
    event = make_event(online_url=SECRET_LINK, mode="hybrid", venue="Salle des fêtes", city="Lille")
    registration = make_registration(event, email=EMAIL, mode="remote")
    assert registration.status == "confirmed"
    for url in ("/agenda.ics", f"/evenements/{event.slug}.ics"):
        body = client.get(url).get_data(as_text=True)
        for private in (SECRET_LINK, "salle-secrete", EMAIL, "Camille", "Martin", "Grenoble"):
            assert private not in body
    assert str(feed_event(client, event)["LOCATION"]) == "Salle des fêtes, Lille — En ligne"


def test_registration_ics_carries_the_link_for_a_confirmed_registrant(make_event, make_registration):
    event = make_event(online_url=SECRET_LINK, capacity=1)
    confirmed = make_registration(event, email=EMAIL)
    waitlisted = make_registration(event, email="dominique@example.org")
    assert waitlisted.status == "waitlisted"
    cal = parse(registration_ics(confirmed))
    [vevent] = cal.events
    assert str(vevent["UID"]) == event.uid
    assert SECRET_LINK in vevent["DESCRIPTION"] and str(vevent["LOCATION"]) == SECRET_LINK
    assert [c.uri for c in vevent.conferences] == [SECRET_LINK]
    assert int(vevent["SEQUENCE"]) == event.sequence + 1
    assert cal.get_missing_tzids() == set()
    body = registration_ics(confirmed).decode()
    assert EMAIL not in body and "Camille" not in body
    [vevent] = parse(registration_ics(waitlisted)).events
    assert SECRET_LINK not in vevent.to_ical().decode()
    assert str(vevent["STATUS"]) == "TENTATIVE" and int(vevent["SEQUENCE"]) == event.sequence


def test_personal_feed(client, make_event, make_registration, personal_url):
    online = make_event(online_url=SECRET_LINK)
    other = make_event(kind="rencontre", mode="onsite", city="Rennes")
    make_event(online_url="https://visio.example.org/pas-inscrit")
    make_registration(online, email=EMAIL)
    registration = make_registration(other, email=EMAIL)
    make_registration(other, email="quelqu.un@example.org")
    response = client.get(personal_url())
    found = vevents(response)
    assert set(found) == {online.uid, other.uid}
    assert SECRET_LINK in found[online.uid]["DESCRIPTION"]
    assert int(found[online.uid]["SEQUENCE"]) == online.sequence + 1
    assert str(found[other.uid]["STATUS"]) == "CONFIRMED"
    changed = max(other.updated_at, registration.updated_at)
    assert found[other.uid]["DTSTAMP"].dt == found[other.uid]["LAST-MODIFIED"].dt == utc(changed)
    body = response.get_data(as_text=True)
    for private in (EMAIL, "Camille", "Martin", "Grenoble", "quelqu.un", "pas-inscrit"):
        assert private not in body
    assert str(parse(response.data)["X-WR-CALNAME"]) == "Mon agenda RTES"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert client.get(personal_url(), headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_personal_feed_unknown_token(client):
    assert client.get("/mon-agenda/inconnu.ics").status_code == 404


def test_personal_feed_follows_cancellation_and_new_registration(
    client, make_event, make_registration, personal_url
):
    event = make_event(online_url=SECRET_LINK)
    registration = make_registration(event, email=EMAIL)
    url = personal_url()
    etag = client.get(url).headers["ETag"]
    registrations.cancel(registration)
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    vevent = vevents(response)[event.uid]
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert int(vevent["SEQUENCE"]) == event.sequence + 2
    assert SECRET_LINK not in vevent.to_ical().decode()
    make_registration(event, email=EMAIL)
    [vevent] = parse(client.get(url).data).events
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert int(vevent["SEQUENCE"]) > event.sequence + 2, "the sequence never goes back"
    assert SECRET_LINK in vevent["DESCRIPTION"]


# Plugins


def test_hook_rtes_ical_event(app, client, make_event, make_registration, personal_url):
    class Recorder:
        def __init__(self):
            self.calls = []

        @hookimpl
        def rtes_ical_event(self, event, vevent, private):
            self.calls.append((event.slug, private))
            vevent.add("X-RTES-TEST", "privé" if private else "public")

    recorder = Recorder()
    app.extensions["rtes_plugins"].register(recorder, name="test-recorder")
    event = make_event()
    vevent = feed_event(client, event)
    assert str(vevent["X-RTES-TEST"]) == "public"
    assert recorder.calls == [(event.slug, False)]
    make_registration(event, email=EMAIL)
    recorder.calls.clear()
    [vevent] = parse(client.get(personal_url()).data).events
    assert str(vevent["X-RTES-TEST"]) == "privé"
    assert recorder.calls == [(event.slug, True)]


def test_public_vevents_written_directly_say_what_icalendar_says(app, make_event):
    """Without a plugin changing VEVENTs, they are written without icalendar: the same content."""
    load_demo()
    make_event(title="Titre ; avec, des \\ signes\r\net « guillemets » " * 3, summary="é" * 200)
    make_event(status="cancelled", mode="hybrid", venue="Salle ; 1", city="Saint-Étienne")
    make_event(themes=[Theme(slug="a-b", name="Achats, alimentation")], status="postponed")
    with app.test_request_context():
        for event in db.session.scalars(select(Event)):
            direct = feeds.public_vevent(event)
            assert all(len(line) <= 75 for line in direct.split(b"\r\n"))
            written = icalendar.Event.from_ical(direct)
            assert written.to_ical() == feeds.build_vevent(event).to_ical(), event.slug


def test_a_plugin_that_leaves_a_vevent_alone_keeps_it_written_directly(app, make_event):
    """Plugins get a VEVENT built when they first touch it: the others are written directly, the
    touched ones through icalendar with the plugin's change, the hook called once per event."""

    class Marker:
        calls = []

        @hookimpl
        def rtes_ical_event(self, event, vevent, private):
            Marker.calls.append(event.slug)
            if "marqué" in event.title:
                vevent.add("X-RTES-MARK", "oui")
                vevent["SUMMARY"] = vevent["SUMMARY"].upper()

    alone, marked = make_event(title="Seul"), make_event(title="Événement marqué")
    with app.test_request_context():
        direct = {event.slug: feeds.public_vevent(event) for event in (alone, marked)}
        app.extensions["rtes_plugins"].register(Marker(), name="marker")
        try:
            assert feeds.public_vevent(alone) == direct[alone.slug]
            written = feeds.public_vevent(marked)
            assert Marker.calls == [alone.slug, marked.slug]
            assert written == feeds.build_vevent(marked).to_ical()
        finally:
            app.extensions["rtes_plugins"].unregister(name="marker")
    vevent = icalendar.Event.from_ical(written)
    assert vevent["X-RTES-MARK"] == "oui" and vevent["SUMMARY"] == "ÉVÉNEMENT MARQUÉ"
    assert written != direct[marked.slug]
