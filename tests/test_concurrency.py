"""Confirmed never exceeds capacity when many requests register at once (file SQLite, PostgreSQL).

The count is slowed down so that requests overlap for sure; the control case turns the lock off
and shows the race then really oversells, so the locked case cannot pass by luck.
"""

import threading
import time

import pytest
from sqlalchemy import func, select

from rtes_events import registrations
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


@pytest.fixture
def slow_count(monkeypatch):
    """Widen the window between counting and inserting."""
    count = registrations.confirmed_count

    def slow(event_id: int) -> int:
        result = count(event_id)
        time.sleep(0.05)
        return result

    monkeypatch.setattr(registrations, "confirmed_count", slow)


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
