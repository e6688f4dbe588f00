"""Sending an event's satisfaction questionnaire from its workspace page."""

from flask import flash, redirect, url_for

from ... import audit, surveys
from ...extensions import db
from . import bp, event_for


@bp.post("/evenements/<int:event_id>/questionnaire")
def survey_send(event_id: int):
    event = event_for(event_id, "registrants")
    if reason := surveys.refusal(event):
        flash(reason, "error")
        return redirect(url_for("manage.event", event_id=event.id), 303)
    count = surveys.invite(event)
    if count:
        audit.record("surveys.sent", event=event, count=count)
    db.session.commit()
    if count:
        flash(f"Questionnaire de satisfaction envoyé à {count} personne(s).", "success")
    else:
        flash(
            "Personne à qui envoyer le questionnaire : chacun·e l'a déjà reçu, ou personne n'est venu·e.",
            "info",
        )
    return redirect(url_for("manage.event", event_id=event.id), 303)
