"""Events proposed by members and partners: submitted, edited while pending, then published by the
network's team as a relayed event or refused with a reason; the proposer is told by e-mail.

A published proposal becomes an ordinary ``Event`` whose ``proposal`` names the organisation
(« Proposé par … ») and whose registration provider ``RELAYED`` sends people to the organiser's own
link (``builtin/relayed.py``), or nowhere for an event « sans inscription ».

A followed calendar's new event (``sources``) waits here too: its proposal names the source and its
``event`` is already there, a draft that refreshes keep up to date (the form does not change it) and
that publishing makes public.
"""

from contextlib import contextmanager

from flask import render_template
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from . import audit, clock, editing, outbox
from .extensions import db
from .formatting import one_line, when
from .mail import compose
from .models import Event, EventProposal, User
from .models.proposals import RELAYED
from .permissions import can_manage, is_member
from .urls import external_url

MAX_PENDING = 10  # proposals waiting for a decision, per account
KINDS = ("webinaire", "rencontre")  # what a member or partner may propose (club sessions are the clubs')
MAX_REASON = 2000
# What a proposal's form sets, with the words the audit log uses for each.
FIELDS = {
    "organisation": "organisation",
    "title": "titre",
    "kind": "type",
    "starts_at": "début",
    "ends_at": "fin",
    "mode": "format",
    "venue": "lieu",
    "city": "ville",
    "description": "description",
    "registration_url": "lien d'inscription",
}
SUBJECTS = {
    "published": "Votre proposition est publiée dans l'agenda du RTES : {title}",
    "refused": "Votre proposition n'a pas été retenue : {title}",
}


class ProposalRefused(Exception):
    """The proposal cannot be made or changed as asked; the message says why, in French."""


def may_propose(user) -> bool:
    """Signed-in members (of a current member authority, or invited by hand), co-organisers and admins
    propose events."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return is_member(user) or user.role in ("admin", "coorganiser")


def may_moderate(user) -> bool:
    """The moderation queue is the network's team's."""
    return can_manage(user, None, "proposals")


def own_organisation(user) -> str:
    """The organisation an account proposes for: its member authority, else its partner, else the
    organisation of the account ('' when it has none: the form then asks)."""
    if user.role == "member" and user.member_organisation is not None:
        return user.member_organisation.name
    if user.partner is not None:
        return user.partner.name
    return one_line(user.organisation)


def pending_count(user) -> int:
    return db.session.scalar(
        select(func.count()).where(EventProposal.proposer_id == user.id, EventProposal.state == "pending")
    )


def of_user(user) -> list[EventProposal]:
    """An account's proposals, newest first."""
    return db.session.scalars(
        select(EventProposal)
        .where(EventProposal.proposer_id == user.id)
        .order_by(EventProposal.created_at.desc(), EventProposal.id.desc())
    ).all()


def pending() -> list[EventProposal]:
    """The moderation queue: oldest first."""
    return db.session.scalars(
        select(EventProposal).where(EventProposal.state == "pending").order_by(EventProposal.id)
    ).all()


def decided(limit: int = 50) -> list[EventProposal]:
    """The latest decisions, newest first."""
    return db.session.scalars(
        select(EventProposal)
        .where(EventProposal.state != "pending")
        .order_by(EventProposal.decided_at.desc(), EventProposal.id.desc())
        .limit(limit)
    ).all()


def editable_by(user, proposal: EventProposal) -> bool:
    """Its proposer or the team may see and change it (while it is pending)."""
    return may_moderate(user) or (may_propose(user) and proposal.proposer_id == user.id)


def submit(user, data: dict) -> EventProposal:
    """A new pending proposal from the form's values (``FIELDS``; ``organisation`` is used only
    when the account has none of its own)."""
    if not may_propose(user):
        raise ProposalRefused("Votre compte ne permet pas de proposer d'événement.")
    organisation = own_organisation(user) or one_line(data.get("organisation"))[:200]
    if not organisation:
        raise ProposalRefused("Indiquez l'organisation qui propose l'événement.")
    with _locked(User, user.id) as proposer:
        if pending_count(proposer) >= MAX_PENDING:
            raise ProposalRefused(
                f"Vous avez déjà {MAX_PENDING} propositions en attente de validation : attendez qu'elles "
                "soient examinées avant d'en proposer une autre."
            )
        values = {name: data[name] for name in FIELDS if name in data and name != "organisation"}
        proposal = EventProposal(
            proposer=proposer,
            organisation=organisation,
            member_organisation=proposer.member_organisation if proposer.role == "member" else None,
            partner=proposer.partner,
            state="pending",
            **values,
        )
        db.session.add(proposal)
        db.session.flush()
        audit.record(
            "proposal.submitted",
            actor=proposer,
            proposition=proposal.id,
            titre=proposal.title,
            organisation=organisation,
        )
    return proposal


def update(user, proposal: EventProposal, data: dict) -> list[str]:
    """Change a pending proposal; the words of what changed (none: nothing done)."""
    if not editable_by(user, proposal):
        raise ProposalRefused("Vous ne pouvez pas modifier cette proposition.")
    with _locked(EventProposal, proposal.id) as locked:
        _check_pending(locked)
        if locked.calendar_source_id is not None:
            raise ProposalRefused(
                "Cet événement vient d'un calendrier suivi : ses informations suivent sa source. "
                "Publiez-le ou refusez-le ; une fois publié, vous pouvez choisir ses thèmes et sa région, "
                "ou le masquer."
            )
        # The team may rename the organisation; a proposer only when their account names none.
        if not data.get("organisation") or (own_organisation(user) and not may_moderate(user)):
            data = {name: value for name, value in data.items() if name != "organisation"}
        changed = [name for name in FIELDS if name in data and getattr(locked, name) != data[name]]
        for name in changed:
            setattr(locked, name, data[name])
        if changed:
            audit.record(
                "proposal.updated",
                actor=user,
                proposition=locked.id,
                titre=locked.title,
                modifications=", ".join(FIELDS[name] for name in changed),
            )
    return [FIELDS[name] for name in changed]


def publish(user, proposal: EventProposal) -> Event:
    """Publish a pending proposal as a relayed event of the agenda; its proposer is told."""
    if not may_moderate(user):
        raise ProposalRefused("Seule l'équipe du réseau publie les propositions.")
    try:
        with _locked(EventProposal, proposal.id) as locked:
            _check_pending(locked)
            if locked.ends_at <= clock.now():
                raise ProposalRefused(
                    "Cet événement a déjà eu lieu : il ne peut plus être publié dans l'agenda."
                )
            if locked.event is not None:  # a followed calendar's event, kept up to date as a draft
                event = locked.event
                event.status = "published"
            else:
                event = _new_event(locked)
            locked.event, locked.state = event, "published"
            locked.decided_by, locked.decided_at = user, clock.now()
            db.session.flush()
            audit.record(
                "proposal.published",
                event=event,
                actor=user,
                proposition=locked.id,
                organisation=locked.organisation,
            )
            _queue_decision_email(locked)
    except IntegrityError:  # an event of the same date and title created at the same instant
        raise ProposalRefused(
            "Un événement de même date et de même titre vient d'être créé : réessayez."
        ) from None
    return event


def _new_event(proposal: EventProposal) -> Event:
    """The relayed event a typed-in proposal becomes."""
    data = {
        name: getattr(proposal, name) for name in ("kind", "title", "description", "mode", "venue", "city")
    }
    return editing.added(
        {**data, "starts_at": proposal.starts_at, "ends_at": proposal.ends_at, "all_day": False},
        status="published",
        audience="all",
        registration_provider=RELAYED,
        waitlist=False,
    )


def refuse(user, proposal: EventProposal, reason: str) -> None:
    """Refuse a pending proposal, saying why; its proposer is told."""
    if not may_moderate(user):
        raise ProposalRefused("Seule l'équipe du réseau refuse les propositions.")
    reason = (reason or "").strip()
    if not reason:
        raise ProposalRefused(
            "Indiquez la raison du refus : elle est envoyée à la personne qui a proposé l'événement."
        )
    if len(reason) > MAX_REASON:
        raise ProposalRefused(f"La raison du refus ne doit pas dépasser {MAX_REASON} caractères.")
    with _locked(EventProposal, proposal.id) as locked:
        _check_pending(locked)
        locked.state, locked.reason = "refused", reason
        locked.decided_by, locked.decided_at = user, clock.now()
        audit.record(
            "proposal.refused",
            actor=user,
            proposition=locked.id,
            titre=locked.title,
            organisation=locked.organisation,
            raison=reason,
        )
        _queue_decision_email(locked)


def _check_pending(proposal: EventProposal) -> None:
    if proposal.state == "published":
        raise ProposalRefused("Cette proposition est déjà publiée : elle ne peut plus être modifiée.")
    if proposal.state == "refused":
        raise ProposalRefused("Cette proposition a été refusée : elle ne peut plus être modifiée.")


@contextmanager
def _locked(model, id: int):
    """A transaction holding the write lock of one row (SQLite: ``BEGIN IMMEDIATE``, PostgreSQL: ``FOR
    UPDATE``), committed on success: counts and states read under it stay true until the commit."""
    session = db.session
    session.commit()
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("BEGIN IMMEDIATE"))
    query = select(model).where(model.id == id).with_for_update(of=model)
    try:
        yield session.execute(query.execution_options(populate_existing=True)).scalar_one()
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _queue_decision_email(proposal: EventProposal) -> None:
    """Tell the proposer that their proposal was published or refused (through the outbox)."""
    if proposal.proposer is None or not proposal.proposer.active:
        return
    context = {
        "proposal": proposal,
        "user": proposal.proposer,
        "when": when(proposal),
        "event_url": external_url("public.event", slug=proposal.event.slug) if proposal.event else None,
        "proposals_url": external_url("proposals.mine"),
    }
    subject = one_line(SUBJECTS[proposal.state].format(title=proposal.title))
    message = compose(
        proposal.proposer.email,
        subject,
        render_template(f"mail/proposal_{proposal.state}.txt", **context),
        render_template(f"mail/proposal_{proposal.state}.html", **context),
    )
    outbox.enqueue("email", proposal.proposer.email, subject, message.as_string())
