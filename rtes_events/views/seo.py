"""Discovery: ``/sitemap.xml`` and ``/robots.txt``, and the event page's structured data (schema.org
JSON-LD) and « Ajouter à Google Agenda / Outlook » links, as template globals."""

from flask import Blueprint, Response, render_template
from sqlalchemy import func, select

from .. import cache, calendar_links, registry, schema_org
from ..api_documents import offset_time
from ..extensions import db
from ..models import Club, Event, Replay
from ..urls import external_url

bp = Blueprint("seo", __name__)

# Never crawled: the workspace, registrants' own pages and the personal feeds' secret tokens.
DISALLOWED = ("/espace/", "/inscription/", "/mon-agenda/")
# The pages that list the others.
LISTS = ("public.home", "public.agenda", "clubs.index", "replays.index", "members.index")


@bp.app_template_global()
def event_json_ld(event: Event, places_left: int | None = None, programme=()):
    """The event's schema.org ``Event`` with its ``programme`` (``timetable.programme``), ready for
    ``<script type="application/ld+json">``."""
    return schema_org.json_ld(schema_org.event_data(event, places_left=places_left, programme=programme))


@bp.app_template_global()
def add_to_calendar(event: Event) -> dict[str, str]:
    """The links that open Google Agenda's and Outlook's new-event form filled with the event."""
    return {"google": calendar_links.google(event), "outlook": calendar_links.outlook(event)}


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED)]
    lines.append(f"Sitemap: {external_url('seo.sitemap')}")
    response = Response("\n".join(lines) + "\n", mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/sitemap.xml")
@cache.public(("events", "shared"), key=lambda: (), moments=False, feed=True)
def sitemap():
    body = render_template("seo/sitemap.xml", urls=_urls())
    return Response(body, mimetype="application/xml")


def _urls() -> list[tuple[str, str | None]]:
    """Every public page worth crawling, with its last change (ISO 8601, Paris offset)."""
    public = Event.status.in_(registry.PUBLIC_STATUSES)
    events = db.session.execute(
        select(Event.slug, Event.updated_at).where(public).order_by(Event.starts_at.desc(), Event.id.desc())
    ).all()
    latest = max((changed for _, changed in events), default=None)
    lists = [(external_url(endpoint), latest) for endpoint in LISTS]
    found = [*lists, *((external_url("public.event", slug=slug), changed) for slug, changed in events)]
    clubs = db.session.execute(
        select(Club.slug, func.max(Event.updated_at))
        .outerjoin(Event, (Event.club_id == Club.id) & public)
        .group_by(Club.id, Club.slug)
        .order_by(Club.slug)
    ).all()
    found += [(external_url("clubs.club", slug=slug), changed) for slug, changed in clubs]
    replays = db.session.execute(
        select(Event.slug, Replay.updated_at, Event.updated_at)
        .join(Replay, Replay.event_id == Event.id)
        .where(public, Replay.published_at.isnot(None))
        .order_by(Replay.published_at.desc(), Replay.id.desc())
    ).all()
    found += [(external_url("replays.replay", slug=slug), max(a, b)) for slug, a, b in replays]
    return [(url, offset_time(changed) if changed else None) for url, changed in found]
