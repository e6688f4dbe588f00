"""Confirmed never exceeds capacity when many requests register at once (file SQLite, PostgreSQL),
from threads of one process and from several processes, as gunicorn workers do.

The count is slowed down so that requests overlap for sure; the control case turns the lock off
and shows the race then really oversells, so the locked case cannot pass by luck.
"""

import multiprocessing
import os
import threading
import time

import pytest
from sqlalchemy import func, select

from rtes_events import create_app, registrations
from rtes_events.extensions import db
from rtes_events.models import Event, Registration

from .conftest import PERSON

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server

CAPACITY = 3
REQUESTS = 12


def register_all_at_once(app, event_id: int) -> list[BaseException]:
    barrier = threading.Barrier(REQUESTS)
    errors: list[BaseException] = []

    def one(n: int) -> None:
        with app.app_context():
            event = db.session.get(Event, event_id)
            barrier.wait()
            try:
                registrations.register(event, {**PERSON, "email": f"p{n}@example.org"})
            except BaseException as exc:  # collected and reported by the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def statuses(event_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    )
    return dict(rows.all())


def slowed(count):
    """``count`` followed by a pause: widens the window between counting and inserting."""

    def slow(*arguments):
        result = count(*arguments)
        time.sleep(0.05)
        return result

    return slow


@pytest.fixture
def slow_count(monkeypatch):
    monkeypatch.setattr(registrations, "_standing", slowed(registrations._standing))


def test_confirmed_never_exceeds_capacity(app, make_event, slow_count):
    event = make_event(capacity=CAPACITY)
    assert register_all_at_once(app, event.id) == []
    assert statuses(event.id) == {"confirmed": CAPACITY, "waitlisted": REQUESTS - CAPACITY}
    positions = db.session.scalars(
        select(Registration.waitlist_position).where(Registration.status == "waitlisted")
    ).all()
    assert sorted(positions) == list(range(1, REQUESTS - CAPACITY + 1))


def test_control_without_the_lock_the_race_oversells(app, make_event, slow_count):
    app.config["RTES_REGISTRATION_LOCK"] = False
    event = make_event(capacity=CAPACITY)
    register_all_at_once(app, event.id)
    assert statuses(event.id).get("confirmed", 0) > CAPACITY


PROCESSES = 4


def _worker(url: str, instance: str, event_id: int, first: int, lock: bool, barrier) -> None:
    """One worker process: its own application and connections, like a gunicorn worker."""
    os.environ["RTES_INSTANCE_PATH"] = instance
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "RTES_REGISTRATION_LOCK": lock, "RTES_MAIL_URL": "file:"}
    )
    registrations._standing = slowed(registrations._standing)
    with app.app_context():
        event = db.session.get(Event, event_id)
        barrier.wait()
        for n in range(first, first + REQUESTS // PROCESSES):
            registrations.register(event, {**PERSON, "email": f"p{n}@example.org"})


def register_from_processes(app, event_id: int, lock: bool) -> list[int]:
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(PROCESSES)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [
        spawn.Process(
            target=_worker, args=(url, app.instance_path, event_id, n * REQUESTS // PROCESSES, lock, barrier)
        )
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    for worker in workers:  # one stuck (at the barrier, say) must not outlive the test
        if worker.is_alive():
            worker.kill()
            worker.join()
    return [worker.exitcode for worker in workers]


def test_confirmed_never_exceeds_capacity_across_processes(app, make_event):
    event = make_event(capacity=CAPACITY)
    assert register_from_processes(app, event.id, lock=True) == [0] * PROCESSES
    assert statuses(event.id) == {"confirmed": CAPACITY, "waitlisted": REQUESTS - CAPACITY}


def test_control_across_processes_without_the_lock_oversells(app, make_event):
    event = make_event(capacity=CAPACITY)
    register_from_processes(app, event.id, lock=False)
    assert statuses(event.id).get("confirmed", 0) > CAPACITY
