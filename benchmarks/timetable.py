"""Cost of an event's programme on its page, against the same event without one, in the same run.

    python benchmarks/timetable.py [SLOTS]

On the demo data, two copies of the example rencontre: one without a programme, one with SLOTS
slots (default 20: plenaries, four ateliers « au choix » with places and registrations holding
them, speakers). Times each page through the WSGI stack, built afresh (the page cache emptied
before every request, as after any change, and as signed-in organisers always get it) and as
anonymous visitors get it (page cache warm); prints CPU milliseconds per page (this process does
all the work, SQLite included: the shared machine's other loads weigh less than on wall time) and
the ratio.
"""

import statistics
import sys
import time
from datetime import time as clock_time

from _setup import demo_app

from rtes_events import registrations
from rtes_events.extensions import db
from rtes_events.models import Event, Slot, SlotSpeaker, Speaker

RENCONTRE = "exemple-rencontre-nationale-alimentation"
ROUNDS = 15
COPIED = (
    "kind",
    "title",
    "summary",
    "description",
    "starts_at",
    "ends_at",
    "mode",
    "venue",
    "city",
    "capacity",
)


def copy_of(event: Event, slug: str) -> Event:
    copy = Event(slug=slug, status="published", **{name: getattr(event, name) for name in COPIED})
    copy.partners, copy.themes = list(event.partners), list(event.themes)
    db.session.add(copy)
    return copy


def programme(count: int) -> list[Slot]:
    """``count`` slots from 8 h, four parallel ateliers « au choix » every fifth hour."""
    speakers = [Speaker(name=f"Intervenante {n}", organisation="Ville d'exemple") for n in range(4)]
    slots = []
    for n in range(count):
        hour, parallel = divmod(n, 5)
        choice = parallel < 4 and hour % 2 == 1
        slots.append(
            Slot(
                position=parallel,
                starts=clock_time(8 + hour),
                ends=clock_time(9 + hour),
                title=f"Créneau {n}",
                kind="atelier" if choice else "pleniere",
                place=f"Salle {parallel}",
                description="Une courte description du créneau. " * 3,
                choice=f"Ateliers de {8 + hour} h" if choice else None,
                capacity=30 if choice else None,
                speaker_links=[SlotSpeaker(speaker=speakers[(n + k) % 4], position=k) for k in range(2)],
            )
        )
    return slots


def main(count: int) -> None:
    app = demo_app()
    with app.app_context():
        model = db.session.query(Event).filter_by(slug=RENCONTRE).one()
        copy_of(model, "sans-programme")
        full = copy_of(model, "avec-programme")
        full.slots = programme(count)
        db.session.commit()
        for n, slot in enumerate(slot for slot in full.slots if slot.capacity):
            registration = registrations.register(
                full,
                {
                    "email": f"p{n}@example.org",
                    "first_name": "A",
                    "last_name": "B",
                    "organisation": "C",
                    "function": "agent",
                    "consent": True,
                },
            ).registration
            registration.slots.append(slot)
        db.session.commit()
    client = app.test_client()
    caches = list(app.extensions["cache"].values())

    def page(slug: str, fresh: bool):
        def get():
            if fresh:
                for cache in caches:
                    cache.clear()
            assert client.get(f"/evenements/{slug}/").status_code == 200

        return get

    for fresh, how in ((True, "built afresh"), (False, "as served: page cache warm")):
        print(f"Event page, {how} (CPU time, median of {ROUNDS} interleaved rounds):")
        plain, full = page("sans-programme", fresh), page("avec-programme", fresh)
        base = median_time(plain, full)
        print(f"  without a programme {base[0] * 1000:8.2f} ms  (baseline)")
        print(f"  with {count} slots       {base[1] * 1000:8.2f} ms  ×{base[1] / base[0]:6.2f}")


def median_time(*calls, repeat: int = 20) -> list[float]:
    """The median over ``ROUNDS`` rounds of each call's mean CPU time, the calls taking turns in
    each round so that a busy spell of the machine weighs on all alike."""
    for call in calls:
        call()  # warm up
    rounds = [[] for _ in calls]
    for _ in range(ROUNDS):
        for times, call in zip(rounds, calls, strict=True):
            start = time.process_time()
            for _ in range(repeat):
                call()
            times.append((time.process_time() - start) / repeat)
    return [statistics.median(times) for times in rounds]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
