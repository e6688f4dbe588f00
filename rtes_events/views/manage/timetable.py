"""An event's programme (déroulé) in the workspace: its slots, added, changed, reordered, removed or
copied from another session through ``timetable``."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import timetable
from ...extensions import db
from ...forms.timetable import CopyForm, SlotForm
from ...models import Event, Slot
from ...permissions import can_manage
from . import bp, event_for

MOVES = {"haut": -1, "bas": 1}


def slot_for(event: Event, slot_id: int) -> Slot:
    """A slot of ``event``; 404 for any other (a slot id of another session changes nothing)."""
    slot = db.session.get(Slot, slot_id)
    if slot is None or slot.event_id != event.id:
        abort(404)
    return slot


@bp.get("/evenements/<int:event_id>/programme")
def timetable_page(event_id: int):
    event = event_for(event_id, "view")
    editable = can_manage(current_user, event, "edit")
    sources = timetable.copy_sources(current_user, event) if editable and not event.slots else []
    return render_template(
        "manage/timetable.html",
        event=event,
        days=timetable.days(timetable.programme(event)),
        several_days=len(timetable.event_days(event)) > 1,
        editable=editable,
        copy_form=CopyForm().configure(sources) if sources else None,
    )


@bp.route("/evenements/<int:event_id>/programme/ajouter", methods=["GET", "POST"])
def slot_new(event_id: int):
    event = event_for(event_id, "edit")
    return _slot_form(event, None, SlotForm().configure(event))


@bp.route("/evenements/<int:event_id>/programme/<int:slot_id>/modifier", methods=["GET", "POST"])
def slot_edit(event_id: int, slot_id: int):
    event = event_for(event_id, "edit")
    slot = slot_for(event, slot_id)
    initial = SlotForm.initial(slot, event) if request.method == "GET" else None
    return _slot_form(event, slot, SlotForm(data=initial).configure(event))


def _slot_form(event: Event, slot: Slot | None, form: SlotForm):
    def page(status: int = 200, messages=()):
        return render_template(
            "manage/slot_form.html",
            event=event,
            slot=slot,
            form=form,
            several_days=len(form.days) > 1,
            messages=messages,
        ), status

    if not form.is_submitted():
        return page()
    if not form.validate():
        return page(400)
    try:
        if slot is None:
            slot = timetable.add(current_user, event, form.values())
            flash(f"Créneau « {slot.title} » ajouté au programme.", "success")
        elif changes := timetable.update(current_user, event, slot, form.values()):
            flash(f"Créneau modifié ({', '.join(changes)}).", "success")
        else:
            flash("Aucune modification à enregistrer.", "info")
    except timetable.TimetableError as refused:
        db.session.rollback()
        return page(400, [str(refused)])
    return _back(event)


@bp.post("/evenements/<int:event_id>/programme/<int:slot_id>/deplacer")
def slot_move(event_id: int, slot_id: int):
    event = event_for(event_id, "edit")
    slot = slot_for(event, slot_id)
    step = MOVES.get(request.form.get("sens")) or abort(400)
    return _act(event, lambda: timetable.move(current_user, event, slot, step), "Créneau déplacé.")


@bp.post("/evenements/<int:event_id>/programme/<int:slot_id>/retirer")
def slot_remove(event_id: int, slot_id: int):
    event = event_for(event_id, "edit")
    slot = slot_for(event, slot_id)
    done = f"Créneau « {slot.title} » retiré du programme."
    return _act(event, lambda: timetable.remove(current_user, event, slot), done)


@bp.post("/evenements/<int:event_id>/programme/copier")
def timetable_copy(event_id: int):
    event = event_for(event_id, "edit")
    form = CopyForm().configure(timetable.copy_sources(current_user, event))
    if not form.validate():
        for errors in form.errors.values():
            flash(" ".join(errors), "error")
        return _back(event)
    source = form.sources[form.source.data]
    return _act(
        event,
        lambda: timetable.copy(current_user, event, source),
        f"Programme de « {source.title} » copié : vérifiez ses créneaux.",
    )


def _act(event: Event, action, done: str):
    """Do ``action()``, then back to the programme with what happened."""
    try:
        action()
    except timetable.TimetableError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        flash(done, "success")
    return _back(event)


def _back(event: Event):
    return redirect(url_for("manage.timetable_page", event_id=event.id), 303)
