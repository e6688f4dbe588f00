"""Followed calendars (``/espace/sources/``): their list and state, add, edit, refresh now, remove;
and the team's decisions on an event relayed from one (``/espace/evenements/<id>/relais``).

Admins follow any calendar; co-organisers follow calendars for their clubs' regions, moderated, and
see only those they added. The rules live in ``sources``.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import delete, func, select

from ... import audit, sources
from ...extensions import db
from ...forms.sources import RelayForm, SourceForm
from ...models import CalendarSource, Event, EventProposal, Region
from ...permissions import can_manage
from . import bp, event_for, row


def sources_area() -> None:
    if not sources.may_add(current_user):
        abort(403)


def source_for(source_id: int) -> CalendarSource:
    sources_area()
    source = row(CalendarSource, source_id)
    if source is None or not sources.may_manage(current_user, source):
        abort(404)
    return source


def source_form(source=None, **kwargs) -> SourceForm:
    """The form, with the regions and trust level the signed-in user may choose."""
    codes = sources.regions_of(current_user)
    query = select(Region).order_by(Region.name)
    regions = db.session.scalars(query if codes is None else query.where(Region.code.in_(codes))).all()
    return SourceForm(**kwargs).configure(regions, admin=codes is None, source=source)


@bp.get("/sources/")
def sources_list():
    sources_area()
    found = sources.listed(current_user)
    return render_template(
        "manage/sources.html",
        sources=found,
        pending=_pending_counts(found),
        can_moderate=can_manage(current_user, None, "proposals"),
    )


def _pending_counts(found: list[CalendarSource]) -> dict[int, int]:
    """Events of each calendar waiting in the moderation queue."""
    rows = db.session.execute(
        select(EventProposal.calendar_source_id, func.count())
        .where(EventProposal.calendar_source_id.in_([s.id for s in found]), EventProposal.state == "pending")
        .group_by(EventProposal.calendar_source_id)
    )
    return dict(rows.all())


@bp.route("/sources/nouvelle", methods=["GET", "POST"])
def source_new():
    sources_area()
    form = source_form()
    messages = []
    if form.validate_on_submit():
        values = form.values()
        try:
            source = sources.add(
                form.url.data,
                values.pop("name"),
                **form.owner_values(),
                **values,
                user=current_user,
            )
        except sources.SourceRefused as refused:
            db.session.rollback()
            messages.append(str(refused))
        else:
            flash(
                f"Calendrier « {source.name} » suivi : ses événements arrivent à son actualisation.",
                "success",
            )
            return redirect(url_for("manage.source", source_id=source.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/source_form.html", form=form, source=None, messages=messages), status


@bp.route("/sources/<int:source_id>/", methods=["GET", "POST"])
def source(source_id: int):
    """A calendar's state and events, its form (POST saves it), refresh and remove."""
    source = source_for(source_id)
    form = source_form(source, data=None if request.method == "POST" else SourceForm.initial(source))
    messages = []
    if form.validate_on_submit():
        try:
            sources.update(current_user, source, form.values())
        except sources.SourceRefused as refused:
            db.session.rollback()
            messages.append(str(refused))
        else:
            flash(f"Calendrier « {source.name} » enregistré.", "success")
            return redirect(url_for("manage.source", source_id=source.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template(
        "manage/source_form.html",
        form=form,
        source=source,
        messages=messages,
        events=_events_of(source),
        can_view=lambda event: can_manage(current_user, event, "view"),
    ), status


def _events_of(source: CalendarSource, limit: int = 100) -> list[Event]:
    """The calendar's events, latest first: what it relays."""
    return db.session.scalars(
        select(Event)
        .where(Event.calendar_source_id == source.id)
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(limit)
    ).all()


@bp.post("/sources/<int:source_id>/actualiser")
def source_refresh(source_id: int):
    source = source_for(source_id)
    result = sources.refresh(source.id)
    flash(f"Actualisation de « {source.name} » : {result.summary()}.", "error" if result.error else "success")
    return redirect(url_for("manage.source", source_id=source_id), 303)


@bp.route("/sources/<int:source_id>/retirer", methods=["GET", "POST"])
def source_remove(source_id: int):
    """What removing a calendar does, then (POST) remove it: its events go with it."""
    source = source_for(source_id)
    count = db.session.scalar(select(func.count()).where(Event.calendar_source_id == source.id))
    if request.method == "GET":
        return render_template("manage/source_remove.html", source=source, count=count)
    name = source.name
    audit.record("source.removed", source=source.id, nom=name, adresse=source.url, evenements=count)
    # Its events deleted by a statement the data versions see (the database's cascade would not bump
    # them, and kept pages would still list the events).
    db.session.execute(delete(Event).where(Event.calendar_source_id == source.id))
    db.session.delete(source)
    db.session.commit()
    flash(f"Calendrier « {name} » retiré, avec ses {count} événement(s) relayé(s).", "success")
    return redirect(url_for("manage.sources_list"), 303)


# --- A relayed event --------------------------------------------------------------------------------


def relayed_event(event_id: int) -> Event:
    event = event_for(event_id, "view")
    if event.calendar_source_id is None or not sources.may_decide(current_user):
        abort(404)
    return event


@bp.route("/evenements/<int:event_id>/relais", methods=["GET", "POST"])
def relay(event_id: int):
    """A relayed event's themes and region (POST saves them); hide, show, stop relaying."""
    event = relayed_event(event_id)
    initial = {"themes": [t.name for t in event.themes], "region": event.relay_region_code or ""}
    form = RelayForm(data=None if request.method == "POST" else initial).configure()
    if form.validate_on_submit():
        return _decide(
            event, "Thèmes et région enregistrés.", themes=form.themes.data, region=form.region.data
        )
    status = 400 if form.is_submitted() else 200
    return render_template("manage/relay.html", event=event, form=form), status


def _decide(event: Event, done: str, **decision):
    try:
        sources.decide(current_user, event, **decision)
    except sources.SourceRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        flash(f"{done} Les actualisations de son calendrier garderont ce choix.", "success")
    return redirect(url_for("manage.relay", event_id=event.id), 303)


@bp.post("/evenements/<int:event_id>/relais/masquer")
def relay_hide(event_id: int):
    return _decide(
        relayed_event(event_id), "Masqué : ni l'agenda, ni ses flux, ni l'API ne le montrent.", hidden=True
    )


@bp.post("/evenements/<int:event_id>/relais/afficher")
def relay_show(event_id: int):
    return _decide(relayed_event(event_id), "De nouveau affiché dans l'agenda.", hidden=False)


@bp.post("/evenements/<int:event_id>/relais/arreter")
def relay_stop(event_id: int):
    return _decide(relayed_event(event_id), "Relais arrêté : il reste tel quel.", stopped=True)
