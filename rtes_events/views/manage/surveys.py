"""An event's satisfaction questionnaire in the workspace: sending it, reading its answers."""

from flask import flash, redirect, render_template, url_for

from ... import audit, indicators, surveys
from ...extensions import db
from ...models.surveys import QUESTIONS
from . import bp, event_for


@bp.get("/evenements/<int:event_id>/questionnaire")
def survey_results(event_id: int):
    """The answers, anonymous: each one's marks and comment, and the averages."""
    event = event_for(event_id, "registrants")
    return render_template(
        "manage/survey_results.html",
        event=event,
        questions=QUESTIONS,
        summary=indicators.event_satisfaction(event),
        answers=surveys.answers(event),
    )


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
