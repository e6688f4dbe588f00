"""Registrations: the cost of the capacity lock, and bursts of people at once through gunicorn.

    python benchmarks/registrations.py [REGISTRATIONS] [--burst-only] [--workers N] [--runs N]

1. Registers REGISTRATIONS people (default 200) one after the other on an event with a capacity,
   first without the lock (baseline: what the lock costs on an uncontended path), then with it.
2. Serves the platform with gunicorn (``--workers``, default 2 as in the deployment guide) beside
   ``rtes-events worker`` (at the idle CPU priority, as the guide's systemd unit runs it), on
   SQLite and on a throw-away PostgreSQL server (run as a non-root user, as in the tests), and
   posts 200 registrations for 50 places, then 1 000 for 500 (a national webinar), at the same
   instant, ``--runs`` times each (default 3, each on fresh data): checks that exactly the places
   are confirmed and the rest waitlisted, and prints the slowest answer and the spread (median,
   90th percentile) against as many simultaneous ``/healthz`` on the same server (baseline), then
   how long the worker took to send the e-mails; and, over the runs, the median and the worst of
   the slowest answers.
"""

import argparse
import asyncio
import http.client
import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from statistics import median
from urllib.parse import urlencode

from _setup import demo_app
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rtes_events import clock, registrations  # noqa: E402
from rtes_events.extensions import db  # noqa: E402
from rtes_events.models import Event, OutboxMessage, Registration  # noqa: E402
from tests.postgres import PostgresServer, binaries  # noqa: E402

PERSON = {
    "first_name": "Camille",
    "last_name": "Martin",
    "organisation": "Ville",
    "function": "agent",
    "consent": True,
}
BURSTS = ((200, 50), (1000, 500))  # (people at once, places)
BIN = Path(sys.executable).parent


def run(app, lock: bool, count: int) -> float:
    app.config["RTES_REGISTRATION_LOCK"] = lock
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.slug.like("exemple-webinaire%")))
        start = time.perf_counter()
        for n in range(count):
            registrations.register(event, {**PERSON, "email": f"p{n}-{lock}@example.org"})
        return (time.perf_counter() - start) / count


def lock_cost(count: int) -> None:
    app = demo_app()
    base = run(app, False, count)
    locked = run(app, True, count)
    print(f"{'without lock (baseline)':<28} {base * 1000:8.2f} ms per registration")
    print(f"{'with lock':<28} {locked * 1000:8.2f} ms per registration  ×{locked / base:5.2f}")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Platform:
    """gunicorn and the outbox worker on one database, for the time of a ``with`` block."""

    def __init__(self, database_url: str | None, places: int, workers: int):
        self.workers = workers
        self.port = free_port()
        self.env = {
            **os.environ,
            "RTES_BASE_URL": f"http://127.0.0.1:{self.port}",
            "RTES_REGISTRATION_RATE_LIMIT": "100000 per minute",
            "RTES_REGISTRATION_EMAIL_RATE_LIMIT": "100000 per minute",
        }
        if database_url:
            self.env["RTES_DATABASE_URL"] = database_url
        os.environ.update(self.env)
        self.app = demo_app()  # a new instance folder; migrates and loads the demo data on the database
        self.env["RTES_INSTANCE_PATH"] = self.app.instance_path
        with self.app.app_context():
            starts = clock.now() + timedelta(days=30)
            db.session.add(
                Event(
                    slug="rafale",
                    kind="webinaire",
                    title="Rafale",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    capacity=places,
                    waitlist=True,
                    status="published",
                )
            )
            db.session.commit()
            db.engine.dispose()

    def __enter__(self):
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": self.env}
        server = [str(BIN / "gunicorn"), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}"]
        worker = ["chrt", "--idle", "0", str(BIN / "rtes-events"), "worker"]  # CPUSchedulingPolicy=idle
        self.processes = [
            subprocess.Popen([*server, "rtes_events:create_app()"], **quiet),  # noqa: S603
            subprocess.Popen(worker, **quiet),  # noqa: S603 S607
        ]
        for _ in range(300):
            try:
                if request("GET", self.port, "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        for process in self.processes:
            process.terminate()
            process.wait(timeout=30)

    def counts(self) -> tuple[int, int, int]:
        """(confirmed, waitlisted, e-mails still to send) on the burst's event."""
        with self.app.app_context():
            event_id = db.session.scalar(select(Event.id).where(Event.slug == "rafale"))
            by_status = dict(
                db.session.execute(
                    select(Registration.status, func.count())
                    .where(Registration.event_id == event_id)
                    .group_by(Registration.status)
                ).all()
            )
            pending = db.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "pending")
            )
            db.session.remove()
            return by_status.get("confirmed", 0), by_status.get("waitlisted", 0), pending


def request(method: str, port: int, path: str, body: str | None = None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        cookies = [c.split(";")[0] for name, c in response.getheaders() if name.lower() == "set-cookie"]
        return (
            response.status,
            "; ".join(c for c in cookies if c.startswith("session=")),
            response.read().decode(),
        )
    finally:
        connection.close()


def prepared_posts(port: int, count: int) -> list[tuple[str, dict]]:
    """One session per person: the form is fetched first (cookie and CSRF token), not timed."""
    posts = []
    for n in range(count):
        status, cookie, page = request("GET", port, "/evenements/rafale/inscription")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        form = {**PERSON, "consent": "y", "email": f"personne{n}@example.org", "csrf_token": token}
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        posts.append((urlencode(form), headers))
    return posts


def burst(port: int, calls: list) -> list[tuple[int, float]]:
    """Send every request at the same instant; (status, seconds) per request. One asyncio loop
    plays all the people: a load generator of 1 000 threads would take the 2 cores' time from the
    server it measures."""

    async def one(method, path, body, headers):
        started = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
        payload = (body or "").encode()
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += [f"Content-Length: {len(payload)}", "", ""]
        writer.write("\r\n".join(lines).encode() + payload)
        status = int((await reader.readline()).split()[1])
        await reader.read()  # the whole answer, until the server closes
        writer.close()
        return status, time.perf_counter() - started

    async def everyone():
        return await asyncio.gather(*(one(*call) for call in calls))

    return asyncio.run(everyone())


def spread(seconds: list[float]) -> tuple[float, float, float]:
    """(median, 90th percentile, slowest)."""
    ordered = sorted(seconds)
    return median(ordered), ordered[int(len(ordered) * 0.9) - 1], ordered[-1]


def simultaneous(label: str, database_url: str | None, people: int, places: int, workers: int) -> float:
    """One burst on fresh data: prints what it measured, returns its slowest answer."""
    with Platform(database_url, places, workers) as served:
        health = burst(served.port, [("GET", "/healthz", None, {})] * people)
        posts = prepared_posts(served.port, people)
        started = time.perf_counter()
        answers = burst(served.port, [("POST", "/evenements/rafale/inscription", b, h) for b, h in posts])
        confirmed, waitlisted, pending = served.counts()
        while pending and time.perf_counter() - started < 300:
            time.sleep(0.2)
            pending = served.counts()[2]
        mailed = time.perf_counter() - started
    statuses = sorted({status for status, _ in answers})
    typical, p90, slowest = spread([s for _, s in answers])
    base_typical, base_p90, base_slowest = spread([s for _, s in health])
    exact = "exact" if (confirmed, waitlisted) == (places, people - places) else "WRONG"
    print(f"{label}, {people} for {places}: {confirmed} confirmed / {waitlisted} waitlisted ({exact}),"
          f" answers {statuses}")  # fmt: skip
    print(
        f"  {people} × /healthz at once (baseline)   slowest {base_slowest:6.3f} s,"
        f" median {base_typical:6.3f} s, 90 % {base_p90:6.3f} s"
    )
    print(
        f"  {people} registrations at once           slowest {slowest:6.3f} s, median {typical:6.3f} s,"
        f" 90 % {p90:6.3f} s  ×{slowest / base_slowest:5.2f} / ×{typical / base_typical:5.2f}"
    )
    print(
        f"  every e-mail sent by the worker {mailed:6.2f} s after the burst began"
        if not pending
        else f"  {pending} e-mail(s) still pending after 300 s"
    )
    return slowest


def bursts(label: str, database_url, workers: int, runs: int) -> None:
    """Each burst ``runs`` times; then the median and the worst of their slowest answers."""
    for people, places in BURSTS:
        slowest = [simultaneous(label, database_url(), people, places, workers) for _ in range(runs)]
        print(
            f"{label}, {people} for {places}, slowest answer over {runs} run(s):"
            f" median {median(slowest):6.3f} s, worst {max(slowest):6.3f} s"
        )


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return (
        f"{os.cpu_count()} CPU ({cpu}), Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("registrations", nargs="?", type=int, default=200)
    parser.add_argument("--burst-only", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    print(machine())
    if not options.burst_only:
        lock_cost(options.registrations)
    print(f"People at once for a number of places, gunicorn --workers {options.workers}, the outbox worker:")
    bursts("SQLite", lambda: None, options.workers, options.runs)
    bindir = binaries()
    if bindir is None:
        print("PostgreSQL: not installed, skipped")
        return
    server = PostgresServer(bindir, free_port())
    server.start()
    try:
        bursts("PostgreSQL", lambda: server.url(server.new_database()), options.workers, options.runs)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
