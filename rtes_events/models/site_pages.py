"""The texts of the information pages (legal notice, personal data, accessibility) as admins wrote
them; a page without a row shows its default text (``rtes_events.site_pages``)."""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..extensions import db


class SitePage(db.Model):
    """An information page's own text (Markdown) and, for the accessibility statement, the compliance
    status the admins declare and its date. None: the default."""

    __tablename__ = "site_pages"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str | None] = mapped_column(String(20))
    declared_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
