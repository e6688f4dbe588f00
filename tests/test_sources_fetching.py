"""Following a calendar never reaches what it must not, and a failing one backs off on its own:
the guards of ``sources.fetching`` against a local server that misbehaves (SQLite: no database at
stake)."""

from datetime import datetime, timedelta

import pytest

from rtes_events import clock, config, sources, worker
from rtes_events.extensions import db
from rtes_events.models import CalendarSource
from rtes_events.sources.fetching import calendar_url, retry_after

from .calendar_server import CalendarServer
from .test_sources import NOW, calendar, relayed, vevent

BROKEN = "BEGIN:VEVENT\r\nUID:broken\r\nDTSTART:demain\r\nSUMMARY:Cassé\r\nEND:VEVENT\r\n"
GOOD = calendar(vevent("g1", "Rencontre", "20270301T090000"), BROKEN)  # one broken event is left out


@pytest.fixture(scope="module")
def publisher():
    server = CalendarServer()
    yield server
    server.close()


@pytest.fixture
def app_config():
    return {"RTES_SOURCES_TIMEOUT": 1.0}


@pytest.fixture(autouse=True)
def calendar_settings(monkeypatch):
    monkeypatch.setenv("RTES_SOURCES_ALLOW_PRIVATE", "127.0.0.1")
    monkeypatch.setattr(clock, "now", lambda: NOW)


def refreshed(url: str) -> tuple[sources.Refresh, CalendarSource]:
    source = sources.add(url, url.rsplit("/", 1)[-1])
    result = sources.refresh(source.id)
    return result, db.session.get(CalendarSource, source.id)


def test_misbehaving_servers_are_refused_in_french_and_back_off(app, publisher):
    big = 20 * 1024 * 1024
    cases = {
        "/down.ics": ({"status": 500}, "a répondu par une erreur 500"),
        "/slow.ics": ({"body": GOOD, "delay": 2}, "n'a pas répondu à temps (1 s)"),
        "/metadata.ics": (
            {"status": 302, "location": "http://169.254.169.254/latest/meta-data/"},
            "privée ou locale",
        ),
        "/huge.ics": ({"size": big}, "dépasse la taille admise (10 Mo)"),
        "/page.ics": (
            {"body": "<!doctype html><title>Agenda</title>", "content_type": "text/html"},
            "text/html",
        ),
        "/text.ics": (
            {"body": "Bienvenue sur notre agenda", "content_type": "text/plain"},
            "BEGIN:VCALENDAR",
        ),
        "/broken.ics": ({"body": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"}, "illisible"),
    }
    for path, (route, message) in cases.items():
        result, source = refreshed(publisher.serve(path, **route))
        assert message in result.error, (path, result.error)
        assert (source.failures, source.last_error, source.event_count) == (1, result.error, 0)
        assert source.next_check_at == NOW + timedelta(hours=1)
    down = db.session.query(CalendarSource).filter_by(name="down.ics").one()
    sources.refresh(down.id)
    assert (down.failures, down.next_check_at) == (2, NOW + timedelta(hours=2))  # doubled each time

    # The server asks to wait: its Retry-After is honoured.
    result, source = refreshed(publisher.serve("/busy.ics", status=429, headers={"Retry-After": "7200"}))
    assert "demande d'attendre" in result.error and source.next_check_at == NOW + timedelta(hours=2)


def test_a_failing_source_does_not_disturb_the_others_and_a_304_changes_nothing(app, publisher, monkeypatch):
    good = sources.add(publisher.serve("/good.ics", GOOD), "Bon", publish=True)
    bad = sources.add(publisher.serve("/bad.ics", status=503), "Mauvais")
    assert sources.claim(bad.id) and not sources.claim(bad.id)  # of two workers, one refreshes it
    bad.next_check_at = None
    db.session.commit()
    assert [r.source_id for r in sources.refresh_due(seconds=0)] == [good.id]  # the rest: next pass
    worker.one_pass()  # what `rtes-events worker --once` does: every source due is refreshed
    db.session.expire_all()
    assert len(relayed(good)) == 1 and bad.failures == 1 and bad.last_error
    assert sources.due() == [] and good.etag and good.last_modified and good.failures == 0
    hits = len(publisher.hits)
    assert sources.refresh(good.id).unchanged and publisher.hits[hits:] == [("/good.ics", 304)]
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=1, hours=1))  # read whole once a day
    assert not sources.refresh(good.id).unchanged and publisher.hits[-1] == ("/good.ics", 200)
    # Once the source's server comes back, its failures are forgotten.
    publisher.serve("/bad.ics", GOOD)
    assert sources.refresh(bad.id).error is None and (bad.failures, bad.last_error) == (0, None)


def test_private_addresses_need_leave(app_factory, publisher, monkeypatch):
    monkeypatch.setenv("RTES_SOURCES_ALLOW_PRIVATE", "0")
    with app_factory().app_context():
        result, _ = refreshed(publisher.serve("/local.ics", GOOD))
        assert "L'adresse de 127.0.0.1 est privée ou locale" in result.error
        db.session.remove()


def test_addresses_and_settings():
    assert calendar_url(" webcal://Agenda.Example.org/ess.ics ") == "https://agenda.example.org/ess.ics"
    assert calendar_url("https://example.org") == "https://example.org/"
    for refused in ("file:///etc/passwd", "javascript:alert(1)", "https:///x.ics", "gopher://x"):
        with pytest.raises(ValueError, match="https://"):
            calendar_url(refused)
    assert (
        retry_after("120") == 120 and retry_after("99999999") == 24 * 3600 and retry_after("demain") is None
    )
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert config.BY_NAME["RTES_SOURCES_REFRESH"].parse("30min") == timedelta(minutes=30)
    with pytest.raises(ValueError, match="RTES_SOURCES_REFRESH"):
        config.BY_NAME["RTES_SOURCES_REFRESH"].parse("7d,1h")
    with pytest.raises(ValueError, match="RTES_SOURCES_ALLOW_PRIVATE"):
        config.BY_NAME["RTES_SOURCES_ALLOW_PRIVATE"].parse("intranet")
    assert datetime(2027, 1, 15) < NOW
