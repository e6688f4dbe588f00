"""Satisfaction questionnaires: sent through the outbox after an event to those who came, answered
once per link, without an account; answers are kept with the event only (anonymous).

Who receives it: the registrants marked present, or, when attendance was not marked, those whose
place was confirmed; each registration once, never an erased one.
"""

from datetime import timedelta

from sqlalchemy import exists, select, update

from . import clock, outbox
from .extensions import db
from .models import Event, Registration, SurveyAnswer, SurveyInvitation
from .models.surveys import QUESTIONS

DEFAULT_DAYS = 7


class AlreadyAnswered(Exception):
    """This questionnaire link was already used."""


def recipients(event: Event) -> list[Registration]:
    """The registrations of ``event`` to send the questionnaire to, not invited yet."""
    marked = db.session.scalar(
        select(
            exists().where(Registration.event_id == event.id, Registration.status.in_(("attended", "absent")))
        )
    )
    return db.session.scalars(
        select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == ("attended" if marked else "confirmed"),
            Registration.erased_at.is_(None),
            ~exists().where(SurveyInvitation.registration_id == Registration.id),
        )
        .order_by(Registration.id)
    ).all()


def refusal(event: Event) -> str | None:
    """Why the questionnaire of ``event`` cannot be sent now, or None."""
    if event.status != "published":
        return "Le questionnaire ne s'envoie que pour un événement publié qui a eu lieu."
    if event.ends_at > clock.now():
        return "Le questionnaire s'envoie une fois l'événement terminé."
    return None


def invite(event: Event) -> int:
    """Queue the questionnaire for each recipient of ``event`` (in the caller's transaction);
    returns how many were queued."""
    people = recipients(event)
    for registration in people:
        db.session.add(SurveyInvitation(registration_id=registration.id))
        outbox.queue_registration_email(registration, "survey")
    return len(people)


def send_recent(days: int = DEFAULT_DAYS) -> dict[str, int]:
    """Send the questionnaires of the events ended in the last ``days`` days; commits.
    Returns {event slug: questionnaires queued} for the events that had someone to ask."""
    now = clock.now()
    events = db.session.scalars(
        select(Event)
        .where(Event.status == "published", Event.ends_at <= now, Event.ends_at >= now - timedelta(days=days))
        .order_by(Event.ends_at)
    ).all()
    sent = {event.slug: invite(event) for event in events}
    db.session.commit()
    return {slug: count for slug, count in sent.items() if count}


def answers(event: Event) -> list[SurveyAnswer]:
    """The answers to ``event``'s questionnaire, as stored (anonymous)."""
    return db.session.scalars(
        select(SurveyAnswer).where(SurveyAnswer.event_id == event.id).order_by(SurveyAnswer.id)
    ).all()


def by_token(token: str) -> SurveyInvitation | None:
    return db.session.scalar(select(SurveyInvitation).where(SurveyInvitation.token == token))


def token_of(registration: Registration) -> str | None:
    return db.session.scalar(
        select(SurveyInvitation.token).where(SurveyInvitation.registration_id == registration.id)
    )


def answer(invitation: SurveyInvitation, marks: dict, comment: str | None) -> None:
    """Record an answer, once per link (even under concurrent submissions); commits."""
    used = db.session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation.id, SurveyInvitation.answered.is_(False))
        .values(answered=True)
    ).rowcount
    if not used:
        db.session.rollback()
        raise AlreadyAnswered
    values = {name: marks.get(name) for name in QUESTIONS}
    db.session.add(SurveyAnswer(event_id=invitation.registration.event_id, comment=comment or None, **values))
    db.session.commit()
