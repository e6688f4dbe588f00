"""What the indicators keep of erased registrations: the organisations an event reached."""

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ReachedOrganisation(db.Model):
    """An organisation (normalised name) that took part in an event, kept when its registrants'
    data is erased so that the count of organisations reached stays; nothing about who."""

    __tablename__ = "reached_organisations"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    authority: Mapped[bool] = mapped_column(Boolean, default=False)
    member_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_organisations.id"), index=True
    )
    # How many of its registrants matched to that member authority came, erased since (``indicators``).
    people: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
