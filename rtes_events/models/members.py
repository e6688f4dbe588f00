"""Member authorities of the network, their e-mail domains and membership years."""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db

KINDS = {
    "commune": "Commune",
    "intercommunalite": "Intercommunalité",
    "departement": "Département",
    "region": "Région",
    "autre": "Autre",
}


class MemberOrganisation(db.Model):
    """A member authority. Its membership runs from ``since`` and, once ended, ``until`` that year:
    a membership ended this year or before gives its agents no member access."""

    __tablename__ = "member_organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    siren: Mapped[str | None] = mapped_column(String(9), unique=True)
    website: Mapped[str | None] = mapped_column(String(300))
    since: Mapped[int | None] = mapped_column(Integer)
    until: Mapped[int | None] = mapped_column(Integer)
    example: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)

    region = relationship("Region")
    domains = relationship(
        "MemberDomain",
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="MemberDomain.domain",
    )

    @property
    def is_current(self) -> bool:
        return self.until is None or self.until > clock.local_today().year

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def domain_names(self) -> list[str]:
        return [d.domain for d in self.domains]

    def __repr__(self) -> str:
        return f"<MemberOrganisation {self.name}>"


class MemberDomain(db.Model):
    """An e-mail domain of one member authority: no two members share a domain."""

    __tablename__ = "member_domains"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("member_organisations.id", ondelete="CASCADE"), index=True
    )

    organisation = relationship(MemberOrganisation, back_populates="domains")
