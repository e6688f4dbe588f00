"""Regions and the regional "Clubs des collectivités pour l'ESS"."""

from datetime import date

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

club_partners = Table(
    "club_partners",
    db.metadata,
    Column("club_id", ForeignKey("clubs.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
)


class Region(db.Model):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class Club(db.Model):
    __tablename__ = "clubs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    description: Mapped[str | None] = mapped_column(Text)
    launched: Mapped[date | None] = mapped_column(Date)

    region: Mapped[Region] = relationship()
    co_organisers = relationship("Partner", secondary=club_partners, order_by="Partner.name")
    sessions = relationship("Event", back_populates="club", order_by="Event.starts_at")

    def __repr__(self) -> str:
        return f"<Club {self.slug}>"
