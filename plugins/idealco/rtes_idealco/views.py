"""The IdealCo page of the workspace: import of IdealCo's attendance export into the event."""

from flask import flash, redirect, render_template, url_for
from flask_wtf.file import FileField, FileRequired

from rtes_events import audit, indicators
from rtes_events.extensions import db
from rtes_events.forms.base import Form
from rtes_events.views.manage import event_for, workspace_blueprint

from .attendance import UnreadableExport, count_present

bp = workspace_blueprint("idealco", __name__, template_folder="templates")


class AttendanceForm(Form):
    export = FileField(
        "Export des présences d'IdealCo (CSV)", validators=[FileRequired("Choisissez le fichier CSV.")]
    )


@bp.route("/evenements/<int:event_id>/presences", methods=["GET", "POST"])
def attendance(event_id: int):
    event = event_for(event_id, "edit")
    form = AttendanceForm()
    problem = None
    if form.validate_on_submit():
        try:
            present = count_present(form.export.data.read())
        except UnreadableExport as exc:
            problem = f"Fichier non importé : {exc}"
        else:
            before = event.participants
            indicators.record_partner_attendance(event, present, "idealco")
            event.participants_note = None
            audit.record("event.updated", event=event, participation=f"{before or '—'} → {present} (IdealCo)")
            db.session.commit()
            flash(f"Participation de l'événement : {present} personne(s) d'après IdealCo.", "success")
            return redirect(url_for("manage.event", event_id=event.id), 303)
    status = 400 if form.errors or problem else 200
    return render_template("idealco/attendance.html", event=event, form=form, problem=problem), status
