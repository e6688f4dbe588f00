"""The link of the reminder e-mails: a page to confirm, then no more reminders for that registration.

The page's form is CSRF-protected as every form; the one-click POST of RFC 8058, which a mail
client sends from the ``List-Unsubscribe-Post`` header without any session, is verified by the
link's signed token alone (``List-Unsubscribe=One-Click`` in its body).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from .. import reminders
from ..extensions import csrf
from ..security import private

bp = Blueprint("reminders", __name__)
bp.after_request(private)

ONE_CLICK = "One-Click"


@bp.route("/inscription/rappels/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked below, except for the RFC 8058 one-click POST
def stop(token: str):
    registration = reminders.registration_of(token) or abort(404)
    if request.method == "POST":
        one_click = request.form.get("List-Unsubscribe") == ONE_CLICK
        if not one_click:
            csrf.protect()
        if not one_click and request.form.get("action") == "reprendre":
            reminders.resume(registration)
            flash("C'est fait : les rappels de cette inscription reprennent.", "success")
            return redirect(url_for(".stop", token=token), 303)
        reminders.stop(registration)
        if not one_click:
            flash("C'est fait : vous ne recevrez plus de rappel pour cette inscription.", "success")
            return redirect(url_for(".stop", token=token), 303)
    return render_template(
        "reminders/stop.html",
        registration=registration,
        event=registration.event,
        stopped=reminders.stopped(registration),
    )
