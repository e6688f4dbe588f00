"""What the reminders before an event have done: sent to whom, for which start, and who stopped them."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import db


class ReminderSent(db.Model):
    """A reminder queued for a registration: ``offset_minutes`` before the event starting at
    ``starts_at``. Written in the transaction that queues the e-mail; its unique key makes any number
    of workers queue each reminder once, and a moved event (another ``starts_at``) gets its own."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("registration_id", "offset_minutes", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    offset_minutes: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime] = mapped_column(DateTime)


class ReminderStop(db.Model):
    """A registrant who asked for no more reminders for this registration (the e-mails' link)."""

    __tablename__ = "reminder_stops"

    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)


class OrganiserReminderSent(db.Model):
    """The day-before e-mail to the organisers of an event starting at ``starts_at``, queued once."""

    __tablename__ = "organiser_reminders_sent"
    __table_args__ = (UniqueConstraint("event_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    recipients: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(DateTime)
