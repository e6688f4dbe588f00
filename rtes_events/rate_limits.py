"""Rate limits of the public forms that send an e-mail: per client address, and per e-mail address."""

from flask import current_app, request

from .extensions import limiter


def _setting(name: str):
    return lambda: current_app.config[name]


def per_client(setting: str):
    """The limit held in ``setting``, counted per client address, on POSTs."""
    return limiter.limit(_setting(setting), methods=["POST"])


def per_email(setting: str, scope: str):
    """The limit held in ``setting``, counted per submitted e-mail address (its case and ``+tag``
    variants share one count), on the POSTs that sent an e-mail (answered 303) only."""
    return limiter.limit(
        _setting(setting),
        methods=["POST"],
        key_func=lambda: f"{scope}:{_submitted_email()}",
        exempt_when=_no_email,
        deduct_when=_mail_sent,
    )


def _submitted_email() -> str:
    local, _, domain = (request.form.get("email") or "").strip().lower()[:254].rpartition("@")
    return f"{local.split('+')[0]}@{domain}"


def _no_email() -> bool:
    return not (request.form.get("email") or "").strip()


def _mail_sent(response) -> bool:
    return response.status_code == 303
