"""Fixtures: a migrated SQLite file per test, clients, factories, a real SMTP server."""

import asyncio
import email
import os
import re
import shutil
import socket
from datetime import time, timedelta
from email import policy
from pathlib import Path

import pytest
from flask import g, request_started
from flask_migrate import upgrade

from rtes_events import clock, create_app
from rtes_events.extensions import db
from rtes_events.models import CalendarSource, Event
from rtes_events.models.proposals import RELAYED

from .postgres import PostgresServer, binaries
from .redis_server import RedisServer, redis_installed

BASE_CONFIG = {
    "TESTING": True,
    "RTES_BASE_URL": "http://rtes.test",
    "RTES_MAIL_URL": "file:",
    "RATELIMIT_ENABLED": False,
    # The core alone: partner plugins installed beside it are tested in plugins/*/tests.
    "RTES_PLUGINS": "none",
}


def _make_app(instance: Path, url: str, **overrides):
    instance.mkdir(parents=True, exist_ok=True)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides})
    request_started.connect(_fresh_globals, app)
    return app


def _fresh_globals(app, **extra) -> None:
    """Start each request with an empty ``g``, as in production: a request made while the test holds
    an app context reuses it, and ``g`` would carry the signed-in user (Flask-Login) and the CSRF
    token (Flask-WTF) of the previous request, whichever client made it."""
    g.__dict__.clear()


def _migrate(instance: Path, url: str) -> None:
    app = _make_app(instance, url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A database file created once by the migrations, copied for each test."""
    folder = tmp_path_factory.mktemp("template")
    database = folder / "template.sqlite3"
    _migrate(folder / "instance", f"sqlite:///{database}")
    return database


def start_postgres() -> PostgresServer:
    """A new PostgreSQL server, started; the test is skipped (failed under ``RTES_TEST_REQUIRE_ALL``)
    when PostgreSQL is not installed."""
    bindir = binaries()
    require(bindir is not None, "PostgreSQL is not installed (make test installs it)")
    server = PostgresServer(bindir, free_port())
    server.start()
    return server


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A real PostgreSQL server with a migrated template database; ``new_database()`` copies it."""
    server = start_postgres()
    try:
        template = server.new_database()
        _migrate(tmp_path_factory.mktemp("pg") / "instance", server.url(template))
        server.template = template
        yield server
    finally:
        server.stop()


def require(installed: bool, message: str) -> None:
    """Skip a test whose server is not installed; fail it under ``RTES_TEST_REQUIRE_ALL`` (make test)."""
    if not installed:
        if os.environ.get("RTES_TEST_REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def redis_server():
    """A real Redis server for the whole run."""
    require(redis_installed(), "Redis is not installed (make test installs it)")
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    """The URL of the tests' Redis server, emptied for this test."""
    redis_server.flush()
    return redis_server.url()


@pytest.fixture
def backend(request) -> str:
    """The database of the test: SQLite, or both for modules that set ``BOTH_DATABASES``."""
    return getattr(request, "param", "sqlite")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_DATABASES", False):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def database_url(request, backend, tmp_path) -> str:
    if backend == "postgresql":
        server = request.getfixturevalue("postgres")
        return server.url(server.new_database(template=server.template))
    database = tmp_path / "rtes.sqlite3"
    shutil.copy(request.getfixturevalue("migrated_sqlite"), database)
    return f"sqlite:///{database}"


@pytest.fixture
def app_factory(tmp_path, database_url, monkeypatch):
    """Build an application on this test's database, with config overrides."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("RTES_INSTANCE_PATH", str(instance))

    def factory(**overrides):
        return _make_app(instance, database_url, **overrides)

    return factory


@pytest.fixture
def app_config() -> dict:
    """Config overrides of the ``app`` fixture: a module overrides this fixture to change them."""
    return {}


@pytest.fixture
def app(app_factory, app_config):
    app = app_factory(**app_config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


OWN_CLUB, OTHER_CLUB = "club-ess-ile-de-france", "club-ess-nouvelle-aquitaine"
TWO_CLUBS = {
    "regions": [{"code": "IDF", "name": "Île-de-France"}, {"code": "NAQ", "name": "Nouvelle-Aquitaine"}],
    "partners": [
        {"key": "cress-idf", "name": "CRESS Île-de-France", "region": "IDF"},
        {"key": "amif", "name": "AMIF", "region": "IDF"},
        {"key": "cress-naq", "name": "CRESS Nouvelle-Aquitaine", "region": "NAQ"},
        {"key": "terress", "name": "Chaire TerrESS de Sciences Po Bordeaux", "region": "NAQ"},
    ],
    "clubs": [
        {
            "slug": OWN_CLUB,
            "name": "Club ESS Île-de-France",
            "region": "IDF",
            "co_organisers": ["cress-idf", "amif"],
        },
        {
            "slug": OTHER_CLUB,
            "name": "Club ESS Nouvelle-Aquitaine",
            "region": "NAQ",
            "co_organisers": ["cress-naq", "terress"],
        },
    ],
    "events": [],
}


@pytest.fixture
def clubs(app) -> dict:
    """Two regional clubs, each co-organised by its CRESS and another partner: ``clubs[slug]``."""
    from sqlalchemy import select

    from rtes_events.importer import import_data
    from rtes_events.models import Club

    import_data(TWO_CLUBS)
    return {slug: db.session.scalar(select(Club).where(Club.slug == slug)) for slug in (OWN_CLUB, OTHER_CLUB)}


def new_event(**values) -> Event:
    """A published webinar three weeks ahead, 14 h – 16 h Paris time, not yet added to a session."""
    starts = clock.to_utc(clock.local_today() + timedelta(days=21), time(14))
    defaults = {
        "kind": "webinaire",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "mode": "online",
        "status": "published",
    }
    return Event(**{**defaults, **values})


def starting_soon(**values) -> Event:
    """A published on-site session today, starting in an hour: its door (check-in) is open."""
    starts = clock.now() + timedelta(hours=1)
    return new_event(
        **{
            "kind": "club",
            "mode": "onsite",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=3),
            **values,
        }
    )


def new_relayed(source: CalendarSource | None = None, **values) -> Event:
    """An event relayed from a followed calendar (a new one unless ``source`` is given) as a refresh
    writes it: published, registration on the organiser's side; ``new_event``'s other defaults."""
    source = source or CalendarSource(
        url="https://agenda.example.org/ess.ics", name="Agenda ESS", publish=True
    )
    slug = values.get("slug", "relaye")
    defaults = {"slug": slug, "title": "Événement relayé", "kind": "rencontre", "mode": "onsite"}
    relay = {
        "calendar_source": source,
        "relay_uid": f"{slug}@agenda.example.org",
        "registration_provider": RELAYED,
    }
    return new_event(**{**defaults, **relay, **values})


@pytest.fixture
def make_event(app):
    """Create a published event, by default a webinar three weeks ahead, 14 h – 16 h Paris time."""
    counter = iter(range(1, 10_000))

    def factory(**values) -> Event:
        n = next(counter)
        event = new_event(**{"slug": f"evenement-{n}", "title": f"Événement de test {n}", **values})
        db.session.add(event)
        db.session.commit()
        return event

    return factory


PERSON = {
    "email": "camille.martin@example.org",
    "first_name": "Camille",
    "last_name": "Martin",
    "organisation": "Ville de Grenoble",
    "function": "agent",
    "consent": True,
}


@pytest.fixture
def make_registration(app):
    """Register someone through the registration service; ``email`` and other fields may vary."""
    from rtes_events import registrations

    def factory(event, **values):
        return registrations.register(event, {**PERSON, **values}).registration

    return factory


@pytest.fixture
def deliver(app):
    """Run one pass of the outbox worker (what ``rtes-events worker`` does after each request)."""
    from rtes_events import delivery

    return delivery.deliver_due


@pytest.fixture
def outbox_messages(app, deliver):
    """The e-mails written by the file transport, parsed, oldest first; by default a worker pass
    runs first, so what the requests queued is there."""

    def read(*, worker_pass: bool = True) -> list[email.message.EmailMessage]:
        if worker_pass:
            deliver()
        folder = Path(app.instance_path) / "outbox"
        return [
            email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))
        ]

    return read


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form served at ``url``."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token in {url}"
    return match[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free local port; ``.messages`` holds what it received."""
    from aiosmtpd.controller import Controller

    class Collector:
        def __init__(self):
            self.messages = []
            self.delay = 0.0  # seconds taken to accept each message

        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(self.delay)
            self.messages.append(
                (
                    envelope.mail_from,
                    envelope.rcpt_tos,
                    email.message_from_bytes(envelope.content, policy=policy.default),
                )
            )
            return "250 Message accepted for delivery"

    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.url = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield handler
    finally:
        controller.stop()


PASSWORD = "une phrase de passe solide"


@pytest.fixture
def make_user(app):
    """Create an account through the accounts service: ``make_user("admin")``,
    ``make_user("coorganiser", clubs=("club-ess-ile-de-france",))``, ``partner="cress-idf"``."""
    from rtes_events import accounts

    counter = iter(range(1, 10_000))

    def factory(role: str, clubs=(), partner=None, email=None, password=PASSWORD):
        address = email or f"{role}{next(counter)}@example.org"
        user = accounts.create_user(address, accounts.Scope(role, tuple(clubs), partner), password)
        db.session.commit()
        return user

    return factory


def login(client, user, password: str = PASSWORD):
    """Sign ``user`` in through the login form (CSRF on), and return the response."""
    token = csrf_token(client, "/connexion")
    response = client.post(
        "/connexion", data={"email": user.email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response
