"""Programmes (« actions »), for admins: list, create, edit, and which events belong to each."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ... import audit, programmes
from ...extensions import db
from ...forms.programmes import ProgrammeForm
from ...models import Event, Programme
from ...permissions import can_manage
from ...urls import record_id
from . import bp, event_for


def admins_only() -> None:
    if not can_manage(current_user, None, "programmes"):
        abort(403)


def programme_for(programme_id: int) -> Programme:
    admins_only()
    return db.session.get(Programme, programme_id) or abort(404)


@bp.get("/programmes/")
def programme_list():
    admins_only()
    return render_template("manage/programmes.html", programmes=programmes.all_programmes())


@bp.route("/programmes/nouveau", methods=["GET", "POST"])
def programme_new():
    admins_only()
    form = ProgrammeForm()
    messages = []
    if form.validate_on_submit():
        try:
            programme = programmes.create(form.values())
        except programmes.ProgrammeError as exc:
            db.session.rollback()
            messages.append(str(exc))
        else:
            audit.record("programme.created", programme=programme.slug, name=programme.name)
            db.session.commit()
            flash(f"Programme « {programme.name} » créé.", "success")
            return redirect(url_for("manage.programme", programme_id=programme.id), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("manage/programme_form.html", form=form, programme=None, messages=messages), status


@bp.route("/programmes/<int:programme_id>/", methods=["GET", "POST"])
def programme(programme_id: int):
    programme = programme_for(programme_id)
    form = ProgrammeForm(obj=programme)
    messages = []
    if form.validate_on_submit():
        try:
            changed = programmes.update(programme, form.values())
        except programmes.ProgrammeError as exc:
            db.session.rollback()
            messages.append(str(exc))
        else:
            if changed:
                audit.record("programme.updated", programme=programme.slug, **changed)
            db.session.commit()
            flash("Programme enregistré.", "success")
            return redirect(url_for("manage.programme", programme_id=programme.id), 303)
    candidates = db.session.scalars(
        select(Event)
        .where(Event.status != "draft", ~Event.programmes.any(Programme.id == programme.id))
        .order_by(Event.starts_at.desc())
    ).all()
    status = 422 if form.is_submitted() else 200
    return render_template(
        "manage/programme_form.html", form=form, programme=programme, messages=messages, candidates=candidates
    ), status


@bp.post("/programmes/<int:programme_id>/sessions")
def programme_events(programme_id: int):
    """Add (``ajouter``) or remove (``retirer``) one event of the programme."""
    programme = programme_for(programme_id)
    event = db.session.get(Event, request.form.get("event_id", type=record_id) or 0) or abort(404)
    if request.form.get("action") == "retirer":
        if programmes.remove_event(programme, event):
            audit.record("programme.events", event=event, programme=programme.slug, removed=True)
            flash(f"« {event.title} » retiré du programme.", "success")
    elif programmes.add_event(programme, event):
        audit.record("programme.events", event=event, programme=programme.slug, added=True)
        flash(f"« {event.title} » ajouté au programme.", "success")
    db.session.commit()
    return redirect(url_for("manage.programme", programme_id=programme.id), 303)


@bp.post("/evenements/<int:event_id>/programmes")
def event_programmes(event_id: int):
    """The programmes of one event, from the checkboxes of its workspace page."""
    admins_only()
    event = event_for(event_id, "edit")
    chosen = set(request.form.getlist("programme"))
    added, removed = programmes.set_programmes(
        event, [programme for programme in programmes.all_programmes() if programme.slug in chosen]
    )
    if added or removed:
        audit.record("event.programmes", event=event, added=added, removed=removed)
    db.session.commit()
    flash("Programmes de la session enregistrés.", "success")
    return redirect(url_for("manage.event", event_id=event.id), 303)


@bp.app_context_processor
def programme_choices():
    def choices(event: Event) -> list[tuple[Programme, bool]] | None:
        """The programmes offered on an event's workspace page, ticked when it belongs to them;
        None for those who may not assign them."""
        if not can_manage(current_user, None, "programmes"):
            return None
        return [(programme, programme in event.programmes) for programme in programmes.all_programmes()]

    return {"programme_choices": choices}
