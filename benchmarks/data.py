"""A generated platform for the benchmarks: events over several years, with registrations.

    python benchmarks/data.py DATABASE_URL [EVENTS] [REGISTRATIONS]

Migrates the database, loads the demo's clubs, partners and themes, then adds EVENTS events
(default 20 000) from nine years ago to one year ahead and REGISTRATIONS registrations (default
200 000), in bulk (a few seconds).
"""

import random
import sys
import uuid
from datetime import timedelta

from sqlalchemy import insert, select

from rtes_events import clock
from rtes_events.extensions import db
from rtes_events.models import Club, Event, Partner, Registration, Theme, event_words
from rtes_events.models.events import event_partners, event_themes, fold
from rtes_events.models.search import words

WORDS = (
    "alimentation",
    "durable",
    "commande",
    "publique",
    "emploi",
    "insertion",
    "tiers-lieux",
    "mobilité",
    "solidaire",
    "énergie",
    "citoyenne",
    "finance",
    "locale",
    "coopération",
    "territoriale",
    "économie",
    "circulaire",
    "réemploi",
    "culture",
    "habitat",
    "jeunesse",
    "transition",
    "écologique",
    "numérique",
    "santé",
    "agriculture",
    "développement",
)
CITIES = ("Lyon", "Nantes", "Lille", "Rennes", "Grenoble", "Bordeaux", "Paris", "Strasbourg", None)
BATCH = 5_000


def generate(events: int = 20_000, registrations: int = 200_000, seed: int = 8) -> None:
    """Add ``events`` events and ``registrations`` registrations to the current app's database."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    now = clock.now().replace(second=0, microsecond=0)
    first = now - timedelta(days=9 * 365)
    span = 10 * 365 * 24 * 60  # minutes, nine years back and one ahead
    clubs = db.session.scalars(select(Club.id)).all()
    themes = db.session.scalars(select(Theme.id)).all()
    partners = db.session.scalars(select(Partner.id)).all()
    start_id = (db.session.scalar(select(db.func.max(Event.id))) or 0) + 1
    rows, links, partner_links, word_rows = [], [], [], []
    for n in range(events):
        starts = first + timedelta(minutes=rng.randrange(span) // 30 * 30)
        kind = rng.choice(("webinaire", "webinaire", "rencontre", "club"))
        title = f"{kind.capitalize()} n° {n} : " + " ".join(rng.sample(WORDS, 4))
        summary = " ".join(rng.choices(WORDS, k=30))
        city = rng.choice(CITIES)
        search = fold(" ".join(p for p in (title, summary, city) if p))
        event_id = start_id + n
        rows.append(
            {
                "id": event_id,
                "uid": f"{uuid.UUID(int=rng.getrandbits(128))}@bench.rtes.fr",
                "slug": f"bench-{n}",
                "kind": kind,
                "title": title,
                "summary": summary,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=rng.choice((1, 2, 3, 7))),
                "all_day": False,
                "month_only": False,
                "mode": "onsite" if city else "online",
                "city": city,
                "capacity": rng.choice((None, 30, 100)),
                "waitlist": True,
                "registration_provider": "local",
                "status": rng.choices(("published", "cancelled", "draft"), weights=(95, 3, 2))[0],
                "audience": "all",
                "club_id": rng.choice(clubs) if kind == "club" and clubs else None,
                "sequence": 0,
                "search_text": search,
                "created_at": starts - timedelta(days=30),
                "updated_at": starts - timedelta(days=30),
            }
        )
        links += [{"event_id": event_id, "theme_id": t} for t in rng.sample(themes, min(2, len(themes)))]
        if partners and rng.random() < 0.3:
            partner_links.append({"event_id": event_id, "partner_id": rng.choice(partners)})
        word_rows += [{"word": word, "event_id": event_id} for word in words(search)]
    for table, items in ((Event, rows), (event_themes, links), (event_partners, partner_links)):
        _insert(table, items)
    _insert(event_words, word_rows)
    people = []
    for n in range(registrations):
        event = rows[n % len(rows)]
        people.append(
            {
                "event_id": event["id"],
                "email": f"personne-{n}@example.org",
                "first_name": "Camille",
                "last_name": f"Martin {n}",
                "organisation": "Ville",
                "function": "agent",
                "status": "confirmed",
                "token": uuid.UUID(int=rng.getrandbits(128)).hex,
                "consent_at": now,
                "plugin_fields": {},
                "created_at": now,
                "updated_at": now,
            }
        )
    _insert(Registration, people)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SELECT setval('events_id_seq', (SELECT max(id) FROM events))"))
        db.session.commit()
    # Statistics, and on PostgreSQL the visibility map that autovacuum keeps on a settled database
    # (index-only scans read the table without it): VACUUM needs autocommit.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        postgresql = db.engine.dialect.name == "postgresql"
        connection.exec_driver_sql("VACUUM ANALYZE" if postgresql else "ANALYZE")


def _insert(table, items: list[dict]) -> None:
    for start in range(0, len(items), BATCH):
        db.session.execute(insert(table), items[start : start + BATCH])


if __name__ == "__main__":
    from _setup import migrated_app

    app = migrated_app(sys.argv[1])
    with app.app_context():
        generate(*(int(arg) for arg in sys.argv[2:4]))
