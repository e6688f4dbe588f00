"""Satisfaction questionnaires sent after an event.

An invitation ties a registration to a random token and says whether it was used; an answer is
tied to the event only, with no time and no link to the invitation, so that answers stay anonymous.
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from .registrations import new_token

# The questions, each answered from 1 (pas du tout satisfait·e) to 5 (très satisfait·e).
QUESTIONS = {
    "overall": "Dans l'ensemble, êtes-vous satisfait·e de cet événement ?",
    "useful": "Ce que vous avez entendu vous sera-t-il utile dans votre travail ?",
    "speakers": "Les interventions étaient-elles claires et de qualité ?",
    "format": "Le format (durée, horaires, outils, lieu) vous a-t-il convenu ?",
}


class SurveyInvitation(db.Model):
    """The questionnaire link sent to one registrant; ``answered`` marks the token as used."""

    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    answered: Mapped[bool] = mapped_column(Boolean, default=False)

    registration = relationship("Registration", lazy="joined")


class SurveyAnswer(db.Model):
    """One anonymous answer to an event's questionnaire: marks from 1 to 5 (None when skipped)."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    overall: Mapped[int | None] = mapped_column(SmallInteger)
    useful: Mapped[int | None] = mapped_column(SmallInteger)
    speakers: Mapped[int | None] = mapped_column(SmallInteger)
    format: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
