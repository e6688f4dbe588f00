"""Several servers, for real: two gunicorn servers sharing one PostgreSQL and one Redis, and
``rtes-events worker`` processes sharing one outbox, one of them killed in the middle of a batch."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rtes_events import accounts
from rtes_events.extensions import db
from rtes_events.models import Event, OutboxMessage

from .conftest import PASSWORD, PERSON, _make_app, free_port, new_event
from .servers import ROOT, Browser, GunicornServer

SLUG = "webinaire-partage"
CHECK_SECONDS = 1


@pytest.fixture(scope="module")
def shared(postgres, redis_server, tmp_path_factory):
    """The shared parts: a database of the tests' PostgreSQL with an event and an admin, the Redis."""
    url = postgres.url(postgres.new_database(template=postgres.template))
    app = _make_app(tmp_path_factory.mktemp("shared") / "instance", url)
    with app.app_context():
        db.session.add(new_event(slug=SLUG, title="Webinaire servi par deux serveurs", capacity=50))
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin", (), None), PASSWORD)
        db.session.commit()
        db.engine.dispose()
    redis_server.flush()
    return app, {
        "RTES_DATABASE_URL": url,
        "RTES_CACHE_URL": redis_server.url(1),
        "RTES_RATELIMIT_STORAGE_URL": redis_server.url(2),
        "RTES_SECRET_KEY": "la-cle-commune-des-serveurs",
        "RTES_MAIL_URL": "file:",
        "RTES_PLUGINS": "none",
        "RTES_PROXY_HOPS": "1",  # each test speaks as its own client address
        "RTES_VERSION_CHECK_SECONDS": str(CHECK_SECONDS),
        "RTES_LOGIN_RATE_LIMIT": "4 per minute",
        "RTES_REGISTRATION_RATE_LIMIT": "6 per minute",
    }


@pytest.fixture(scope="module")
def servers(shared, tmp_path_factory):
    """Servers A and B, each with an instance folder of its own: only the settings are common."""
    _, env = shared
    started = []
    try:
        for name in ("a", "b"):
            folder = tmp_path_factory.mktemp(f"server-{name}")
            own = {**env, "RTES_INSTANCE_PATH": str(folder / "instance")}
            started.append(GunicornServer(free_port(), own, log=folder / "gunicorn.log").start())
        yield started
    finally:
        for server in started:
            server.stop()


def client(server, address: str) -> Browser:
    return Browser(server.url, {"X-Forwarded-For": address})


def register(browser: Browser, address: str) -> int:
    token = browser.csrf_token(f"/evenements/{SLUG}/inscription")
    person = {**PERSON, "email": address, "consent": "y", "csrf_token": token}
    return browser.request(f"/evenements/{SLUG}/inscription", person)[0]


def places_left(browser: Browser) -> str:
    page = browser.request(f"/evenements/{SLUG}/")[2]
    return page.split(" places restantes")[0].rsplit(">", 1)[-1].split()[-1]


def test_a_change_through_a_is_served_by_b_within_the_check_interval(servers):
    a, b = client(servers[0], "192.0.2.1"), client(servers[1], "192.0.2.1")
    before = int(places_left(b))
    assert register(a, "vu-par-b@example.org") == 303
    time.sleep(CHECK_SECONDS + 0.3)  # every process of B has asked the database again by now
    assert [int(places_left(b)) for _ in range(6)] == [before - 1] * 6


def test_conditional_requests_answered_by_one_are_right_on_the_other(servers):
    a, b = client(servers[0], "192.0.2.2"), client(servers[1], "192.0.2.2")
    for path in ("/agenda.ics", f"/evenements/{SLUG}/"):
        status, headers, _ = a.request(path)
        etag = headers["ETag"]
        assert b.request(path, headers={"If-None-Match": etag})[0] == 304
    assert register(client(servers[1], "192.0.2.2"), "etag@example.org") == 303  # its flash aside
    time.sleep(CHECK_SECONDS + 0.2)
    changed = b.request(f"/evenements/{SLUG}/", headers={"If-None-Match": etag})
    assert changed[0] == 200
    assert a.request(f"/evenements/{SLUG}/", headers={"If-None-Match": changed[1]["ETag"]})[0] == 304


def test_a_session_opened_on_a_is_valid_on_b(servers):
    a = client(servers[0], "192.0.2.3")
    token = a.csrf_token("/connexion")
    answer = a.request("/connexion", {"email": "equipe@rtes.fr", "password": PASSWORD, "csrf_token": token})
    assert answer[0] == 303
    a.base = servers[1].url  # the same browser, its cookies, now talking to B
    assert a.request("/espace/")[0] == 200


def test_login_and_registration_limits_count_across_both_servers(servers):
    a, b = client(servers[0], "192.0.2.4"), client(servers[1], "192.0.2.4")
    for browser in (a, b, a, b):  # 4 per minute, counted in Redis
        token = browser.csrf_token("/connexion")
        failed = {"email": "equipe@rtes.fr", "password": "pas le bon", "csrf_token": token}
        assert browser.request("/connexion", failed)[0] == 401
    token = b.csrf_token("/connexion")
    assert b.request("/connexion", {**failed, "csrf_token": token})[0] == 429

    a, b = client(servers[0], "192.0.2.5"), client(servers[1], "192.0.2.5")
    answers = [register(browser, f"limite{n}@example.org") for n, browser in enumerate((a, b) * 3)]
    assert answers == [303] * 6  # 6 per minute from one address, counted in Redis
    assert register(a, "une-de-trop@example.org") == 429


def worker(env: dict, log: Path) -> subprocess.Popen:
    command = [str(Path(sys.executable).with_name("rtes-events")), "worker", "--interval", "0.2"]
    output = open(log, "ab")  # noqa: SIM115
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=output)  # noqa: S603


def queue_confirmations(app, count: int) -> None:
    from rtes_events import registrations

    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug == SLUG))
        for n in range(count):
            registrations.register(event, {**PERSON, "email": f"file{n}@example.org"})
        db.engine.dispose()


def pending(app) -> int:
    with app.app_context():
        left = db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
        )
        db.engine.dispose()
    return left


def recipients(smtp) -> list[str]:
    return [address for _, to, _ in smtp.messages for address in to]


def wait_until_sent(app, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while pending(app):
        assert time.monotonic() < deadline, f"{pending(app)} messages still pending"
        time.sleep(0.2)


@pytest.fixture
def outbox_env(shared, smtp_server, tmp_path):
    app, env = shared
    with app.app_context():  # an outbox of this test's own
        db.session.execute(OutboxMessage.__table__.delete())
        db.session.commit()
        db.engine.dispose()
    smtp_server.delay = 0.05  # a mail server that takes its time: the workers' batches overlap
    return app, {
        **env,
        "RTES_MAIL_URL": smtp_server.url,
        "RTES_INSTANCE_PATH": str(tmp_path / "instance"),
        "PYTHONUNBUFFERED": "1",
    }


def test_two_workers_draining_one_outbox_send_every_message_once(outbox_env, smtp_server, tmp_path):
    app, env = outbox_env
    queue_confirmations(app, 40)
    workers = [worker(env, tmp_path / f"worker-{n}.log") for n in range(2)]
    try:
        wait_until_sent(app, 120)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    received = recipients(smtp_server)
    assert len(received) == 40 and len(set(received)) == 40
    logs = [(tmp_path / f"worker-{n}.log").read_text() for n in range(2)]
    assert all("envoy" in log for log in logs), "both workers took part"


def test_a_worker_killed_mid_batch_leaves_its_claims_to_another(outbox_env, smtp_server, tmp_path):
    app, env = outbox_env
    queue_confirmations(app, 30)
    env = {**env, "RTES_OUTBOX_CLAIM_SECONDS": "2"}
    first = worker(env, tmp_path / "killed.log")
    deadline = time.monotonic() + 60
    while len(smtp_server.messages) < 5:  # in the middle of its batch
        assert time.monotonic() < deadline
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert pending(app) > 0, "the batch was not finished when the worker died"
    second = worker(env, tmp_path / "second.log")
    try:
        wait_until_sent(app, 120)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    received = recipients(smtp_server)
    # At least once over SMTP: the message being sent when the worker died may arrive twice.
    assert len(set(received)) == 30 and len(received) <= 31
