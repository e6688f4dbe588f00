"""Confirmed never exceeds capacity when many requests register at once (file SQLite, PostgreSQL),
from threads of one process and from several processes, as gunicorn workers do; nor does a slot
« au choix » hold more people than its places.

The count is slowed down so that requests overlap for sure; the control case turns the lock off
and shows the race then really oversells, so the locked case cannot pass by luck.
"""

import multiprocessing
import os
import threading
import time
from datetime import time as clock_time

import pytest
from sqlalchemy import func, select

from rtes_events import create_app, registrations
from rtes_events.extensions import db
from rtes_events.models import Event, Registration, Slot
from rtes_events.models.slots import registration_slots

from .conftest import PERSON

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server

CAPACITY = 3
REQUESTS = 12


def register_all_at_once(app, event_id: int, requests: int = REQUESTS, register=None) -> list[BaseException]:
    """``requests`` threads each register someone at the same instant, by ``register(event, n)``
    (by default, with only their own e-mail)."""
    barrier = threading.Barrier(requests)
    errors: list[BaseException] = []

    def one(n: int) -> None:
        with app.app_context():
            event = db.session.get(Event, event_id)
            db.session.close()  # its connection back to the pool: more threads than connections wait there
            barrier.wait()
            try:
                if register is None:
                    registrations.register(event, {**PERSON, "email": f"p{n}@example.org"})
                else:
                    register(event, n)
            except BaseException as exc:  # collected and reported by the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(requests)]
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


def slowed(count, pause: float = 0.05):
    """``count`` followed by a pause: widens the window between counting and inserting."""

    def slow(*arguments):
        result = count(*arguments)
        time.sleep(pause)
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


ROOM, ATELIER, CROWD = 120, 30, 200


@pytest.fixture
def day_with_ateliers(make_event, monkeypatch):
    """A hybrid day with 120 places on site and two ateliers « au choix »: one of 30 places, one
    unlimited; counting the ateliers' places is slowed down, as the event's count is above."""
    event = make_event(mode="hybrid", capacity_onsite=ROOM, city="Lyon", venue="Hôtel de Région")
    hours = {"event_id": event.id, "starts": clock_time(14), "ends": clock_time(16), "choice": "Ateliers"}
    small, large = Slot(title="Petit", capacity=ATELIER, **hours), Slot(title="Grand", **hours)
    db.session.add_all([small, large])
    db.session.commit()
    monkeypatch.setattr(registrations, "slots_places_left", slowed(registrations.slots_places_left, 0.01))
    return event, small.id, large.id


def crowd_wanting_the_small_atelier(app, event_id: int, small: int, large: int) -> list[BaseException]:
    """200 people at once ask for the small atelier on site; those it refuses take the large one."""

    def register(event, n: int) -> None:
        data = {**PERSON, "email": f"p{n}@example.org", "mode": "onsite"}
        try:
            registrations.register(event, {**data, "slots": [small]})
        except registrations.RegistrationRefused:
            registrations.register(event, {**data, "slots": [large]})

    return register_all_at_once(app, event_id, CROWD, register)


def holders(slot_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(registration_slots).where(registration_slots.c.slot_id == slot_id)
    )


def test_a_slot_never_holds_more_than_its_places_nor_the_room(app, day_with_ateliers):
    event, small, large = day_with_ateliers
    assert crowd_wanting_the_small_atelier(app, event.id, small, large) == []
    assert (holders(small), holders(large)) == (ATELIER, CROWD - ATELIER)
    assert statuses(event.id) == {"confirmed": ROOM, "waitlisted": CROWD - ROOM}


def test_control_without_the_lock_a_slot_is_overbooked(app, day_with_ateliers):
    app.config["RTES_REGISTRATION_LOCK"] = False
    event, small, large = day_with_ateliers
    crowd_wanting_the_small_atelier(app, event.id, small, large)
    assert holders(small) > ATELIER
