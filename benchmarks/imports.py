"""Cost of importing events, per event, against the same events written in bulk in the same run.

    python benchmarks/imports.py [EVENTS] [DATABASE_URL]

On a fresh database (a SQLite file by default) with the demo loaded: the baseline writes EVENTS
generated events with their themes, partners and search words in bulk (``data.py``, a few
statements for all of them); then ``import_data`` imports EVENTS events in the import schema (clubs,
partners, themes, speakers and hosts, some replays), imports the same file again (all unchanged),
and a third time with one event in ten changed. Prints milliseconds per event and the ratio to the
baseline.
"""

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import migrated_app  # noqa: E402
from data import WORDS, generate  # noqa: E402
from sqlalchemy import select  # noqa: E402

from rtes_events.extensions import db  # noqa: E402
from rtes_events.importer import import_data  # noqa: E402
from rtes_events.models import Club, Partner  # noqa: E402

THEMES = [f"{a} {b}" for a, b in zip(WORDS, reversed(WORDS), strict=True)]
CITIES = ("Lyon", "Nantes", "Lille", "Rennes", "Grenoble", "Bordeaux", "Paris", "Strasbourg")


def items(count: int, clubs: list[str], partners: list[str], seed: int = 25) -> list[dict]:
    """``count`` events in the import schema, from nine years ago to one year ahead."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    first = date.today() - timedelta(days=9 * 365)
    people = [
        (f"Camille Martin {n}", rng.choice((None, f"Ville de {rng.choice(CITIES)}"))) for n in range(800)
    ]
    found = []
    for n in range(count):
        kind = rng.choice(("webinaire", "webinaire", "rencontre", "club"))
        day = first + timedelta(days=rng.randrange(10 * 365))
        item = {
            "kind": kind,
            "title": f"{kind.capitalize()} n° {n} : " + " ".join(rng.sample(WORDS, 4)),
            "start": day.isoformat(),
            "summary": " ".join(rng.choices(WORDS, k=30)),
            "themes": rng.sample(THEMES, rng.randrange(3)),
            "speakers": [
                f"{name} ({org})" if org else name for name, org in rng.sample(people, rng.randrange(3))
            ],
            "hosts": [rng.choice(people)[0]] if rng.random() < 0.3 else [],
            "partners": rng.sample(partners, 1) if rng.random() < 0.3 else [],
        }
        if rng.random() < 0.8:
            item.update(start_time=f"{rng.randrange(9, 17):02d}:00", duration_hours=rng.choice((1, 2, 3)))
        if kind == "club":
            item["club"] = rng.choice(clubs)
        else:
            item.update(mode="onsite", city=rng.choice(CITIES)) if kind == "rencontre" else item.update(
                mode="online"
            )
        if kind == "webinaire" and rng.random() < 0.2:
            item["replay"] = {"host": "idealco", "url": f"https://videos.example.org/{n}"}
        if rng.random() < 0.3:
            item["capacity"] = rng.choice((30, 100))
        found.append(item)
    return found


def per_event(label: str, call, count: int, baseline: float | None = None) -> float:
    start = time.perf_counter()
    result = call()
    each = (time.perf_counter() - start) / count
    ratio = f"  ×{each / baseline:6.2f}" if baseline else "  (baseline)"
    summary = f"  {result.summary()}" if result is not None else ""
    print(f"{label:<44} {each * 1000:7.3f} ms an event{ratio}{summary}", flush=True)
    return each


def main(count: int, url: str | None) -> None:
    url = url or f"sqlite:///{Path(__import__('tempfile').mkdtemp(prefix='rtes-bench-')) / 'bench.db'}"
    app = migrated_app(url)
    with app.app_context():
        clubs = list(db.session.scalars(select(Club.slug)))
        partners = list(db.session.scalars(select(Partner.key)))
        events = items(count, clubs, partners)
        changed = [
            {**item, "summary": item["summary"] + " (modifié)"} if n % 10 == 0 else item
            for n, item in enumerate(events)
        ]
        print(f"{count} events, {db.engine.dialect.name}")
        base = per_event("bulk insert of generated events (data.py)", lambda: generate(count, 0), count)
        per_event("import, all new", lambda: import_data({"events": events}), count, base)
        per_event("import again, all unchanged", lambda: import_data({"events": events}), count, base)
        per_event("import, one in ten changed", lambda: import_data({"events": changed}), count, base)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000, sys.argv[2] if len(sys.argv) > 2 else None)
