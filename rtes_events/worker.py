"""The outbox worker: passes that queue the reminders and the organisers' daily digest due, erase the
sensitive answers whose time has come, refresh the followed calendars due and send what is due, run
by ``rtes-events worker`` or in a thread."""

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager

from flask import Flask, current_app

from . import delivery, notices, registrations, reminders, sources
from .extensions import db

BATCH = 100
REMINDER_CHECK_SECONDS = 30.0  # reminders and calendars due are looked for at most this often
SOURCES_SECONDS = 20.0  # calendars refreshed in one check for at most this long: e-mails wait no more


def one_pass() -> tuple[int, int]:
    """Queue the reminders due, erase the sensitive answers due, refresh the calendars due, then send
    what is due (``rtes-events worker --once``)."""
    reminders.queue_due()
    notices.queue_digests()
    _purge_sensitive_answers()
    sources.refresh_due()
    return delivery.deliver_due(BATCH)


def _purge_sensitive_answers() -> None:
    registrations.purge_sensitive_answers(current_app.config["RTES_SENSITIVE_RETENTION_DAYS"])


def _checks() -> None:
    """Queue the reminders due, erase the sensitive answers due, then refresh the followed calendars
    due (each on its own schedule); a failure is logged and the next check tries again."""
    checks = (
        ("reminders", reminders.queue_due),
        ("organisers' digest", notices.queue_digests),
        ("sensitive answers", _purge_sensitive_answers),
        ("sources", lambda: sources.refresh_due(SOURCES_SECONDS)),
    )
    for name, check in checks:
        try:
            check()
        except Exception:  # the e-mails already queued still go; the next check retries
            current_app.logger.exception("%s: check failed", name)
            db.session.rollback()


def run(interval: float, stop: threading.Event, report: Callable[[int, int], None] | None = None) -> None:
    """Queue the reminders and refresh the calendars due (every ``REMINDER_CHECK_SECONDS``) and
    deliver what is due, then wait ``interval`` seconds, until ``stop`` is set (in an app context).

    A pass that fails (database restarting, …) is logged and the next one tries again.
    """
    next_check = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + REMINDER_CHECK_SECONDS
            _checks()
        try:
            sent, failed = delivery.deliver_due(BATCH)
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
