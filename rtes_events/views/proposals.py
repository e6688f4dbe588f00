"""``/proposer``: a member, co-organiser or admin proposes an event of their organisation, sees their
proposals and their state, and edits one while it waits for the team's decision."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import proposals
from ..extensions import db
from ..forms.proposals import ProposalForm
from ..models import EventProposal
from ..security import private

bp = Blueprint("proposals", __name__, url_prefix="/proposer")
bp.after_request(private)

SIGN_IN = "Connectez-vous pour proposer un événement."


@bp.before_request
def signed_in():
    """Anonymous visitors see how to get an account (GET /proposer) or are sent to sign in."""
    if current_user.is_authenticated:
        if not proposals.may_propose(current_user):
            abort(403)
        return None
    if request.endpoint == "proposals.new" and request.method == "GET":
        return render_template("proposals/sign_in.html")
    flash(SIGN_IN, "info")
    next_page = request.path if request.method == "GET" else url_for("proposals.new")
    return redirect(url_for("auth.login", next=next_page), 303)


def proposal_form(**kwargs) -> ProposalForm:
    form = ProposalForm(**kwargs)
    return form if not proposals.own_organisation(current_user) else form.without_organisation()


@bp.route("", methods=["GET", "POST"])
def new():
    form = proposal_form()
    pending = proposals.pending_count(current_user)
    page = {
        "form": form,
        "proposal": None,
        "pending": pending,
        "limit": proposals.MAX_PENDING,
        "own_organisation": proposals.own_organisation(current_user),
    }
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("proposals/form.html", **page), status
    try:
        proposal = proposals.submit(current_user, form.values())
    except proposals.ProposalRefused as refused:
        return render_template("proposals/form.html", messages=[str(refused)], **page), 409
    flash(
        f"Votre proposition « {proposal.title} » est enregistrée. L'équipe du RTES la relira avant de la "
        "publier dans l'agenda ; vous serez prévenu·e par e-mail.",
        "success",
    )
    return redirect(url_for("proposals.mine"), 303)


@bp.get("/mes-propositions")
def mine():
    return render_template(
        "proposals/mine.html", proposals=proposals.of_user(current_user), limit=proposals.MAX_PENDING
    )


@bp.route("/<int:proposal_id>/modifier", methods=["GET", "POST"])
def edit(proposal_id: int):
    proposal = db.session.get(EventProposal, proposal_id)
    if proposal is None or proposal.proposer_id != current_user.id:
        abort(404)
    if proposal.state != "pending":
        message = (
            "Cette proposition est déjà publiée : elle ne peut plus être modifiée. Pour un changement, "
            "écrivez à l'équipe du RTES."
            if proposal.state == "published"
            else "Cette proposition a été refusée : elle ne peut plus être modifiée."
        )
        return render_template("proposals/form.html", proposal=proposal, form=None, locked=message), 409
    form = proposal_form(data=None if request.method == "POST" else ProposalForm.initial(proposal))
    page = {"form": form, "proposal": proposal}
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("proposals/form.html", **page), status
    try:
        changed = proposals.update(current_user, proposal, form.values())
    except proposals.ProposalRefused as refused:
        return render_template("proposals/form.html", messages=[str(refused)], **page), 409
    flash(
        f"Proposition « {proposal.title} » modifiée." if changed else "Aucune modification à enregistrer.",
        "success",
    )
    return redirect(url_for("proposals.mine"), 303)


@bp.app_context_processor
def may_propose():
    return {"may_propose": lambda: proposals.may_propose(current_user)}
