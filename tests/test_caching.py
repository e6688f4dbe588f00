"""Caches of pages and feeds: keyed on the data versions, 304 without building, never personal."""

import gzip
import time
from contextlib import contextmanager
from datetime import timedelta

import icalendar
import pytest
from flask import session
from sqlalchemy import event as sa_event
from sqlalchemy import update

from rtes_events import cache, clock, registrations
from rtes_events.extensions import db
from rtes_events.hookspecs import hookimpl
from rtes_events.models import Club, DataVersion, Event, Region, Theme

PAGES = ("/", "/evenements/", "/evenements/evenement-1/", "/clubs/", "/clubs/club-test/")
FEEDS = ("/agenda.ics", "/clubs/club-test.ics", "/evenements/evenement-1.ics")


@contextmanager
def counted_queries():
    """The SQL statements run inside the block."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture(params=["memoire", "redis"])
def app_config(request) -> dict:
    """Every test with the in-process cache of one server, then with the shared Redis of several."""
    return {"RTES_CACHE_URL": request.getfixturevalue("redis_url")} if request.param == "redis" else {}


@pytest.fixture(autouse=True)
def every_request_asks_the_database(app):
    """The strict setting, so that the query counts below hold; the default is tested at the end."""
    app.config["RTES_VERSION_CHECK_SECONDS"] = 0


@pytest.fixture
def club(app):
    club = Club(slug="club-test", name="Club de test", region=Region(code="TST", name="Testland"))
    db.session.add(club)
    db.session.commit()
    return club


@pytest.fixture
def events(make_event, club):
    theme = Theme(slug="achats", name="Achats")

    def make(count: int) -> list[Event]:
        made = []
        for n in range(count):
            starts = clock.now() + timedelta(days=n - count // 2, hours=1)
            made.append(
                make_event(
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    club=club if n % 2 else None,
                    themes=[theme],
                    capacity=20,
                )
            )
        return made

    return make


@pytest.mark.parametrize("url", PAGES + FEEDS)
def test_a_conditional_get_is_answered_from_the_version_alone(client, events, url):
    events(3)
    response = client.get(url)
    assert response.status_code == 200 and response.headers["ETag"]
    with counted_queries() as statements:
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert len(statements) == 1, "one query: the data versions"
    assert again.headers["ETag"] == response.headers["ETag"]


def test_the_body_is_built_once_per_version(client, events):
    [event] = events(1)
    first = client.get("/evenements/")
    with counted_queries() as statements:
        second = client.get("/evenements/")
    assert second.data == first.data and len(statements) == 1
    event.title = "Titre changé"
    db.session.commit()
    changed = client.get("/evenements/")
    assert "Titre changé" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != first.headers["ETag"]


@pytest.mark.parametrize(
    "change",
    [
        lambda event: setattr(event, "title", "Nouveau"),
        lambda event: event.themes.append(Theme(slug="autre", name="Autre thème")),
        lambda event: setattr(event.club, "name", "Club renommé"),
        lambda event: db.session.execute(update(Event).where(Event.id == event.id).values(city="Brest")),
        lambda event: db.session.delete(event),
    ],
    ids=["field", "association", "shared", "bulk-update", "delete"],
)
def test_every_kind_of_change_renews_pages_and_feeds(client, events, change):
    event = events(2)[1]
    before = {url: client.get(url).headers["ETag"] for url in ("/evenements/", "/agenda.ics")}
    change(event)
    db.session.commit()
    for url, etag in before.items():
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 200, url


def test_a_registration_renews_the_event_page_but_not_the_feeds(client, events, make_registration):
    event = events(1)[0]
    page = client.get(f"/evenements/{event.slug}/")
    feed = client.get("/agenda.ics")
    assert "20 places restantes" in page.get_data(as_text=True)
    make_registration(event)
    fresh = client.get(f"/evenements/{event.slug}/", headers={"If-None-Match": page.headers["ETag"]})
    assert fresh.status_code == 200 and "19 places restantes" in fresh.get_data(as_text=True)
    assert client.get("/agenda.ics", headers={"If-None-Match": feed.headers["ETag"]}).status_code == 304


def test_a_rolled_back_change_renews_nothing(client, events):
    event = events(1)[0]
    etag = client.get("/agenda.ics").headers["ETag"]
    event.title = "Jamais enregistré"
    db.session.flush()
    db.session.rollback()
    assert client.get("/agenda.ics", headers={"If-None-Match": etag}).status_code == 304


def test_time_passing_moves_events_to_the_past(client, make_event, monkeypatch):
    event = make_event(starts_at=clock.now() + timedelta(hours=1), ends_at=clock.now() + timedelta(hours=2))
    response = client.get("/evenements/")
    assert event.slug in response.get_data(as_text=True)
    later = clock.now() + timedelta(hours=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    moved = client.get("/evenements/", headers={"If-None-Match": response.headers["ETag"]})
    assert moved.status_code == 200 and event.slug not in moved.get_data(as_text=True)


@pytest.mark.parametrize("url", PAGES)
def test_pages_of_signed_in_users_or_with_a_flash_are_never_cached(client, events, url):
    events(2)
    anonymous = client.get(url)
    assert anonymous.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in anonymous.headers["Vary"]
    for key, value in (("_user_id", "42"), ("_flashes", [("success", "Message pour vous seul")])):
        with client.session_transaction() as session:
            session[key] = value
        response = client.get(url, headers={"If-None-Match": anonymous.headers["ETag"]})
        assert response.status_code == 200, "a personal page is rebuilt"
        assert "ETag" not in response.headers
        assert response.headers["Cache-Control"] == "private, no-store"
        with client.session_transaction() as session:
            session.clear()
    assert "Message pour vous seul" not in client.get(url).get_data(as_text=True)
    client.set_cookie("remember_token", "1|abc")
    assert client.get(url).headers["Cache-Control"] == "private, no-store"


def test_the_registration_remembered_for_the_page_after_the_form_keeps_pages_cacheable(app):
    """The session remembers the browser's last registration for the page after the form (never
    cached); no cached page depends on it, while a flash message still makes a page personal."""
    cookie = f"{app.config['SESSION_COOKIE_NAME']}=x"
    with app.test_request_context("/evenements/", headers={"Cookie": cookie}):
        session.update(csrf_token="t", registration_sent={"registration": 1, "created": True})
        assert cache.anonymous()
        session["_flashes"] = [("success", "Message pour vous seul")]
        assert not cache.anonymous()


def test_a_flash_is_shown_once_and_never_kept(client, events):
    events(1)
    client.get("/evenements/")  # cached for anonymous visitors
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Votre inscription est annulée.")]
    assert "Votre inscription est annulée." in client.get("/evenements/").get_data(as_text=True)
    assert "Votre inscription est annulée." not in client.get("/evenements/").get_data(as_text=True)


def test_personal_feeds_and_registration_pages_are_not_shared(client, events, make_registration):
    event = events(1)[0]
    registration = make_registration(event)
    token = registrations.calendar_token(registration.email).token
    assert client.get(f"/mon-agenda/{token}.ics").headers["Cache-Control"] == "private, no-store"
    for url in (f"/inscription/{registration.token}/", f"/evenements/{event.slug}/inscription"):
        assert client.get(url).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", PAGES + FEEDS)
def test_gzip_when_accepted(client, events, url):
    events(3)
    plain = client.get(url)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304


def test_feeds_are_concatenations_of_kept_vevents(app, client, events):
    class Counter:
        calls = 0

        @hookimpl
        def rtes_ical_event(self, event, vevent, private):
            Counter.calls += 1

    made = events(4)
    app.extensions["rtes_plugins"].register(Counter(), name="counter")
    whole = client.get("/agenda.ics")
    assert Counter.calls == 4
    client.get("/agenda.ics?type=webinaire")
    client.get(f"/evenements/{made[0].slug}.ics")
    assert Counter.calls == 4, "a filtered feed reuses the kept VEVENTs"
    made[0].title = "Changé"
    db.session.commit()
    body = client.get("/agenda.ics").data
    assert Counter.calls == 5, "only the changed event is serialised again"
    assert len(icalendar.Calendar.from_ical(body).events) == 4
    assert "Changé".encode() in body and body != whole.data
    app.extensions["rtes_plugins"].unregister(name="counter")
    client.get("/agenda.ics")
    assert Counter.calls == 5


def test_huge_or_odd_page_numbers_show_a_page(client, make_event):
    for _ in range(25):
        make_event()
    for url in ("/", "/evenements/"):
        for number in ("99999999999999999999999", "1e9", "-3", "0", "2"):
            response = client.get(f"{url}?page={number}")
            assert response.status_code == 200, number
        last = client.get(f"{url}?page=99999999999999999999999").get_data(as_text=True)
        assert "Page 2 sur 2" in last


QUERY_PAGES = ("/", "/evenements/", "/evenements/?periode=passes", "/evenements/?q=test&theme=achats")


@pytest.mark.parametrize(
    "url",
    QUERY_PAGES
    + ("/evenements/evenement-1/", "/clubs/", "/clubs/club-test/")
    + FEEDS
    + ("/agenda.ics?periode=passes", "/agenda.ics?q=evenement"),
)
def test_queries_do_not_grow_with_the_number_of_events(app, client, events, url):
    def cold_queries() -> int:
        for backend in app.extensions["cache"].values():
            backend.clear()
        with counted_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    events(10)
    few = cold_queries()
    events(190)
    assert cold_queries() == few


@pytest.mark.parametrize("app_config", ["redis"], indirect=True)
def test_a_body_built_by_one_server_is_sent_by_another_through_redis(app, app_factory, client, events):
    events(3)
    first = client.get("/agenda.ics")
    other = app_factory(RTES_CACHE_URL=app.config["RTES_CACHE_URL"], RTES_VERSION_CHECK_SECONDS=0)
    assert type(other.extensions["cache"][cache.bodies]).__name__ == "RedisCache"
    with other.app_context():
        with counted_queries() as statements:
            again = other.test_client().get("/agenda.ics")
        db.engine.dispose()
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert len(statements) == 1, "one query: the data versions; the body came from Redis"


def test_a_process_trusts_the_versions_for_a_moment_but_sees_its_own_changes_at_once(
    app, client, events, monkeypatch
):
    app.config["RTES_VERSION_CHECK_SECONDS"] = 60
    event = events(1)[0]
    etag = client.get("/agenda.ics").headers["ETag"]
    with counted_queries() as statements:
        assert client.get("/agenda.ics", headers={"If-None-Match": etag}).status_code == 304
    assert statements == [], "the versions read a moment ago"
    with db.engine.begin() as other_process:  # a change committed elsewhere, seen once trusted no more
        other_process.execute(update(DataVersion).values(version=DataVersion.version + 1))
    assert client.get("/agenda.ics", headers={"If-None-Match": etag}).status_code == 304
    later = time.monotonic() + 61
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert client.get("/agenda.ics", headers={"If-None-Match": etag}).status_code == 200
    etag = client.get("/agenda.ics").headers["ETag"]
    event.title = "Changé ici"
    db.session.commit()
    assert client.get("/agenda.ics", headers={"If-None-Match": etag}).status_code == 200


def test_a_warm_body_is_sent_from_the_process_without_asking_the_shared_cache(client, events, monkeypatch):
    events(3)
    plain, zipped = client.get("/agenda.ics"), client.get("/agenda.ics", headers={"Accept-Encoding": "gzip"})

    def unreachable(*args, **kwargs):
        raise AssertionError("the shared cache was asked")

    monkeypatch.setattr(cache.bodies, "get", unreachable)
    again = client.get("/agenda.ics")
    assert again.data == plain.data and again.headers == plain.headers
    again = client.get("/agenda.ics", headers={"Accept-Encoding": "gzip"})
    assert again.data == zipped.data and again.headers == zipped.headers
    assert gzip.decompress(again.data) == plain.data


def test_bodies_kept_in_process_stay_within_their_bytes():
    local = cache.LocalBodies(limit=10)
    local.set("a", (b"123456", []))
    local.set("b", (b"1234", []))
    assert local.get("a") is not None  # used last: kept over b
    local.set("c", (b"123", []))
    assert local.get("b") is None and local.get("a") and local.get("c")
    local.set("too big", (b"12345678901", []))
    assert local.get("too big") is None and local.size == 9
    local.clear()
    assert local.get("a") is None and local.size == 0
