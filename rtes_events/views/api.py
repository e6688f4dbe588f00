"""The open, read-only API (``/api/v1/``): events, one event, clubs, replays, member authorities,
and the OpenAPI document that describes every route and answer (``rtes_events/openapi.json``).

Answers are cached and revalidated like the pages (ETag from the same data versions, 304), readable
from any origin (``Access-Control-Allow-Origin: *``) and rate-limited per client address
(``RTES_API_RATE_LIMIT``). Errors are JSON with a French message.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache as once
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from .. import api_documents as documents
from .. import cache, registry, replays
from ..extensions import db, limiter
from ..models import Event
from ..registry import EventFilter
from ..urls import external_url

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
OPENAPI = Path(__file__).resolve().parent.parent / "openapi.json"

PER_PAGE, MAX_PER_PAGE, MAX_PAGE = 20, 100, 100_000
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match",
    "Access-Control-Expose-Headers": "ETag, Retry-After",
    "Access-Control-Max-Age": "86400",
}
UNENCODED_PLUS = re.compile(r"(?<=\d) (\d{2}(:?\d{2})?)$")  # 2026-01-31T14:00:00 01:00
NO_EVENT = "Aucun événement public ne porte ce nom."
SINCE_MESSAGE = (
    "Le paramètre « modifie-depuis » doit être une date et une heure ISO 8601 avec leur décalage, "
    "par exemple 2026-01-31T14:00:00+01:00 ou 2026-01-31T13:00:00Z."
)


def _rate_limit() -> str:
    return current_app.config["RTES_API_RATE_LIMIT"]


limiter.shared_limit(_rate_limit, scope="api")(bp)  # one budget for the whole API


@bp.after_app_request
def cross_origin(response: Response) -> Response:
    """Every answer under ``/api/v1/`` (errors and 304s included) may be read from any origin."""
    if is_api_request():
        for name, value in CORS.items():
            response.headers[name] = value
    return response


def error_response(error: HTTPException, message: str) -> Response:
    """An error as JSON: ``{"error": {"status": …, "message": …}}``, its own French description when
    the view gave one, else ``message``; the error's headers (``Allow``, ``Retry-After``) kept."""
    own = error.description if error.description != type(error).description else message
    if isinstance(error, RateLimitExceeded):  # its description is the limit, in English
        own = f"{message} (limite : {error.limit.limit})"
    response = error.get_response()
    response.set_data(_dump({"error": {"status": error.code, "message": own}}))
    response.mimetype = "application/json"
    return response


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(f"{PREFIX}/")


def _dump(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _json(data) -> Response:
    return Response(_dump(data), mimetype="application/json")


# --- Arguments -----------------------------------------------------------------------------------


def _integer(name: str, default: int, largest: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= largest):
        abort(400, description=f"Le paramètre « {name} » doit être un nombre entier de 1 à {largest}.")
    return int(raw)


def _since() -> datetime | None:
    """``modifie-depuis`` as a naive UTC time, or None; a 400 when it is not an ISO 8601 date and
    time with its offset. A ``+`` left unencoded in the URL arrives as a space: it is put back."""
    raw = request.args.get("modifie-depuis")
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(UNENCODED_PLUS.sub(r"+\1", raw))
        if moment.tzinfo is None:
            raise ValueError(raw)
        return moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        abort(400, description=SINCE_MESSAGE)


@dataclass(frozen=True)
class EventQuery:
    """The arguments of ``/api/v1/evenements``: the agenda's filters, a page, and ``modifie-depuis``."""

    filters: EventFilter
    page: int
    per_page: int
    since: datetime | None

    @classmethod
    def from_request(cls) -> "EventQuery":
        return cls(
            EventFilter.from_args(request.args),
            _integer("page", 1, MAX_PAGE),
            _integer("par-page", PER_PAGE, MAX_PER_PAGE),
            _since(),
        )

    def key(self) -> tuple:
        return self.filters.as_args(), self.page, self.per_page, self.since

    def select(self):
        """Changed since ``since`` (cancelled events included), oldest change first; else the agenda's
        events (upcoming, or past with ``periode=passes``)."""
        if self.since is None:
            return registry.agenda(self.filters)
        query = registry.agenda(self.filters) if self.filters.periode else registry.events_query(self.filters)
        return query.where(Event.updated_at >= self.since).order_by(None).order_by(Event.updated_at, Event.id)

    def link(self, page: int) -> str:
        args = {**self.filters.as_args(), "page": page}
        if self.per_page != PER_PAGE:
            args["par-page"] = self.per_page
        if "modifie-depuis" in request.args:
            args["modifie-depuis"] = request.args["modifie-depuis"]
        return external_url("api.events", **args)


def _page_of(query, number: int, per_page: int) -> registry.EventPage:
    """Page ``number`` as asked, empty beyond the last one (so that a client walking the pages stops)."""
    return registry.EventPage(
        select=query, session=db.session, page=number, per_page=per_page, error_out=False
    )


# --- Routes --------------------------------------------------------------------------------------


@bp.get("/")
@cache.public(("shared",), key=lambda: (), moments=False)
def index():
    return _json(
        {
            "name": "API des événements du RTES",
            "openapi": external_url("api.openapi"),
            "events": external_url("api.events"),
            "clubs": external_url("api.clubs"),
            "replays": external_url("api.replays_list"),
            "members": external_url("api.members"),
        }
    )


@bp.get("/evenements")
@cache.public(("events", "shared"), key=lambda: EventQuery.from_request().key())
def events():
    asked = EventQuery.from_request()
    found = _page_of(asked.select(), asked.page, asked.per_page)
    items = [documents.event(e) for e in documents.load_events([e.id for e in found.items])]
    return _json(documents.page(items, found, asked.link))


@bp.get("/evenements/<slug>")
@cache.public(("events", "shared"), key=lambda: (), moments=False)
def event(slug: str):
    if "\x00" in slug:  # PostgreSQL refuses NUL in text: no event can be named so
        abort(404, description=NO_EVENT)
    found = registry.by_slug(slug) or abort(404, description=NO_EVENT)
    document = {**documents.event(found), "programme": documents.programme(found)}
    return _json({"@context": documents.schema_org.CONTEXT, **document})


@bp.get("/clubs")
@cache.public(("shared",), key=lambda: (), moments=False)
def clubs():
    return _json(documents.listing([documents.club(club) for club in registry.clubs()]))


def _replay_key() -> tuple:
    filters = replays.CatalogueFilter.from_args(request.args)
    return filters.as_args(), _integer("page", 1, MAX_PAGE), _integer("par-page", PER_PAGE, MAX_PER_PAGE)


@bp.get("/replays")
@cache.public(("events", "shared"), key=_replay_key)
def replays_list():
    filters, number, per_page = _replay_key()
    found = _page_of(replays.catalogue(replays.CatalogueFilter.from_args(request.args)), number, per_page)
    items = [documents.replay(r) for r in documents.published_replays(found.items)]

    def link(page: int) -> str:
        args = {**filters, "page": page}
        if per_page != PER_PAGE:
            args["par-page"] = per_page
        return external_url("api.replays_list", **args)

    return _json(documents.page(items, found, link))


@bp.get("/adherents")
@cache.public(("shared",), key=lambda: (), moments=False)
def members():
    return _json(documents.listing([documents.member(m) for m in documents.current_members()]))


@bp.get("/openapi.json")
def openapi():
    body = _openapi_text(current_app.config["RTES_BASE_URL"])
    response = Response(body, mimetype="application/json")
    response.set_etag(cache.digest(body))
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response.make_conditional(request)


@once
def _openapi_text(base_url: str) -> bytes:
    """The shipped document, its server set to this site's address."""
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    document["servers"] = [{"url": f"{base_url}{PREFIX}"}]
    return _dump(document)
