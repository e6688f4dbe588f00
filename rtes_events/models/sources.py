"""Calendars the network follows (iCalendar feeds of partners and members), whose events it relays.

A source's events are ordinary ``Event`` rows carrying the ``relay_*`` columns (models/events.py):
the source, the event's UID and RECURRENCE-ID in the feed, its own page, the fingerprint of what the
feed last said, and the team's decisions that a refresh keeps. ``sources.py`` follows them.
"""

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db
from .events import Theme

calendar_source_themes = Table(
    "calendar_source_themes",
    db.metadata,
    Column("source_id", ForeignKey("calendar_sources.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class CalendarSource(db.Model):
    """An iCalendar feed followed: whose it is (a partner, a member authority, or neither: the
    network's), what its events get by default (themes, region), whether they are published at once
    (``publish``) or wait in the moderation queue, and the state of its refreshes."""

    __tablename__ = "calendar_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    member_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_organisations.id", ondelete="SET NULL")
    )
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    publish: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    # The state of its refreshes: the validators of the last answer (conditional requests), when it
    # was last tried, last read whole (not a 304) and is next due, the failures in a row and the last
    # one's French message, and how many events the feed gave.
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_check_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    event_count: Mapped[int] = mapped_column(Integer, default=0)

    partner = relationship("Partner")
    member_organisation = relationship("MemberOrganisation")
    region = relationship("Region")
    created_by = relationship("User")
    themes = relationship(Theme, secondary=calendar_source_themes, order_by=Theme.name)
    events = relationship("Event", back_populates="calendar_source", viewonly=True)

    @property
    def owner_name(self) -> str:
        """Whose calendar it is, as the agenda names it."""
        owner = self.partner or self.member_organisation
        return owner.name if owner else self.name

    @property
    def failing(self) -> bool:
        return self.failures > 0

    def __repr__(self) -> str:
        return f"<CalendarSource {self.id} {self.name}>"
