"""The outbox worker: passes that send what is due, run by ``rtes-events worker`` or in a thread."""

import threading
from collections.abc import Callable
from contextlib import contextmanager

from flask import Flask, current_app

from . import outbox
from .extensions import db

BATCH = 100


def run(interval: float, stop: threading.Event, report: Callable[[int, int], None] | None = None) -> None:
    """Deliver what is due, then wait ``interval`` seconds, until ``stop`` is set (in an app context).

    A pass that fails (database restarting, …) is logged and the next one tries again.
    """
    while not stop.is_set():
        try:
            sent, failed = outbox.deliver_due(BATCH)
        except Exception:  # keep the worker alive: the next pass retries
            current_app.logger.exception("outbox: pass failed")
            db.session.rollback()
            sent = failed = 0
        if report and (sent or failed):
            report(sent, failed)
        if sent + failed < BATCH:  # a full batch: more may be due at once
            stop.wait(interval)


@contextmanager
def in_thread(app: Flask, interval: float, report: Callable[[int, int], None] | None = None):
    """Run the worker in a background thread of this process while the block runs (the demo)."""
    stop = threading.Event()

    def target() -> None:
        with app.app_context():
            run(interval, stop, report)
            db.session.remove()

    thread = threading.Thread(target=target, name="rtes-outbox-worker", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=interval + 10)
