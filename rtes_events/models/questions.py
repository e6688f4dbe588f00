"""The organisers' own questions of an event, and a registration's answers (personal data)."""

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

TYPES = {
    "texte": "Texte court",
    "texte-long": "Texte long",
    "choix": "Choix unique",
    "choix-multiples": "Choix multiples",
    "oui-non": "Oui / non",
    "nombre": "Nombre",
}


class Question(db.Model):
    """A question asked at registration. ``mode`` limits it to the registrants of one mode
    (``onsite`` or ``remote``); ``sensitive`` answers (dietary, accessibility) may reveal health:
    only the event's organisers see them, and they are erased after the event's retention period."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(20))
    choices: Mapped[list] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    mode: Mapped[str | None] = mapped_column(String(10))
    help: Mapped[str | None] = mapped_column(String(500))
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    # The ready-made question it was added from (« dejeuner », « regime », « accessibilite »…).
    preset: Mapped[str | None] = mapped_column(String(40))

    @property
    def type_label(self) -> str:
        return TYPES.get(self.type, self.type)

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.label!r}>"


class Answer(db.Model):
    """One registration's answer to one question: a string, a number, a boolean or a list of choices."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("registration_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    value: Mapped[object] = mapped_column(JSON)

    question = relationship(Question, lazy="joined")
