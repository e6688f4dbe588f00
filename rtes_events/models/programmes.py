"""Programmes (« actions »): the funded programmes that events belong to, for the funders' reports."""

from datetime import date, datetime

from sqlalchemy import Column, Date, DateTime, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db

event_programmes = Table(
    "event_programmes",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Programme(db.Model):
    """A programme (e.g. a multi-year convention with a funder); its period is informative: an event
    belongs to a programme because it was assigned to it, not because of its date."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    funder: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)

    events = relationship("Event", secondary=event_programmes, order_by="Event.starts_at", viewonly=True)

    def __repr__(self) -> str:
        return f"<Programme {self.slug}>"
