"""An event's programme (déroulé): its slots, their speakers, and the slots a registration chose."""

from datetime import date, time

from sqlalchemy import Column, Date, ForeignKey, Integer, String, Table, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .events import Speaker

KINDS = {
    "pleniere": "Plénière",
    "table-ronde": "Table ronde",
    "atelier": "Atelier",
    "visite": "Visite apprenante",
    "repas": "Repas",
    "pause": "Pause",
    "autre": "Autre",
}

registration_slots = Table(
    "registration_slots",
    db.metadata,
    Column("registration_id", ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True),
    Column("slot_id", ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class SlotSpeaker(db.Model):
    """A speaker of one slot, in order."""

    __tablename__ = "slot_speakers"

    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    speaker: Mapped[Speaker] = relationship(lazy="joined")


class Slot(db.Model):
    """One slot of an event's programme, in Paris local time on ``day`` (the event's first day when
    None). Slots sharing a ``choice`` label run in parallel and a registrant picks one of them;
    ``capacity`` (None: unlimited) counts the active registrations holding the slot."""

    __tablename__ = "slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    day: Mapped[date | None] = mapped_column(Date)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="autre")
    place: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    choice: Mapped[str | None] = mapped_column(String(120))
    capacity: Mapped[int | None] = mapped_column(Integer)

    speaker_links = relationship(
        SlotSpeaker, order_by=SlotSpeaker.position, cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def speakers(self) -> list[Speaker]:
        return [link.speaker for link in self.speaker_links]

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Slot {self.id} {self.title!r}>"
