"""Check-in at the door: 300 people scanned in « 10 minutes » from 4 phones at once, against a real server.

    python benchmarks/checkin.py [--people 300] [--devices 4] [--compress 100]

Serves the platform (demo data on a fresh SQLite file) with a threaded WSGI server, registers
``--people`` people to an on-site session taking place today, signs in one organiser per device,
then each device scans its share of the QR codes through the door's JSON endpoint, paced so that all
scans would take 10 minutes, compressed ``--compress`` times. Prints the time per scan (median,
90th percentile, slowest) against as many ``/healthz`` from the same devices (baseline, same run),
and checks that every person is present exactly once.
"""

import argparse
import logging
import re
import sys
import threading
import time
from pathlib import Path
from statistics import median, quantiles

import requests
from _setup import demo_app
from sqlalchemy import func, select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rtes_events import accounts, registrations  # noqa: E402
from rtes_events.extensions import db  # noqa: E402
from rtes_events.models import CheckIn, Registration  # noqa: E402
from tests.conftest import starting_soon  # noqa: E402

PASSWORD = "une phrase de passe solide"  # noqa: S105 (a throw-away account)
PERSON = {"first_name": "Camille", "last_name": "Martin", "organisation": "Ville", "function": "agent"}


def prepare(app, people: int, devices: int) -> tuple[int, list[str]]:
    with app.app_context():
        event = starting_soon(slug="accueil-bench", title="Accueil")
        db.session.add(event)
        for device in range(devices):
            accounts.create_user(f"accueil{device}@example.org", accounts.Scope("admin"), PASSWORD)
        db.session.commit()
        codes = [
            registrations.register(
                event, {**PERSON, "email": f"p{n}@example.org", "consent": True}
            ).registration.checkin_code
            for n in range(people)
        ]
        return event.id, codes


def signed_in(base: str, device: int) -> requests.Session:
    session = requests.Session()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', session.get(f"{base}/connexion").text)[1]
    session.post(
        f"{base}/connexion",
        data={"email": f"accueil{device}@example.org", "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    return session


def devices_at_once(count: int, work) -> list[float]:
    """Run ``work(device, times)`` on ``count`` threads started together; all the times measured."""
    times: list[float] = []
    threads = [threading.Thread(target=work, args=(device, times)) for device in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def summary(label: str, times: list[float], baseline: float | None = None) -> float:
    middle, p90 = median(times), quantiles(times, n=10)[-1]
    ratio = f"  ×{middle / baseline:5.2f}" if baseline else "  (baseline)"
    print(
        f"{label:<30} median {middle * 1000:7.2f} ms  p90 {p90 * 1000:7.2f} ms  "
        f"slowest {max(times) * 1000:7.2f} ms{ratio}"
    )
    return middle


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--compress", type=float, default=100)
    options = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = demo_app()
    event_id, codes = prepare(app, options.people, options.devices)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    sessions = [signed_in(base, device) for device in range(options.devices)]
    door = f"{base}/espace/evenements/{event_id}/accueil"
    tokens = [re.search(r'data-csrf="([^"]+)"', s.get(door).text)[1] for s in sessions]
    pause = 600 / options.people / options.compress * options.devices

    def health(device, times):
        for _ in range(len(codes) // options.devices):
            start = time.perf_counter()
            sessions[device].get(f"{base}/healthz")
            times.append(time.perf_counter() - start)

    def scans(device, times):
        for n, code in enumerate(codes[device :: options.devices]):
            start = time.perf_counter()
            body = {"device": f"d{device}", "scans": [{"scan_id": f"{device}-{n}", "code": code}]}
            answer = sessions[device].post(
                f"{door}/scans",
                headers={"X-CSRFToken": tokens[device]},
                json=body,
            )
            times.append(time.perf_counter() - start)
            assert answer.json()["results"][0]["outcome"] == "present", answer.text
            time.sleep(pause)

    print(
        f"{options.people} check-ins from {options.devices} devices, "
        f"10 minutes compressed ×{options.compress:g}"
    )
    baseline = summary("/healthz (baseline)", devices_at_once(options.devices, health))
    summary("scan at the door", devices_at_once(options.devices, scans), baseline)
    with app.app_context():
        present = db.session.scalar(select(func.count()).where(CheckIn.event_id == event_id))
        attended = db.session.scalar(select(func.count()).where(Registration.status == "attended"))
    assert present == attended == options.people, (present, attended)
    print(f"present once each: {present}")
    server.shutdown()


if __name__ == "__main__":
    main()
