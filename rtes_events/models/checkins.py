"""Presence at the door: a registration checked in on one day of its event, by whom, from which device."""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db


class CheckIn(db.Model):
    """One registration present on one Paris ``day`` of its event (once: the database refuses a second).
    ``scan_id`` is the key the scanning device gave the scan, so that a scan sent again (a batch of
    offline scans replayed) is applied once."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("registration_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device: Mapped[str | None] = mapped_column(String(100))
    scan_id: Mapped[str | None] = mapped_column(String(64), unique=True)

    registration = relationship("Registration")
    checked_by = relationship("User")
