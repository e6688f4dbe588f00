"""Faults of the database: a PostgreSQL restart under traffic costs nobody a 500 and loses nothing
accepted; while the database is out of reach every page answers 503 with ``Retry-After``.

The platform runs under gunicorn on its own PostgreSQL server, which the tests stop and start again.
"""

import re
import threading
import time

import pytest
from sqlalchemy import func, select

from rtes_events.extensions import db
from rtes_events.models import Registration

from .conftest import PERSON, _make_app, _migrate, free_port, new_event, start_postgres
from .servers import Browser, GunicornServer

SLUG = "webinaire-panne"
REGISTER = f"/evenements/{SLUG}/inscription"


@pytest.fixture
def platform(tmp_path):
    """gunicorn on a fresh database of a PostgreSQL server of the test's own, with one open webinar."""
    server = start_postgres()
    try:
        url = server.url(server.new_database())
        instance = tmp_path / "served"
        _migrate(instance, url)
        app = _make_app(instance, url)
        with app.app_context():
            db.session.add(new_event(slug=SLUG, title="Webinaire pendant une panne"))
            db.session.commit()
            db.engine.dispose()
        env = {
            "RTES_DATABASE_URL": url,
            "RTES_INSTANCE_PATH": str(instance),
            "RTES_SECRET_KEY": "faults-test-key",
            "RTES_MAIL_URL": "file:",
            "RTES_PLUGINS": "none",
            "RTES_REGISTRATION_RATE_LIMIT": "100000 per minute",
        }
        with GunicornServer(free_port(), env, log=tmp_path / "gunicorn.log") as served:
            yield server, served, app
    finally:
        server.stop()


def register(base: str, n: int) -> tuple[int, int | None]:
    """One person registering as in a browser: the answers to the form and to the POST (None when the
    form could not be shown)."""
    browser = Browser(base)
    status, _, page = browser.request(REGISTER)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) if status == 200 else None
    if token is None:
        return status, None
    person = {**PERSON, "email": f"personne{n}@example.org", "consent": "y", "csrf_token": token[1]}
    answer, _, _ = browser.request(REGISTER, person)
    return status, answer


def registered(app) -> set[str]:
    with app.app_context():
        emails = set(db.session.scalars(select(Registration.email)))
        db.engine.dispose()
    return emails


def test_restart_under_traffic_costs_no_500_and_loses_nothing(platform):
    server, served, app = platform
    answers: dict[int, tuple[int, int | None]] = {}
    started: dict[int, float] = {}
    enough = threading.Event()

    def traffic() -> None:  # people one after another, until told to stop (1 000 at most)
        for n in range(1000):
            if enough.is_set():
                return
            started[n] = time.monotonic()
            answers[n] = register(served.url, n)

    thread = threading.Thread(target=traffic)
    thread.start()
    while len(answers) < 20:
        time.sleep(0.05)
    server.pause()
    time.sleep(1)
    server.resume()
    resumed = time.monotonic()
    deadline = resumed + 120
    while sum(1 for n in list(answers) if started[n] > resumed) < 20 and time.monotonic() < deadline:
        time.sleep(0.1)
    enough.set()
    thread.join(timeout=60)

    statuses = [status for pair in answers.values() for status in pair if status is not None]
    assert set(statuses) <= {200, 303, 503}, statuses  # never a 500
    accepted = {f"personne{n}@example.org" for n, (_, post) in answers.items() if post == 303}
    assert registered(app) == accepted  # nothing accepted is lost, nothing refused is kept
    after = [answers[n] for n in answers if started[n] > resumed]
    assert len(after) >= 20 and all(pair == (200, 303) for pair in after)  # recovered by itself


def test_database_out_of_reach_answers_503_with_retry_after(platform):
    server, served, app = platform
    browser = Browser(served.url)
    token = browser.csrf_token(REGISTER)
    server.pause()
    try:
        status, headers, body = browser.request("/healthz")
        assert (status, headers["Retry-After"]) == (503, "30")
        for path in (REGISTER, f"/evenements/{SLUG}/", "/clubs/", "/replays/"):
            status, headers, body = browser.request(path)
            assert status in (200, 503), (path, status)  # 200: a page kept ready to send
        status, headers, body = browser.request(REGISTER)
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert "Service momentanément indisponible" in body
        person = {**PERSON, "email": "pendant@example.org", "consent": "y", "csrf_token": token}
        status, headers, body = browser.request(REGISTER, person)
        assert status == 503 and "Rien de ce qui a été enregistré" in body
    finally:
        server.resume()
    status, _, _ = browser.request("/healthz")
    assert status == 200
    person = {**PERSON, "email": "apres@example.org", "consent": "y", "csrf_token": token}
    status, _, _ = browser.request(REGISTER, person)
    assert status == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Registration)) == 1
        db.engine.dispose()
