"""Accounts of the workspace: the network's team, club co-organisers and member authorities' agents."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..extensions import db

# How an account is told of its events' registrations, cancellations and waiting-list moves.
NOTIFICATIONS = {"each": "À chaque fois", "digest": "Un résumé quotidien", "none": "Jamais"}

ROLES = {
    "admin": "Équipe du réseau (administration)",
    "coorganiser": "Co-organisateur·rice de club",
    "member": "Membre (collectivité adhérente)",
}

user_clubs = Table(
    "user_clubs",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("club_id", ForeignKey("clubs.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A workspace account. ``session_token`` is what the login session holds: renewing it (password
    change, deactivation) signs the account out everywhere."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    # The member authority a ``member`` account belongs to.
    member_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_organisations.id"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notifications: Mapped[str] = mapped_column(String(10), default="none")
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    clubs = relationship("Club", secondary=user_clubs, order_by="Club.name")
    partner = relationship("Partner")
    member_organisation = relationship("MemberOrganisation")

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def get_id(self) -> str:
        return self.session_token

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
