"""Settings of this installation that the admins set in the workspace (e.g. the attestations' signatory)."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Setting(db.Model):
    """One setting, by key; a key without a row has its default (where the setting is read)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
