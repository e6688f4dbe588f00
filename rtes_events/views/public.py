"""The public agenda (``/`` and ``/evenements/``) and the event page."""

from flask import Blueprint, abort, render_template, request

from .. import registrations, registry
from ..extensions import db
from ..plugins import hook
from ..urls import external_url, webcal

bp = Blueprint("public", __name__)

PER_PAGE = 20


@bp.get("/")
def home():
    return _agenda(home=True)


@bp.get("/evenements/")
def agenda():
    return _agenda(home=False)


def _agenda(home: bool):
    filters = registry.EventFilter.from_args(request.args)
    page = db.paginate(registry.agenda(filters), per_page=PER_PAGE, error_out=False)
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
def event(slug: str):
    event = registry.by_slug(slug) or abort(404)
    message, url = registrations.where_to_register(event)
    return render_template(
        "public/event.html",
        event=event,
        places_left=_places_left(event),
        registration_message=message,
        registration_url=url,
        replays=[link for links in hook().rtes_replay_links(event=event) for link in links],
    )


def _places_left(event) -> int | None:
    """Places left on the platform for a published upcoming event, None when not relevant or unlimited."""
    if event.status != "published" or event.is_past or event.registration_provider != "local":
        return None
    return registrations.places_left(event)
