"""Events proposed by members and partners, moderated by the network's team.

A proposal holds what its proposer wrote, who proposes it (the organisation named « Proposé par »
on the event), its state and, once published, the ``Event`` it became: an ordinary event whose
``proposal`` says it is relayed and where to register (the organiser's own link, or none).
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from .events import Scheduled

RELAYED = "organisateur"  # the registration provider of a relayed event
STATES = {"pending": "En attente de validation", "published": "Publiée", "refused": "Refusée"}


class EventProposal(Scheduled, db.Model):
    """An event proposed by a member's, a partner's or the team's account. Times are naive UTC, as
    events'. ``registration_url`` None: the event takes no registration."""

    __tablename__ = "event_proposals"
    __table_args__ = (Index("ix_event_proposals_proposer_id_state", "proposer_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organisation: Mapped[str] = mapped_column(String(200))
    member_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_organisations.id", ondelete="SET NULL"), index=True
    )
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    mode: Mapped[str] = mapped_column(String(20))
    venue: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    registration_url: Mapped[str | None] = mapped_column(String(500))
    # A followed calendar's new event waiting for moderation (models/sources.py): ``event`` is already
    # there, as a draft that the refreshes keep up to date and that publishing makes public.
    calendar_source_id: Mapped[int | None] = mapped_column(
        ForeignKey("calendar_sources.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), unique=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)

    proposer = relationship("User", foreign_keys=[proposer_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    member_organisation = relationship("MemberOrganisation")
    partner = relationship("Partner")
    event = relationship("Event", back_populates="proposal")
    calendar_source = relationship("CalendarSource")

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    # What ``formatting.when`` reads of an event.
    all_day = False
    month_only = False

    def __repr__(self) -> str:
        return f"<EventProposal {self.id} {self.state}>"
