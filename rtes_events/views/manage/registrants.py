"""The registrants of a session: list and search, counts per mode and per slot « au choix », manual
add, cancellation, waiting list, moving someone to another slot, exports, sign-in sheet (of the
whole session or of one slot), attendance and messages. Each change is recorded in the audit log."""

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ... import attestations, audit, badges, checkins, clock, exports, questions, registrants, registrations
from ...extensions import db
from ...forms.attendance import with_attendance
from ...forms.registrants import AUDIENCES, MessageForm, registrant_form
from ...models.registrations import STATUSES
from ...permissions import can_manage
from ...plugins import hook
from ...registrations import RegistrationRefused
from ...urls import record_id
from . import bp, event_for, registration_for, wants_preview


def _log(action: str, **details) -> None:
    """Record ``action`` in the audit log and commit (the change itself is committed already)."""
    audit.record(action, **details)
    db.session.commit()


def _to_list(event, registration=None):
    anchor = f"inscription-{registration.id}" if registration is not None else None
    return redirect(url_for(".registrants", event_id=event.id, _anchor=anchor), 303)


def _flash_refusal(refused: RegistrationRefused) -> None:
    for message in refused.messages:
        flash(message, "error")


def _slot(event):
    """The slot « au choix » of ``event`` named by the ``creneau`` query value, None without one;
    404 for one that is not among them."""
    if "creneau" not in request.args:
        return None
    wanted = registrations.slot_id(request.args["creneau"])
    found = next((s for s in event.slots if s.choice and s.id == wanted), None)
    return found or abort(404)


@bp.get("/evenements/<int:event_id>/inscrits", endpoint="registrants")
def registrants_list(event_id: int):
    event = event_for(event_id, "registrants")
    text = request.args.get("q", "")[:200]
    status = request.args.get("statut", "")
    slot = _slot(event)
    ahead = event.starts_at > clock.now()
    return render_template(
        "manage/registrants.html",
        event=event,
        registrations=registrants.search(event, text, status, slot),
        counts=registrants.counts(event),
        by_mode=registrants.counts_by_mode(event),
        slot_counts=registrants.slot_counts(event),
        slot=slot,
        places_left=registrations.places_left(event) if ahead else None,
        mode_places=registrations.places_by_mode(event) if ahead else {},
        q=text,
        status=status if status in STATUSES else "",
        statuses=STATUSES,
        can_export=can_manage(current_user, event, "export"),
        answers=questions.answers_by_registration(event),
        answer_counts=questions.summary(event),
        on_site=badges.on_site,
    )


@bp.route("/evenements/<int:event_id>/inscrits/ajouter", methods=["GET", "POST"])
def registrant_add(event_id: int):
    event = event_for(event_id, "registrants")
    fields = [pair for pairs in hook().rtes_registration_fields(event=event) for pair in pairs]
    slot_places = registrations.slots_places_left(event.id)
    form = with_attendance(registrant_form(fields, event), event, slot_places)()
    mode_places = registrations.places_by_mode(event)
    page = {
        "event": event,
        "form": form,
        "refusal": registrations.refusal(event, window=False),
        "places_left": mode_places.get(None),
        "mode_places": mode_places,
        "slot_places": slot_places,
    }
    if not form.is_submitted():
        return render_template("manage/registrants_add.html", **page)
    if page["refusal"]:
        return render_template("manage/registrants_add.html", **page), 409
    if not form.validate():
        return render_template("manage/registrants_add.html", **page), 400
    try:
        outcome = registrations.register(event, form.registration_data(), window=False)
    except RegistrationRefused as refused:
        return render_template("manage/registrants_add.html", refused=refused.messages, **page), 409
    registration = outcome.registration
    if not outcome.created:
        flash(
            f"{registration.email} est déjà inscrit·e ({registration.status_label.lower()}) : "
            "le lien de son inscription lui a été renvoyé.",
            "warning",
        )
        return _to_list(event, registration)
    _log("registration.added", registration=registration, status=registration.status)
    if registration.status == "waitlisted":
        where = f"en liste d'attente (position {registration.waitlist_position})"
    else:
        where = "confirmée"
    flash(
        f"Inscription de {registration.full_name} {where} ; un e-mail de confirmation lui est envoyé.",
        "success",
    )
    return _to_list(event, registration)


@bp.post("/evenements/<int:event_id>/inscrits/<int:registration_id>/annuler")
def registrant_cancel(event_id: int, registration_id: int):
    event = event_for(event_id, "registrants")
    registration = registration_for(event, registration_id)
    if registration.status == "cancelled":
        flash("Cette inscription est déjà annulée.", "warning")
        return _to_list(event, registration)
    try:
        registrations.cancel(registration)
    except RegistrationRefused as refused:
        _flash_refusal(refused)
        return _to_list(event, registration)
    _log("registration.cancelled", registration=registration)
    flash(
        f"Inscription de {registration.full_name} annulée ; la personne en est informée par e-mail, "
        "et la première personne de la liste d'attente obtient la place libérée.",
        "success",
    )
    return _to_list(event, registration)


@bp.post("/evenements/<int:event_id>/inscrits/<int:registration_id>/remonter")
def registrant_move_up(event_id: int, registration_id: int):
    event = event_for(event_id, "registrants")
    registration = registration_for(event, registration_id)
    try:
        registration = registrations.move_up(registration)
    except RegistrationRefused as refused:
        _flash_refusal(refused)
        return _to_list(event, registration)
    _log("registration.moved_up", registration=registration, position=registration.waitlist_position)
    flash(
        f"{registration.full_name} passe en position {registration.waitlist_position} de la liste d'attente.",
        "success",
    )
    return _to_list(event, registration)


@bp.post("/evenements/<int:event_id>/inscrits/<int:registration_id>/creneau")
def registrant_move_slot(event_id: int, registration_id: int):
    """Move someone to another slot « au choix » (it must have a free place); they are e-mailed."""
    event = event_for(event_id, "registrants")
    registration = registration_for(event, registration_id)
    before = [slot.title for slot in registration.slots]
    try:
        moved = registrations.choose_slot(registration, request.form.get("creneau", ""))
    except RegistrationRefused as refused:
        _flash_refusal(refused)
        return _to_list(event, registration)
    if moved:
        after = [slot.title for slot in registration.slots]
        _log("registration.slot_moved", registration=registration, before=before, after=after)
        flash(
            f"{registration.full_name} est inscrit·e à « {', '.join(after)} » ; un e-mail l'en informe.",
            "success",
        )
    return _to_list(event, registration)


@bp.get("/evenements/<int:event_id>/export.<fmt>")
def export(event_id: int, fmt: str):
    event = event_for(event_id, "export")
    if fmt not in exports.FORMATS:
        abort(404)
    slot = _slot(event)
    result = exports.build(event, fmt, slot)
    details = {"slot": slot.title} if slot is not None else {}
    _log("registrants.exported", event=event, format=fmt, rows=result.rows, **details)
    response = Response(result.content, content_type=result.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/evenements/<int:event_id>/emargement")
def signin_sheet(event_id: int):
    event = event_for(event_id, "registrants")
    slot = _slot(event)
    people = registrants.signin_sheet(event, slot, "onsite" if event.mode == "hybrid" else None)
    details = {"slot": slot.title} if slot is not None else {}
    _log("registrants.exported", event=event, format="émargement", rows=len(people), **details)
    return render_template("manage/signin_sheet.html", event=event, registrations=people, slot=slot)


@bp.route("/evenements/<int:event_id>/presences", methods=["GET", "POST"])
def attendance(event_id: int):
    """One small form per registrant (present / absent), and « tous présents » for the unmarked."""
    event = event_for(event_id, "registrants")
    refusal = registrations.attendance_refusal(event)
    if refusal:  # the page says why; a POST is refused
        status = 409 if request.method == "POST" else 200
        return render_template("manage/attendance.html", event=event, refusal=refusal), status
    if request.method == "POST":
        return _mark_attendance(event)
    people = registrants.signin_sheet(event)
    if query := request.args.get("q", "").strip():  # the search without JavaScript
        found = {registration.id for registration in checkins.search(event, query)}
        people = [registration for registration in people if registration.id in found]
    return render_template(
        "manage/attendance.html",
        event=event,
        registrations=people,
        counts=registrants.counts(event),
        attestation_count=len(attestations.of_event(event)),
        query=query[:200],
    )


def _mark_attendance(event):
    presence = request.form.get("presence")
    registration = None
    try:
        if presence == "tous":
            marked = registrations.mark_all_present(event)
            _log("registration.attendance", event=event, present=True, count=marked)
            flash(f"Présence enregistrée pour {marked} personne{'s' if marked > 1 else ''}.", "success")
        elif presence in ("present", "absent"):
            registration_id = request.form.get("registration", type=record_id)
            if registration_id is None:
                abort(400)
            registration = registration_for(event, registration_id)
            registrations.mark_attendance(registration, presence == "present")
            _log("registration.attendance", registration=registration, present=presence == "present")
            if request.accept_mimetypes.best == "application/json":  # ticked from the page's script
                return jsonify(status=registration.status_label, counts=registrants.counts(event))
        else:
            abort(400)
    except RegistrationRefused as refused:
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=" ".join(refused.messages)), 409
        _flash_refusal(refused)
    anchor = f"inscription-{registration.id}" if registration is not None else None
    return redirect(url_for(".attendance", event_id=event.id, _anchor=anchor), 303)


@bp.route("/evenements/<int:event_id>/message", methods=["GET", "POST"])
def message(event_id: int):
    event = event_for(event_id, "registrants")
    form = MessageForm()
    page = {"event": event, "form": form, "audiences": AUDIENCES}
    if not form.is_submitted() or request.form.get("step") == "edit":
        return render_template("manage/message.html", **page)
    if not form.validate():
        return render_template("manage/message.html", **page), 400
    label, statuses = AUDIENCES[form.audience.data]
    recipients = registrants.of_event(event, statuses)
    if not recipients:
        page["refused"] = [f"Aucun destinataire : personne dans « {label} »."]
        return render_template("manage/message.html", **page), 409
    if wants_preview():
        preview = registrants.render_message(
            event, recipients[0], current_user, form.subject.data, form.body.data
        )
        return render_template(
            "manage/message.html",
            preview=preview,
            text=preview.get_body(("plain",)).get_content(),
            recipients=recipients,
            audience=label,
            **page,
        )
    sent = registrants.send_message(event, statuses, current_user, form.subject.data, form.body.data)
    _log(
        "registrants.messaged",
        event=event,
        count=sent,
        subject=form.subject.data,
        audience=form.audience.data,
    )
    flash(f"Message envoyé à {sent} personne{'s' if sent > 1 else ''}.", "success")
    return _to_list(event)
