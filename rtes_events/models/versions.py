"""Data versions: counters that the caches of pages and feeds are keyed on."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

SCOPES = ("events", "shared", "registrations")


class DataVersion(db.Model):
    """One counter per scope, bumped by ``rtes_events.versions`` in the transaction of each change."""

    __tablename__ = "data_versions"

    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
