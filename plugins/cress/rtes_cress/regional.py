"""Each CRESS's regional page and feed (``/cress/<key>/``, ``/cress/<key>.ics``): the sessions of
the clubs it co-organises, through the core's registry and feeds."""

import os
from importlib.resources import files

from flask import Blueprint, abort, current_app, render_template, url_for
from sqlalchemy import select

from rtes_events import cache, clock, feeds, registry
from rtes_events.extensions import db
from rtes_events.models import Club, Event, Partner
from rtes_events.urls import external_url, webcal

PREFIX = "cress-"
LOGOS = files(__package__) / "static" / "logos"

bp = Blueprint(
    "cress", __name__, template_folder="templates", static_folder="static", static_url_path="/cress/static"
)


def is_cress(partner) -> bool:
    return partner is not None and partner.key.startswith(PREFIX)


def logo_url(partner) -> str | None:
    """``RTES_CRESS_LOGO_URL`` (``{key}`` replaced) when set, else the logo shipped for the region."""
    template = current_app.config.get("RTES_CRESS_LOGO_URL") or os.environ.get("RTES_CRESS_LOGO_URL")
    if template:
        return template.replace("{key}", partner.key)
    if (LOGOS / f"{partner.key}.svg").is_file():
        return url_for("cress.static", filename=f"logos/{partner.key}.svg")
    return None


def cress_or_404(key: str) -> Partner:
    partner = db.session.scalar(select(Partner).where(Partner.key == key))
    return partner if is_cress(partner) else abort(404)


def of_clubs(query, partner: Partner):
    return query.where(Event.club.has(Club.co_organisers.any(Partner.id == partner.id)))


@bp.get("/cress/<key>/")
@cache.public(("events", "shared"), key=lambda: ())
def region(key: str):
    partner = cress_or_404(key)
    clubs = [club for club in registry.clubs() if partner in club.co_organisers]
    upcoming = registry.listed(of_clubs(registry.upcoming(), partner))
    past = registry.listed(of_clubs(registry.past(), partner))
    feed = external_url("cress.region_ics", key=key)
    return render_template(
        "cress/region.html",
        partner=partner,
        logo=logo_url(partner),
        clubs=clubs,
        upcoming=upcoming,
        past=past,
        feed=feed,
        webcal_feed=webcal(feed),
    )


@bp.get("/cress/<key>.ics")
@cache.public(("events", "shared"), key=clock.local_today, moments=False, feed=True)
def region_ics(key: str):
    partner = cress_or_404(key)
    query = of_clubs(registry.feed_query(registry.EventFilter()), partner)
    return feeds.feed_response(query, f"Clubs ESS — {partner.name}", f"{key}.ics")
