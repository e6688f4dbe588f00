"""Partners of the network: CNFPT, IdealCo, the regional CRESS, funders and co-organisers."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Partner(db.Model):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    long_name: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(300))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    plugin: Mapped[str | None] = mapped_column(String(40))

    region = relationship("Region")

    def __repr__(self) -> str:
        return f"<Partner {self.key}>"
