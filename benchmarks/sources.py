"""Refreshing followed calendars: 50 sources of 200 events each, time per source.

    python benchmarks/sources.py [SOURCES] [EVENTS]

Serves SOURCES generated calendars (default 50) of EVENTS events each (default 200: single events
and a weekly series) from a local HTTP server, then times per source: reading a calendar alone
(icalendar and recurring-ical-events, the baseline), the first refresh (every event created), a
refresh of the same calendar without validators (fetched, read, nothing written), the same answered
304, and a refresh where a tenth of the events moved. Prints milliseconds per source and the ratio
to the baseline (reading alone, measured before and after the refreshes: their mean).
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _setup import demo_app  # noqa: E402

from rtes_events import clock, config, sources  # noqa: E402
from rtes_events.sources import reading  # noqa: E402
from tests.calendar_server import CalendarServer  # noqa: E402

SERIES = 10  # occurrences of the weekly series in each calendar


def calendar(number: int, events: int, shift: int = 0) -> str:
    """A calendar of ``events`` events; with ``shift``, every tenth one moved by ``shift`` hours."""
    start = (clock.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Bench//FR"]
    for n in range(events - SERIES):
        moved = shift if n % 10 == 0 else 0
        begins = start + timedelta(days=n % 300, hours=(n % 8) + moved)
        lines += [
            "BEGIN:VEVENT",
            f"UID:bench-{number}-{n}@example.org",
            "DTSTAMP:20261201T000000Z",
            f"DTSTART:{begins:%Y%m%dT%H%M%S}Z",
            f"DTEND:{begins + timedelta(hours=2):%Y%m%dT%H%M%S}Z",
            f"SUMMARY:Rencontre {number}-{n} de l'économie sociale et solidaire",
            "DESCRIPTION:Une rencontre des acteurs de l'ESS du territoire.\\nInscription sur notre site.",
            f"LOCATION:Salle {n}\\, 1 place de la Mairie\\, 69001 Lyon",
            f"URL:https://agenda.example.org/{number}/{n}",
            "END:VEVENT",
        ]
    lines += [
        "BEGIN:VEVENT",
        f"UID:bench-{number}-series@example.org",
        "DTSTAMP:20261201T000000Z",
        f"DTSTART;TZID=Europe/Paris:{start:%Y%m%dT100000}",
        f"DTEND;TZID=Europe/Paris:{start:%Y%m%dT120000}",
        f"RRULE:FREQ=WEEKLY;COUNT={SERIES}",
        f"SUMMARY:Permanence hebdomadaire {number}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def per_source(call, count: int) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) / count


def main(count: int, events: int) -> None:
    allow = config.BY_NAME["RTES_SOURCES_ALLOW_PRIVATE"].parse("127.0.0.1")
    app = demo_app(RTES_SOURCES_ALLOW_PRIVATE=allow)
    server = CalendarServer()
    texts = [calendar(n, events) for n in range(count)]
    times: dict[str, float] = {}
    try:
        with app.app_context():
            ids = [
                sources.add(server.serve(f"/{n}.ics", texts[n]), f"Source {n}", publish=True).id
                for n in range(count)
            ]
            now = clock.now()
            window = (now - sources.WINDOW_PAST, now + sources.WINDOW_FUTURE)
            print(f"{count} sources of {len(reading.read(texts[0].encode(), *window))} events each")

            def read_all() -> None:
                for text in texts:
                    reading.read(text.encode(), *window)

            def refresh_all() -> None:
                for source_id in ids:
                    sources.refresh(source_id)

            before = per_source(read_all, count)
            times["first refresh (every event created)"] = per_source(refresh_all, count)
            for n in range(count):
                server.serve(f"/{n}.ics", texts[n], validators=False)
            times["refresh, same calendar, no validators"] = per_source(refresh_all, count)
            for n in range(count):
                server.serve(f"/{n}.ics", texts[n])
            refresh_all()  # the validators are kept
            times["refresh answered 304"] = per_source(refresh_all, count)
            for n in range(count):
                server.serve(f"/{n}.ics", calendar(n, events, shift=1), validators=False)
            times["refresh, a tenth of the events moved"] = per_source(refresh_all, count)
            after = per_source(read_all, count)
    finally:
        server.close()
    # The machine's load drifts: the baseline is the mean of reading alone before and after.
    base = (before + after) / 2
    print(f"{'reading a calendar alone (before, after)':<48} {before * 1000:8.1f}, {after * 1000:.1f} ms")
    for label, mean in times.items():
        print(f"{label:<48} {mean * 1000:8.1f} ms per source  ×{mean / base:6.2f}")


if __name__ == "__main__":
    os.environ.setdefault("RTES_SOURCES_ALLOW_PRIVATE", "127.0.0.1")
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50, int(sys.argv[2]) if len(sys.argv) > 2 else 200)
