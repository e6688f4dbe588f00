"""The workspace's home: upcoming sessions with their fill rate, sessions awaiting attendance,
recent registrations."""

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from ... import clock, registrants
from ...extensions import db
from ...models import Event, Registration
from ...permissions import can_manage, managed_events, scope_clause
from . import bp

RECENT = 15


@bp.get("/")
def dashboard():
    now = clock.now()
    upcoming = _visible(managed_events(current_user).where(Event.ends_at >= now).order_by(Event.starts_at))
    awaiting = _visible(
        managed_events(current_user)
        .where(
            Event.ends_at < now,
            Event.status == "published",
            Event.registrations.any(Registration.status == "confirmed"),
        )
        .order_by(Event.starts_at.desc())
    )
    recent = db.session.scalars(
        select(Registration)
        .join(Registration.event)
        .where(scope_clause(current_user), Registration.erased_at.is_(None))
        .order_by(Registration.created_at.desc(), Registration.id.desc())
        .limit(RECENT)
    ).all()
    return render_template(
        "manage/dashboard.html",
        upcoming=upcoming,
        awaiting=awaiting,
        recent=[r for r in recent if can_manage(current_user, r, "registrants")],
        counts=registrants.counts_by_event([event.id for event in upcoming]),
    )


def _visible(query) -> list[Event]:
    return [event for event in db.session.scalars(query).unique() if can_manage(current_user, event, "view")]
