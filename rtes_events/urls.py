"""Absolute links for e-mails and calendar files, built on ``RTES_BASE_URL``; the ids URLs and
forms carry."""

from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest id a table holds (PostgreSQL's ``integer``)


def record_id(text) -> int:
    """An id read from a form (``request.form.get(name, type=record_id)``); ValueError beyond any id."""
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise ValueError(f"no row has the id {value}")
    return value


class RecordId(IntegerConverter):
    """``<int:…>`` in routes: a number larger than any id matches no route (404) rather than
    overflowing the database's integer (500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of ``endpoint``, valid outside a request (worker, CLI, e-mails)."""
    base = urlsplit(current_app.config["RTES_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def webcal(url: str) -> str:
    """The ``webcal://`` form of an http(s) feed URL, which calendar apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[1]
