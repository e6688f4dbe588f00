"""The day's documents of a session: its name badges and attestations de présence (PDF), closing its
attendance (which issues the attestations), and the attestations' signatory (admins)."""

from flask import abort, flash, redirect, render_template, request, url_for

from ... import attestations, audit, badges, pdf
from ...attestations import AttestationRefused
from ...extensions import db
from ...forms.attestations import SignatoryForm
from ...urls import record_id
from . import bp, event_for, registration_for
from .site_pages import admins_only


@bp.get("/evenements/<int:event_id>/badges.pdf")
def badges_pdf(event_id: int):
    """Every on-site registrant's badge, or one person's (``?inscription=<id>``)."""
    event = event_for(event_id, "registrants")
    people = badges.badged(event)
    if "inscription" in request.args:
        registration_id = request.args.get("inscription", type=record_id)
        if registration_id is None:
            abort(404)
        one = registration_for(event, registration_id)
        people = [r for r in people if r.id == one.id]
    if not people:
        return _nothing("Aucune personne inscrite sur place n'a de badge à imprimer pour cette session.")
    audit.record("registrants.exported", event=event, format="badges (PDF)", rows=len(people))
    db.session.commit()
    return pdf.download(badges.sheet(event, people), f"badges-{event.slug}.pdf")


@bp.get("/evenements/<int:event_id>/attestations.pdf")
def attestations_pdf(event_id: int):
    event = event_for(event_id, "export")
    issued = attestations.of_event(event)
    if not issued:
        return _nothing(
            "Aucune attestation n'est encore délivrée : relevez les présences, puis clôturez-les."
        )
    audit.record(
        "registrants.exported", event=event, format="attestations de présence (PDF)", rows=len(issued)
    )
    db.session.commit()
    return pdf.download(attestations.document(issued), f"attestations-{event.slug}.pdf")


def _nothing(message: str):
    """Nothing to print yet: says why (409) instead of an empty PDF."""
    page = render_template("errors/error.html", code=409, title="Rien à imprimer", message=message)
    return page, 409


@bp.post("/evenements/<int:event_id>/presences/cloture")
def attendance_close(event_id: int):
    event = event_for(event_id, "registrants")
    try:
        issued = attestations.close_attendance(event)
    except AttestationRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for(".attendance", event_id=event.id), 303)
    sent = " et envoyées par e-mail" if event.send_attestations and issued else ""
    flash(
        f"Présences clôturées : {len(issued)} attestation{'s' if len(issued) > 1 else ''} délivrée"
        f"{'s' if len(issued) > 1 else ''}{sent}.",
        "success",
    )
    return redirect(url_for(".attendance", event_id=event.id), 303)


@bp.route("/attestations/signataire", methods=["GET", "POST"])
def signatory():
    admins_only()
    current = attestations.signatory()
    form = SignatoryForm(data=current)
    if form.validate_on_submit():
        if attestations.set_signatory(form.name.data or "", form.role.data):
            db.session.commit()
            flash("Signataire des attestations enregistré.", "success")
        else:
            flash("Aucune modification.", "info")
        return redirect(url_for(".signatory"), 303)
    return render_template("manage/signatory.html", form=form), 400 if form.errors else 200
