"""Throughput of pages and feeds under gunicorn, as ratios to a bare Flask route in the same run.

    python benchmarks/throughput.py [--events 20000] [--registrations 200000] [--small 1000]
                                    [--seconds 5] [--databases sqlite,postgresql]

For each database (a SQLite file; a throw-away PostgreSQL server started as a non-root user, as the
tests do): generates the data (``data.py``), serves it with ``gunicorn -w 4`` on 127.0.0.1 with a
bare route beside the application's, and loads each URL with wrk (Debian's ``wrk``) for SECONDS:
the bare route (again between measures, as the load drifts: each URL is compared with the mean
of the bare route just before and just after it), an event page, the agenda,
``/agenda.ics`` warm (plain and gzip-compressed), and ``/agenda.ics`` answered 304.
Then, in process, the agenda's page time (built, caches emptied) at SMALL and EVENTS events, and
the cold build of a 1 000-event feed against icalendar serialising the same events alone.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import icalendar
from sqlalchemy import select

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from _setup import migrated_app  # noqa: E402
from data import generate  # noqa: E402

from rtes_events import feeds, registry  # noqa: E402
from rtes_events.extensions import db  # noqa: E402
from rtes_events.models import Event  # noqa: E402

WORKERS = 4
PORT = 8751


def free_instance() -> Path:
    return Path(tempfile.mkdtemp(prefix="rtes-bench-"))


def prepare(url: str, events: int, registrations: int):
    app = migrated_app(url)
    with app.app_context():
        generate(events, registrations)
    return app


def serve(url: str):
    """gunicorn -w 4 on 127.0.0.1:PORT for the database at ``url``."""
    env = {**os.environ, "RTES_DATABASE_URL": url, "RTES_INSTANCE_PATH": str(free_instance())}
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{PORT}", "bench_wsgi:app"],
        cwd=HERE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        time.sleep(0.2)
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/nu")  # noqa: S310 (loopback)
            return server
        except OSError:
            continue
    server.kill()
    raise RuntimeError("gunicorn did not start")


def wrk(path: str, seconds: int, headers: dict | None = None) -> float:
    """Requests per second that wrk gets from ``path``."""
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True).stdout  # noqa: S603
    if re.search(r"Non-2xx or 3xx responses", out):
        raise RuntimeError(f"errors on {path}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])


def throughput(url: str, seconds: int, slug: str) -> dict[str, float]:
    server = serve(url)
    try:
        base = f"http://127.0.0.1:{PORT}"
        for path in ("/evenements/", f"/evenements/{slug}/", "/agenda.ics"):
            urllib.request.urlopen(base + path).read()  # noqa: S310 (loopback)
            wrk(path, 2)  # every worker builds its caches before the measure
        etag = urllib.request.urlopen(base + "/agenda.ics").headers["ETag"]  # noqa: S310
        scenarios = {
            "event page": (f"/evenements/{slug}/", {}),
            "agenda /evenements/": ("/evenements/", {}),
            "/agenda.ics warm": ("/agenda.ics", {}),
            "/agenda.ics warm, gzip": ("/agenda.ics", {"Accept-Encoding": "gzip"}),
            "conditional GET → 304": ("/agenda.ics", {"If-None-Match": etag}),
        }
        results, before = {}, wrk("/nu", seconds)
        for name, (path, headers) in scenarios.items():  # the bare route between them, as the load drifts
            rate, after = wrk(path, seconds, headers), wrk("/nu", seconds)
            results[name] = ((before + after) / 2, rate)
            before = after
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def page_time(app, path: str, repeat: int = 20) -> float:
    """Median time to build ``path`` with the caches emptied (in process)."""
    client = app.test_client()
    times = []
    for _ in range(repeat):
        for backend in app.extensions["cache"].values():
            backend.clear()
        start = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_feed_against_icalendar(app, count: int = 1000, repeat: int = 3) -> tuple[float, float]:
    """Our cold build of a ``count``-event feed (query, VEVENTs, serialisation) and icalendar
    serialising the same events alone (their VEVENTs built beforehand, then ``to_ical``)."""
    with app.test_request_context():
        ids = db.session.scalars(registry.feed_query(registry.EventFilter()).limit(count)).all()
        ids = [event.id for event in ids]
        query = registry.events_query().where(Event.id.in_(ids)).order_by(Event.starts_at, Event.id)
        ours, alone = [], []
        for _ in range(repeat):
            app.extensions["cache"][feeds.cache.vevents].clear()
            db.session.expunge_all()
            start = time.perf_counter()
            feeds.public_feed(query, "RTES — Agenda")
            ours.append(time.perf_counter() - start)
            vevents = [
                feeds.build_vevent(e) for e in db.session.scalars(select(Event).where(Event.id.in_(ids)))
            ]
            calendar = feeds.calendar(vevents, "RTES — Agenda")
            start = time.perf_counter()
            calendar.to_ical()
            alone.append(time.perf_counter() - start)
        assert isinstance(calendar, icalendar.Calendar)
        return min(ours), min(alone)


def run(database: str, args) -> None:
    print(f"\n## {database}: {args.events} events, {args.registrations} registrations")
    if database == "postgresql":
        from tests.postgres import PostgresServer, binaries

        server = PostgresServer(binaries(), PORT + 1)
        server.start()
        make_url = lambda: server.url(server.new_database())  # noqa: E731
    else:
        server = None
        make_url = lambda: f"sqlite:///{free_instance() / 'rtes.sqlite3'}"  # noqa: E731
    try:
        small_url, big_url = make_url(), make_url()
        small = prepare(small_url, args.small, args.small * 10)
        big = prepare(big_url, args.events, args.registrations)
        with big.app_context():
            slug = db.session.scalar(registry.upcoming().with_only_columns(Event.slug).limit(1))
        results = throughput(big_url, args.seconds, slug)
        print(f"{'request':<24} {'req/s':>7} {'bare route':>11} {'ratio':>6}")
        for name, (bare, rate) in results.items():
            print(f"{name:<24} {rate:7.0f} {bare:11.0f} {rate / bare:6.0%}")
        before, after = page_time(small, "/evenements/"), page_time(big, "/evenements/")
        print(
            f"agenda built, caches empty: {before * 1000:.1f} ms at {args.small} events, "
            f"{after * 1000:.1f} ms at {args.events} (×{after / before:.2f})"
        )
        ours, alone = cold_feed_against_icalendar(small)
        print(
            f"cold feed of 1 000 events: {ours * 1000:.0f} ms; icalendar serialising them alone: "
            f"{alone * 1000:.0f} ms (×{ours / alone:.2f})"
        )
        for app in (small, big):
            with app.app_context():
                db.engine.dispose()
    finally:
        if server:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    print(f"machine: {os.cpu_count()} cores, {platform()}")
    for database in args.databases.split(","):
        run(database, args)


def platform() -> str:
    import platform

    return f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"


if __name__ == "__main__":
    main()
