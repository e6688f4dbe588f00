"""Cost of the calendar feeds against a plain page, measured in the same run.

    python benchmarks/feeds.py [EVENTS]

Adds EVENTS generated events (default 500) to the demo data, then times, through the WSGI stack:
the health check (baseline), the HTML agenda, the full ``/agenda.ics``, the same feed answered 304,
and one event's feed. Prints milliseconds per request and the ratio to the baseline.
"""

import sys
from datetime import timedelta

from _setup import demo_app, timed

from rtes_events import clock
from rtes_events.extensions import db
from rtes_events.models import Event


def add_events(count: int) -> None:
    start = clock.now() + timedelta(days=1)
    for n in range(count):
        starts = start + timedelta(days=n % 365, hours=n % 8)
        db.session.add(
            Event(
                slug=f"bench-{n}",
                kind="webinaire",
                title=f"Webinaire de mesure n° {n}",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                mode="online",
                summary="Résumé " * 20,
            )
        )
    db.session.commit()


def main(count: int) -> None:
    app = demo_app()
    with app.app_context():
        add_events(count)
        total = db.session.query(Event).count()
    client = app.test_client()
    etag = client.get("/agenda.ics").headers["ETag"]
    print(f"{total} events in the feed")
    base = timed("GET /healthz", lambda: client.get("/healthz"), 200)
    timed("GET /evenements/ (HTML, 20 per page)", lambda: client.get("/evenements/"), 50, base)
    timed("GET /agenda.ics (full)", lambda: client.get("/agenda.ics"), 10, base)
    timed(
        "GET /agenda.ics If-None-Match (304)",
        lambda: client.get("/agenda.ics", headers={"If-None-Match": etag}),
        10,
        base,
    )
    timed("GET /evenements/bench-1.ics", lambda: client.get("/evenements/bench-1.ics"), 100, base)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
