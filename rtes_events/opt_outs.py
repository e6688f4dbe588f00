"""Opting out of the replay announcements: the signed link of each announcement, the addresses that
opted out (kept as hashes), and the ``List-Unsubscribe`` headers that let mail clients offer it
(RFC 2369; one click, RFC 8058).

The replays service queues announcements only to addresses that did not opt out; the outbox checks
again when it sends one, so an opt-out also stops the announcements already queued.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from .extensions import db
from .models import ReplayOptOut
from .urls import external_url

SALT = "replay-opt-out"
ONE_CLICK = "List-Unsubscribe=One-Click"  # the body of an RFC 8058 one-click POST


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token(email: str) -> str:
    return _serializer().dumps(email.strip().lower())


def email_of(signed: str) -> str | None:
    """The address a signed opt-out link stands for, or None when it was tampered with."""
    try:
        return _serializer().loads(signed)
    except BadSignature:
        return None


def link(email: str) -> str:
    return external_url("replays.opt_out", token=token(email))


def headers(email: str) -> dict[str, str]:
    """The headers of an announcement to ``email``: its opt-out link, followed in one click."""
    return {"List-Unsubscribe": f"<{link(email)}>", "List-Unsubscribe-Post": ONE_CLICK}


def opt_out(email: str) -> None:
    """No more replay announcements to ``email`` (idempotent)."""
    if db.session.get(ReplayOptOut, email_hash(email)) is None:
        db.session.add(ReplayOptOut(email_hash=email_hash(email)))
    db.session.commit()


def opted_out(email: str) -> bool:
    return db.session.get(ReplayOptOut, email_hash(email)) is not None
