"""Absolute links for e-mails and calendar files, built on ``RTES_BASE_URL``."""

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint``, valid outside a request (worker, CLI, e-mails)."""
    base = urlsplit(current_app.config["RTES_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def webcal(url: str) -> str:
    """The ``webcal://`` form of an http(s) feed URL, which calendar apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[1]
