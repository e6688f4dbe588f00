"""The door of a session (``/accueil``): check-in by QR code, typed code or name, people added at the
door, the check-in reopened to correct it; scans from phones as JSON (kept offline, sent later).
Each change is recorded in the audit log."""

from datetime import UTC, datetime

from flask import jsonify, render_template, request
from flask_login import current_user

from ... import audit, checkins, clock
from ...extensions import db
from ...forms.checkins import FindForm, WalkInForm
from ...registrations import RegistrationRefused
from ...urls import record_id
from . import bp, event_for

MAX_BATCH = 500


def _page(event, *, result=None, found=None, find_form=None, walk_in_form=None, status=200):
    day = checkins.day_of(event, clock.now())
    return render_template(
        "manage/door.html",
        event=event,
        result=result,
        found=found,
        find_form=find_form or FindForm(formdata=None),
        walk_in_form=walk_in_form or WalkInForm(formdata=None),
        closed=checkins.closed_reason(event),
        counts=checkins.counts(event, day),
        day=day,
    ), status


def _audited(event, scan: checkins.Scan, device=None) -> checkins.Scan:
    if scan.outcome == "present" and scan.registration is not None:
        audit.record("registration.checked_in", registration=scan.registration, device=device)
        db.session.commit()
    return scan


@bp.route("/evenements/<int:event_id>/accueil", methods=["GET", "POST"])
def door(event_id: int):
    """The door, without JavaScript: a typed code checks in; part of a name lists whom to check in."""
    event = event_for(event_id, "registrants")
    if request.method == "GET":
        return _page(event)
    action = request.form.get("action")
    if action == "find":
        form = FindForm()
        if not form.validate():
            return _page(event, find_form=form, status=400)
        if checkins.looks_like_code(form.q.data):
            scan = checkins.check_in(event, code=form.q.data, user=current_user)
            if scan.message != checkins.UNKNOWN:
                return _page(event, result=_audited(event, scan))
        found = checkins.search(event, form.q.data)
        if not found:
            return _page(event, result=checkins.Scan("refused", checkins.NOBODY), find_form=form)
        return _page(event, found=found, find_form=form)
    if action == "person":
        registration_id = request.form.get("registration", type=record_id)
        if registration_id is None:
            return _page(event, result=checkins.Scan("refused", checkins.UNKNOWN), status=400)
        scan = checkins.check_in(event, registration_id=registration_id, user=current_user)
        return _page(event, result=_audited(event, scan))
    if action == "walk_in":
        form = WalkInForm()
        if not form.validate():
            return _page(event, walk_in_form=form, status=400)
        try:
            scan = checkins.add_walk_in(event, form.data, user=current_user)
        except RegistrationRefused as refused:
            return _page(event, result=checkins.Scan("refused", " ".join(refused.messages)), status=409)
        audit.record("registration.walk_in", registration=scan.registration)
        db.session.commit()
        return _page(event, result=scan)
    if action in ("reopen", "close"):
        (checkins.reopen if action == "reopen" else checkins.close)(event)
        audit.record(f"checkin.{'reopened' if action == 'reopen' else 'closed'}", event=event)
        db.session.commit()
        return _page(event)
    return _page(event, result=checkins.Scan("refused", "Action inconnue."), status=400)


@bp.post("/evenements/<int:event_id>/accueil/scans")
def door_scans(event_id: int):
    """Scans from a phone, as JSON ``{"device", "scans": [{"scan_id", "code" | "registration_id",
    "at"}]}`` (the CSRF token in the ``X-CSRFToken`` header); answers each scan's result and the counts."""
    event = event_for(event_id, "registrants")
    payload = request.get_json(silent=True)
    scans = payload.get("scans") if isinstance(payload, dict) else None
    if not isinstance(scans, list) or not 0 < len(scans) <= MAX_BATCH:
        return jsonify(error=f"Envoyez de 1 à {MAX_BATCH} scans."), 400
    try:
        cleaned = [_scan(scan) for scan in scans]
    except ValueError as error:
        return jsonify(error=str(error)), 400
    device = str(payload.get("device") or "")[:100]
    answers = []
    for scan, result in checkins.apply_batch(event, cleaned, user=current_user, device=device):
        _audited(event, result, device)
        answers.append({"scan_id": scan["scan_id"], **result.as_json()})
    return jsonify(
        results=answers, counts=checkins.counts(event, checkins.day_of(event, clock.now())).as_json()
    )


def _scan(scan) -> dict:
    """One scan of the JSON body, checked (ValueError with a French message otherwise)."""
    if not isinstance(scan, dict):
        raise ValueError("Chaque scan est un objet JSON.")
    registration_id = scan.get("registration_id")
    if registration_id is not None and (
        not isinstance(registration_id, int) or not 0 < registration_id < 2**31
    ):
        raise ValueError("Identifiant d'inscription invalide.")
    code = scan.get("code")
    if registration_id is None and not isinstance(code, str):
        raise ValueError("Chaque scan porte un code d'accueil ou une inscription.")
    return {
        "scan_id": str(scan.get("scan_id") or "")[:64] or None,
        "code": code,
        "registration_id": registration_id,
        "at": _moment(scan.get("at")),
    }


def _moment(value) -> datetime | None:
    """An ISO 8601 moment from the device as naive UTC, or None (then: now)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None)
