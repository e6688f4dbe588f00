"""The regional clubs: their list and each club's page with its sessions."""

from flask import Blueprint, abort, render_template

from .. import cache, registry
from ..plugins import hook
from ..urls import external_url, webcal

bp = Blueprint("clubs", __name__)


@bp.get("/clubs/")
@cache.public(("events", "shared"), key=lambda: ())
def index():
    return render_template("clubs/index.html", clubs=registry.clubs())


@bp.get("/clubs/<slug>/")
@cache.public(("events", "shared"), key=lambda: ())
def club(slug: str):
    club = registry.club_by_slug(slug) or abort(404)
    upcoming, past = registry.club_sessions(club)
    feed = external_url("feeds.club_ics", slug=club.slug)
    return render_template(
        "clubs/club.html",
        club=club,
        upcoming=upcoming,
        past=past,
        feed=feed,
        webcal_feed=webcal(feed),
        branding=[brand for brands in hook().rtes_club_branding(club=club) for brand in brands],
    )
