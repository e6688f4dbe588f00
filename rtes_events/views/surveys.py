"""The satisfaction questionnaire (``/questionnaire/<token>/``): no account, one answer per link."""

from flask import Blueprint, abort, redirect, render_template, url_for

from .. import surveys
from ..forms.surveys import SurveyForm
from ..models.surveys import QUESTIONS
from ..security import private
from ..urls import external_url

bp = Blueprint("surveys", __name__)


bp.after_request(private)


@bp.route("/questionnaire/<token>/", methods=["GET", "POST"])
def questionnaire(token: str):
    invitation = surveys.by_token(token) or abort(404)
    event = invitation.registration.event
    if invitation.answered:
        return render_template("surveys/answered.html", event=event), 410
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            surveys.answer(invitation, form.marks(), form.comment.data.strip())
        except surveys.AlreadyAnswered:
            return render_template("surveys/answered.html", event=event), 409
        return redirect(url_for(".thanks", token=token), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("surveys/form.html", form=form, event=event, questions=QUESTIONS), status


@bp.get("/questionnaire/<token>/merci")
def thanks(token: str):
    """Where an answer lands (by GET, so that a reload sends nothing again)."""
    invitation = surveys.by_token(token) or abort(404)
    if not invitation.answered:
        return redirect(url_for(".questionnaire", token=token), 303)
    return render_template("surveys/done.html", event=invitation.registration.event)


@bp.app_template_global()
def survey_url(registration) -> str | None:
    """The questionnaire link of ``registration`` (for the e-mail), or None when it has none."""
    token = surveys.token_of(registration)
    return external_url("surveys.questionnaire", token=token) if token else None
