"""The public agenda (``/`` and ``/evenements/``) and the event page."""

from flask import Blueprint, abort, render_template, request

from .. import cache, indicators, registrations, registry, timetable
from ..plugins import hook
from ..replays import published_for
from ..urls import external_url, webcal

bp = Blueprint("public", __name__)

PER_PAGE = 20
MAX_PAGE = 100_000  # beyond any agenda: a larger number shows the last page too


def page_number() -> int:
    """The ``page`` asked for, within 1 … MAX_PAGE (1 when it is not a number)."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


def agenda_key():
    return registry.EventFilter.from_args(request.args).as_args(), page_number()


@bp.get("/")
@cache.public(("events", "shared"), key=agenda_key)
def home():
    return _agenda(home=True)


@bp.get("/evenements/")
@cache.public(("events", "shared"), key=agenda_key)
def agenda():
    return _agenda(home=False)


def _agenda(home: bool):
    filters = registry.EventFilter.from_args(request.args)
    page = registry.page_of(registry.agenda(filters), page_number(), PER_PAGE)
    feed = external_url("feeds.agenda_ics", **filters.as_args())
    return render_template(
        "public/agenda.html",
        home=home,
        filters=filters,
        choices=registry.filter_choices(),
        page=page,
        feed=feed,
        webcal_feed=webcal(feed),
    )


@bp.get("/evenements/<slug>/")
@cache.public(("events", "shared", "registrations"), key=lambda: ())
def event(slug: str):
    event = registry.by_slug(slug) or abort(404)
    slots = timetable.programme(event)
    message, url = registrations.where_to_register(event)
    return render_template(
        "public/event.html",
        event=event,
        places_left=_places_left(event),
        programme=slots,
        timetable=timetable.days(slots),
        several_days=len(timetable.event_days(event)) > 1,
        show_slot_places=_counts_places(event),
        registration_message=message,
        registration_url=url,
        replays=[link for links in hook().rtes_replay_links(event=event) for link in links],
        has_replay=published_for(event) is not None,
        attendance=indicators.attendance(event) if event.is_past else (None, None),
        source_label=indicators.source_label,
        plugin_items=[item for items in hook().rtes_event_page_items(event=event) for item in items],
    )


def _counts_places(event) -> bool:
    """Whether the page shows places left: a published upcoming event registered on the platform."""
    return event.status == "published" and not event.is_past and event.registration_provider == "local"


def _places_left(event) -> int | None:
    """Places left on the platform for a published upcoming event, None when not relevant or unlimited."""
    return registrations.places_left(event) if _counts_places(event) else None
