"""The demo's feeds as a calendar client reads them: ical.js, the parser of Mozilla Thunderbird.

Every event must come out with the time the platform stored, resolved through the feed's own
VTIMEZONE, so that Outlook, Google, Apple or Thunderbird show the same thing.
"""

import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import select

from rtes_events import clock, feeds
from rtes_events.demo.loader import load_demo
from rtes_events.extensions import db
from rtes_events.models import Event

CLIENT = Path(__file__).parent / "node_tools"


@pytest.fixture(scope="module")
def ical_js() -> list[str]:
    node = shutil.which("node")
    if node is None or not (CLIENT / "node_modules" / "ical.js").is_dir():
        message = "node and ical.js are needed (make test installs ical.js with npm ci)"
        if os.environ.get("RTES_TEST_REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)
    return [node, str(CLIENT / "parse.mjs")]


def read_as_thunderbird(ical_js, body: bytes, tmp_path) -> dict:
    path = tmp_path / "feed.ics"
    path.write_bytes(body)
    result = subprocess.run([*ical_js, str(path)], capture_output=True, text=True, timeout=60, check=True)  # noqa: S603
    return json.loads(result.stdout)


def expected(event: Event) -> tuple[str, str]:
    if event.all_day:
        return event.local_start.date().isoformat(), event.local_end.date().isoformat()
    return (
        clock.aware_utc(event.starts_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        clock.aware_utc(event.ends_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def test_the_whole_agenda_reads_right_in_a_calendar_client(client, ical_js, tmp_path):
    load_demo()
    events = {e.uid: e for e in db.session.scalars(select(Event))}
    items = []
    for url in ("/agenda.ics", "/agenda.ics?periode=passes"):  # the recent window, then all past
        feed = read_as_thunderbird(ical_js, client.get(url).data, tmp_path)
        assert feed["name"] == "RTES — Agenda"
        assert feed["unknownZones"] == []
        items += feed["events"]
    assert {item["uid"] for item in items} == set(events)
    for item in items:
        event = events[item["uid"]]
        assert (item["start"], item["end"]) == expected(event), event.slug
        assert item["allDay"] == event.all_day
        assert item["summary"] == event.title
        assert item["tzid"] in (None, "Europe/Paris")


def test_a_moved_and_then_cancelled_event_updates_in_the_client(client, ical_js, tmp_path, make_event):
    event = make_event(title="Webinaire à déplacer")
    url = f"/evenements/{event.slug}.ics"
    [before] = read_as_thunderbird(ical_js, client.get(url).data, tmp_path)["events"]
    event.starts_at = event.starts_at.replace(hour=event.starts_at.hour + 1)
    event.ends_at = event.ends_at.replace(hour=event.ends_at.hour + 1)
    db.session.commit()
    [moved] = read_as_thunderbird(ical_js, client.get(url).data, tmp_path)["events"]
    event.status = "cancelled"
    db.session.commit()
    [cancelled] = read_as_thunderbird(ical_js, client.get(url).data, tmp_path)["events"]
    assert before["uid"] == moved["uid"] == cancelled["uid"]
    assert before["sequence"] < moved["sequence"] < cancelled["sequence"]
    assert moved["start"] != before["start"]
    assert (before["status"], cancelled["status"]) == ("CONFIRMED", "CANCELLED")


def test_the_paris_vtimezone_agrees_with_the_tz_database_every_day_until_2037(client, ical_js, tmp_path):
    """Checked through ical.js: the offset it derives from the feed's VTIMEZONE, day by day."""
    days = [
        date(2000, 1, 1) + timedelta(days=n)
        for n in range(0, (date(2037, 12, 31) - date(2000, 1, 1)).days, 1)
    ]
    vevents = []
    for day in days:
        vevent = icalendar.Event()
        vevent.add("UID", day.isoformat())
        vevent.add("DTSTAMP", datetime(2020, 1, 1, tzinfo=UTC))
        vevent.add("DTSTART", datetime.combine(day, time(12), tzinfo=clock.PARIS))
        vevents.append(vevent)
    body = feeds.calendar(vevents, "fuseau").to_ical()
    parsed = {e["uid"]: e["start"] for e in read_as_thunderbird(ical_js, body, tmp_path)["events"]}
    for day in days:
        noon = datetime.combine(day, time(12), tzinfo=clock.PARIS).astimezone(UTC)
        assert parsed[day.isoformat()] == noon.strftime("%Y-%m-%dT%H:%M:%SZ"), day
