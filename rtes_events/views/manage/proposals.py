"""The moderation queue of proposed events (``/espace/propositions/``), for admins: read and edit a
proposal, publish it as a relayed event or refuse it with a reason (its proposer is told by e-mail)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import proposals
from ...extensions import db
from ...forms.proposals import ProposalForm, RefusalForm
from ...models import EventProposal
from . import bp


def proposal_for(proposal_id: int) -> EventProposal:
    if not proposals.may_moderate(current_user):
        abort(403)
    return db.session.get(EventProposal, proposal_id) or abort(404)


@bp.get("/propositions/")
def proposals_queue():
    if not proposals.may_moderate(current_user):
        abort(403)
    return render_template("manage/proposals.html", pending=proposals.pending(), decided=proposals.decided())


@bp.route("/propositions/<int:proposal_id>/", methods=["GET", "POST"])
def proposal(proposal_id: int):
    """A proposal; while pending, its form (POST saves it), publish and refuse."""
    proposal = proposal_for(proposal_id)
    form = refusal = None
    messages = []
    if proposal.state == "pending" and proposal.calendar_source_id is None:
        form = ProposalForm(data=None if request.method == "POST" else ProposalForm.initial(proposal))
        refusal = RefusalForm(formdata=None, prefix="refus")
        if form.validate_on_submit():
            try:
                changed = proposals.update(current_user, proposal, form.values())
            except proposals.ProposalRefused as refused:
                messages.append(str(refused))
            else:
                flash(
                    "Proposition modifiée : " + ", ".join(changed) + "."
                    if changed
                    else "Aucune modification.",
                    "success",
                )
                return redirect(url_for("manage.proposal", proposal_id=proposal.id), 303)
    elif proposal.state == "pending":
        refusal = RefusalForm(formdata=None, prefix="refus")
        if request.method == "POST":
            messages.append("Cet événement vient d'un calendrier suivi : il se modifie à sa source.")
    elif request.method == "POST":
        messages.append("Cette proposition est déjà traitée : elle ne peut plus être modifiée.")
    status = 200 if request.method == "GET" else 409 if messages else 422
    return render_template(
        "manage/proposal.html", proposal=proposal, form=form, refusal=refusal, messages=messages
    ), status


@bp.post("/propositions/<int:proposal_id>/publier")
def proposal_publish(proposal_id: int):
    proposal = proposal_for(proposal_id)
    try:
        event = proposals.publish(current_user, proposal)
    except proposals.ProposalRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("manage.proposal", proposal_id=proposal_id), 303)
    flash(
        f"« {event.title} » est publié dans l'agenda ; son auteur·rice en est prévenu·e par e-mail.",
        "success",
    )
    return redirect(url_for("manage.proposals_queue"), 303)


@bp.post("/propositions/<int:proposal_id>/refuser")
def proposal_refuse(proposal_id: int):
    proposal = proposal_for(proposal_id)
    refusal = RefusalForm(prefix="refus")
    if not refusal.validate():
        form = (
            ProposalForm(formdata=None, data=ProposalForm.initial(proposal))
            if proposal.state == "pending" and proposal.calendar_source_id is None
            else None
        )
        return render_template(
            "manage/proposal.html", proposal=proposal, form=form, refusal=refusal, messages=[]
        ), 422
    try:
        proposals.refuse(current_user, proposal, refusal.reason.data)
    except proposals.ProposalRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("manage.proposal", proposal_id=proposal_id), 303)
    flash(
        f"Proposition « {proposal.title} » refusée ; son auteur·rice en est prévenu·e par e-mail.", "success"
    )
    return redirect(url_for("manage.proposals_queue"), 303)
