"""The demo: its example sessions and, run as a real command, its server, worker and accounts."""

import email
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rtes_events import clock
from rtes_events.demo import accounts as demo_accounts
from rtes_events.demo import loader, server
from rtes_events.demo.loader import EXAMPLE_PREFIX, load_demo
from rtes_events.extensions import db
from rtes_events.models import Event, User

from .conftest import PERSON, free_port
from .servers import Browser


def mailed_to(outbox: Path, address: str) -> list[Path]:
    """The e-mails of the outbox folder addressed to ``address`` (the demo writes others on its own)."""
    return [
        path
        for path in outbox.glob("*.eml")
        if email.message_from_bytes(path.read_bytes(), policy=policy.default)["To"] == address
    ]


def test_example_sessions_fall_on_tuesdays_or_thursdays_three_to_five_weeks_ahead(monkeypatch):
    """Whatever the day the demo is loaded, over a whole year of start days."""
    for offset in range(366):
        today = date(2026, 1, 1) + timedelta(days=offset)
        monkeypatch.setattr(clock, "local_today", lambda today=today: today)
        days = [date.fromisoformat(item["start"]) for item in loader.examples()]
        assert {day.weekday() for day in days} <= {1, 3}, (today, days)
        assert all(21 <= (day - today).days <= 5 * 7 + 6 for day in days), (today, days)
        assert days == sorted(days) and len(set(days)) == 3
        assert not any(loader.is_public_holiday(day) for day in days)


def test_public_holidays_include_the_fixed_ones_and_those_after_easter():
    assert [loader.easter(year) for year in (2025, 2026, 2027)] == [
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
    ]
    assert loader.is_public_holiday(date(2026, 12, 25)) and loader.is_public_holiday(date(2027, 5, 6))
    assert not loader.is_public_holiday(date(2026, 12, 24))
    assert loader.meeting_day(date(2027, 5, 5)) == date(2027, 5, 11)  # Thursday 6 is Ascension


def test_the_loaded_example_sessions_are_on_working_days_at_the_usual_times(app):
    load_demo()
    slugs = [item["slug"] for item in loader.examples()]
    examples = db.session.scalars(select(Event).where(Event.slug.in_(slugs))).all()
    assert len(examples) == 3 and all(event.title.startswith(EXAMPLE_PREFIX) for event in examples)
    for event in examples:
        assert event.local_start.weekday() in (1, 3)
        assert (event.local_start.hour, event.local_start.minute) in ((9, 30), (14, 0))
        assert 21 <= (event.local_start.date() - clock.local_today()).days <= 41


def test_the_session_of_the_day_is_today_and_not_over_whenever_the_demo_starts():
    """At every quarter of an hour of a day (winter and summer): the same day, Paris time, begun (its
    attendance can be closed at once), not over."""
    from rtes_events.demo import reminder_example, today_session

    for day in (date(2026, 1, 15), date(2026, 7, 15)):
        for quarter in range(4 * 24 - 1):
            now = clock.to_utc(day) + timedelta(minutes=15 * quarter)
            start, end = today_session.hours(now)
            assert start.date() == end.date() == day and start <= clock.to_local(now) < end, now
            example = reminder_example.start_at(now)  # the reminder example: daytime, within a day
            assert 9 <= example.hour < 18 and timedelta(0) < example - clock.to_local(now) < timedelta(days=1)


def test_the_session_of_the_day_moves_to_the_new_today_with_its_registrants_once(app, monkeypatch):
    from rtes_events.demo import today_session
    from rtes_events.models import OutboxMessage, Registration

    def session():
        return db.session.scalar(select(Event).where(Event.slug == today_session.SLUG))

    load_demo()
    load_demo()
    event = session()
    assert event.local_start.date() == clock.local_today() and event.ends_at > clock.now()
    assert event.club.slug == "club-ess-ile-de-france"
    confirmations = select(OutboxMessage.recipient).where(
        OutboxMessage.purpose == "confirmed",
        OutboxMessage.registration_id.in_(select(Registration.id).where(Registration.event_id == event.id)),
    )
    assert db.session.scalars(confirmations).all() == [today_session.PEOPLE[0]["email"]]
    tomorrow = clock.now() + timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: tomorrow)
    load_demo()
    db.session.expire_all()
    assert session().local_start.date() == clock.to_local(tomorrow).date()
    registered = select(func.count()).where(Registration.event_id == event.id)
    assert db.session.scalar(registered) == len(today_session.PEOPLE)


def start_demo(instance, port: int) -> tuple[subprocess.Popen, list[str]]:
    """``rtes-events demo`` as a person starts it, until it prints that Ctrl-C stops it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("RTES_")}
    env["RTES_INSTANCE_PATH"] = str(instance)
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "rtes_events", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    deadline = time.monotonic() + 90
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C") or time.monotonic() > deadline:
            break
    assert lines and lines[-1].startswith("Ctrl-C"), lines
    return process, lines


def descendants(pid: int) -> set[int]:
    """The processes started, directly or not, by ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def stop(process: subprocess.Popen, signum: int) -> str:
    started = descendants(process.pid)
    process.send_signal(signum)
    rest, _ = process.communicate(timeout=30)
    assert wait_for(lambda: not any(alive(pid) for pid in started), 5), "processes left behind"
    return rest


def count(process: subprocess.Popen, word: bytes) -> int:
    """How many processes started by ``process`` have ``word`` in their command line."""
    commands = []
    for pid in descendants(process.pid):
        try:
            commands.append(Path(f"/proc/{pid}/cmdline").read_bytes())
        except OSError:
            continue
    return sum(word in command for command in commands)


def wait_for(condition, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def accounts_of(lines: list[str]) -> dict[str, tuple[str, str]]:
    """The printed accounts: {label: (e-mail, password)}."""
    start = next(n for n, line in enumerate(lines) if line.startswith("Comptes de démonstration"))
    found = {}
    for line in lines[start + 1 :]:
        if match := re.match(r"  - (.+) : (\S+@\S+) / (\S+)$", line):
            found[match[1]] = (match[2], match[3])
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads the processes from /proc")
def test_the_demo_serves_with_gunicorn_and_a_worker_prints_its_accounts_and_stops_them_all(tmp_path):
    port = free_port()
    process, lines = start_demo(tmp_path, port)
    try:
        output = "\n".join(lines)
        assert f"Plateforme de démonstration : http://127.0.0.1:{port}/" in output
        assert "development server" not in output
        assert wait_for(lambda: count(process, b"gunicorn") == 1 + server.WORKERS)  # master and workers
        assert count(process, b"\0worker\0") == 1
        found = accounts_of(lines)
        assert len(found) == 3, output  # the team, the Île-de-France club, the example member
        email, password = next(value for label, value in found.items() if "Île-de-France" in label)
        browser = Browser(f"http://127.0.0.1:{port}")
        token = browser.csrf_token("/connexion")
        status, headers, _ = browser.request(
            "/connexion", {"csrf_token": token, "email": email, "password": password}
        )
        assert status == 303, headers
        status, _, page = browser.request("/espace/evenements/")
        assert status == 200 and "Exemple — Club Île-de-France : tiers-lieux et ESS" in page
        assert "Exemple — Webinaire" not in page  # not their club's
        registered = Browser(f"http://127.0.0.1:{port}")  # the worker writes the e-mail in the outbox
        form = "/evenements/exemple-club-ile-de-france-tiers-lieux/inscription"
        assert registered.request(form, {**PERSON, "csrf_token": registered.csrf_token(form)})[0] == 303
        assert wait_for(lambda: mailed_to(tmp_path / "outbox", PERSON["email"]), 10)
    finally:
        rest = stop(process, signal.SIGINT)
    assert process.returncode == 0 and "Traceback" not in rest, rest
    again, lines_again = start_demo(tmp_path, port)  # a restart: the same accounts; SIGTERM stops it too
    try:
        assert accounts_of(lines_again) == found
    finally:
        rest = stop(again, signal.SIGTERM)
    assert again.returncode == 0 and "Traceback" not in rest, rest


def test_the_demo_accounts_are_made_once_per_instance_and_their_passwords_kept(app):
    load_demo()
    first = demo_accounts.ensure()
    users = [db.session.scalar(select(User).where(User.email == account.email)) for account in first]
    assert [user.role for user in users] == ["admin", "coorganiser", "member"]
    assert [club.slug for club in users[1].clubs] == ["club-ess-ile-de-france"]
    assert users[2].member_organisation.example and users[2].email.endswith("@ville-exemple.fr")
    assert all(user.check_password(account.password) for user, account in zip(users, first, strict=True))
    assert len({account.password for account in first}) == 3
    kept = Path(app.instance_path) / demo_accounts.FILE
    assert kept.stat().st_mode & 0o777 == 0o600
    assert demo_accounts.ensure() == first  # a restart prints the same accounts, creates none
    assert db.session.scalar(select(func.count()).select_from(User)) == 3
    users[1].set_password("un autre mot de passe")
    db.session.commit()
    assert demo_accounts.ensure()[1].password is None  # no longer printed: it would not work


def test_the_demo_refuses_a_port_already_in_use():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert server.run("127.0.0.1", port, dict(os.environ), ready=lambda: None) == 1
