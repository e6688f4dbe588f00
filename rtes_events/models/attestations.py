"""Attestations de présence issued to the people present, each with its public verification code."""

import secrets
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db


def new_code() -> str:
    return secrets.token_urlsafe(12)


class Attestation(db.Model):
    """An attestation as issued: ``facts`` keeps what it states (name, organisation, the event, its
    dates, place or « à distance », hours attended per day, the signatory), so that its verification
    address (``/attestations/<code>``) shows exactly that; ``withdrawn_at`` once it no longer holds."""

    __tablename__ = "attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), unique=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, default=new_code)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)

    registration = relationship("Registration")

    def withdraw(self) -> None:
        """It no longer holds (its registration erased): its facts keep nothing of the person."""
        self.withdrawn_at = self.withdrawn_at or clock.now()
        self.facts = {}
