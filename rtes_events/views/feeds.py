"""Calendar feeds: the agenda, a club, one event, a registrant's own events."""

from flask import Blueprint, abort, request

from .. import feeds, registrations, registry
from ..registry import EventFilter

bp = Blueprint("feeds", __name__)


@bp.get("/agenda.ics")
def agenda_ics():
    filters = EventFilter.from_args(request.args)
    return feeds.feed_response(registry.feed_events(filters), feeds.agenda_name(filters), "agenda.ics")


@bp.get("/clubs/<slug>.ics")
def club_ics(slug: str):
    club = registry.club_by_slug(slug) or abort(404)
    events = registry.feed_events(EventFilter(club=club.slug))
    return feeds.feed_response(events, club.name, f"{club.slug}.ics")


@bp.get("/evenements/<slug>.ics")
def event_ics(slug: str):
    event = registry.by_slug(slug) or abort(404)
    return feeds.feed_response([event], event.title, f"{event.slug}.ics")


@bp.get("/mon-agenda/<token>.ics")
def personal_ics(token: str):
    found = registrations.feed_registrations(token)
    if found is None:
        abort(404)
    return feeds.personal_feed_response(found)
