"""Cost of the capacity lock: registrations per second with and without it, in the same run.

    python benchmarks/registrations.py [REGISTRATIONS]

Registers REGISTRATIONS people (default 200) one after the other on an event with a capacity,
first without the lock (baseline: what the lock costs on an uncontended path), then with it.
"""

import sys
import time

from _setup import demo_app
from sqlalchemy import select

from rtes_events import registrations
from rtes_events.extensions import db
from rtes_events.models import Event

PERSON = {
    "first_name": "Camille",
    "last_name": "Martin",
    "organisation": "Ville",
    "function": "agent",
    "consent": True,
}


def run(app, lock: bool, count: int) -> float:
    app.config["RTES_REGISTRATION_LOCK"] = lock
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug.like("exemple-webinaire%")))
        start = time.perf_counter()
        for n in range(count):
            registrations.register(event, {**PERSON, "email": f"p{n}-{lock}@example.org"})
        return (time.perf_counter() - start) / count


def main(count: int) -> None:
    app = demo_app()
    base = run(app, False, count)
    locked = run(app, True, count)
    print(f"{'without lock (baseline)':<28} {base * 1000:8.2f} ms per registration")
    print(f"{'with lock':<28} {locked * 1000:8.2f} ms per registration  ×{locked / base:5.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
