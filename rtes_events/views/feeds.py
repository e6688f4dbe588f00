"""Calendar feeds: the agenda, a club, one event, a registrant's own events."""

from flask import Blueprint, abort, request

from .. import cache, clock, feeds, registrations, registry
from ..models import Event
from ..registry import EventFilter

bp = Blueprint("feeds", __name__)


def feed_key():
    """Canonical filters; with no ``periode`` the feed's window moves with the day."""
    filters = EventFilter.from_args(request.args)
    return filters.as_args(), None if filters.periode else clock.local_today()


def window_key():
    return clock.local_today()


def by_period() -> bool:
    """Whether the feed asked for is upcoming or past events only, which time changes."""
    return bool(EventFilter.from_args(request.args).periode)


@bp.get("/agenda.ics")
@cache.public(("events", "shared"), key=feed_key, moments=by_period, feed=True)
def agenda_ics():
    filters = EventFilter.from_args(request.args)
    return feeds.feed_response(registry.feed_query(filters), feeds.agenda_name(filters), "agenda.ics")


@bp.get("/clubs/<slug>.ics")
@cache.public(("events", "shared"), key=window_key, moments=False, feed=True)
def club_ics(slug: str):
    club = registry.club_by_slug(slug) or abort(404)
    query = registry.feed_query(EventFilter(club=club.slug))
    return feeds.feed_response(query, club.name, f"{club.slug}.ics")


@bp.get("/evenements/<slug>.ics")
@cache.public(("events", "shared"), key=lambda: (), moments=False, feed=True)
def event_ics(slug: str):
    event = registry.by_slug(slug) or abort(404)
    query = registry.events_query().where(Event.id == event.id)
    return feeds.feed_response(query, event.title, f"{event.slug}.ics")


@bp.get("/mon-agenda/<token>.ics")
def personal_ics(token: str):
    found = registrations.feed_registrations(token)
    if found is None:
        abort(404)
    return feeds.personal_feed_response(found)
