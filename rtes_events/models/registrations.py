"""Registrations of participants, and the tokens of their personal calendar feeds."""

import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db

FUNCTIONS = {
    "elu": "Élu·e",
    "agent": "Agent·e",
    "acteur": "Acteur·rice de l'ESS",
    "autre": "Autre",
}
STATUSES = {
    "confirmed": "Confirmée",
    "waitlisted": "En liste d'attente",
    "cancelled": "Annulée",
    "attended": "Présent·e",
    "absent": "Absent·e",
}
ACTIVE = ("confirmed", "waitlisted", "attended")
# How a registrant of a hybrid event attends (None for the other events).
MODES = {"onsite": "Sur place", "remote": "À distance"}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_checkin_code() -> str:
    return secrets.token_urlsafe(16)


class Registration(db.Model):
    """A participant's registration to one event. Only ``rtes_events.registrations`` changes it."""

    __tablename__ = "registrations"
    __table_args__ = (
        # One active registration per (event, e-mail), enforced by the database too.
        Index(
            "uq_registrations_active_email",
            "event_id",
            "email",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
            postgresql_where=text("status != 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(200))
    function: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    mode: Mapped[str | None] = mapped_column(String(10))
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    # What the QR code at the door carries: opaque, and nothing else; void once cancelled.
    checkin_code: Mapped[str] = mapped_column(String(32), unique=True, default=new_checkin_code)
    # Added at the door by the organisers, without registering beforehand.
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime] = mapped_column(DateTime)
    plugin_fields: Mapped[dict] = mapped_column(JSON, default=dict)
    partner_reference: Mapped[str | None] = mapped_column(String(120))
    # The member authority of the e-mail's domain when the registration was made.
    member_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("member_organisations.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now, onupdate=clock.now)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)

    event = relationship("Event", lazy="joined")
    slots = relationship("Slot", secondary="registration_slots", order_by="(Slot.day, Slot.starts)")
    answers = relationship("Answer", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def function_label(self) -> str:
        return FUNCTIONS.get(self.function, self.function)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def mode_label(self) -> str | None:
        return MODES.get(self.mode) if self.mode else None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_remote(self) -> bool:
        """Attends online: an online event, or a hybrid one not on site (a hybrid registration made
        before modes existed has none, and keeps the link it was sent)."""
        return self.event.mode == "online" or (self.event.mode == "hybrid" and self.mode != "onsite")

    @property
    def is_onsite(self) -> bool:
        """Attends in the room: an on-site event, or a hybrid one not remote."""
        return self.event.mode == "onsite" or (self.event.mode == "hybrid" and self.mode != "remote")

    @property
    def online_link(self) -> str | None:
        """The event's private online link when this registration may see it (holds a place, attends
        remotely, the event not cancelled), else None."""
        event = self.event
        if self.status in ("confirmed", "attended") and self.is_remote and event.status != "cancelled":
            return event.online_url or None
        return None

    @property
    def shows_checkin_code(self) -> bool:
        """Confirmed for a place in the room: the check-in code is shown (e-mail, management page,
        ticket); cancelled, it is void."""
        return self.is_onsite and self.status in ("confirmed", "attended")

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


class CalendarToken(db.Model):
    """The revocable secret of a registrant's personal feed ``/mon-agenda/<token>.ics``."""

    __tablename__ = "calendar_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
