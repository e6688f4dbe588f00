"""SQLAlchemy models, one module per aggregate."""

from .accounts import User
from .audit import AuditEntry
from .clubs import Club, Region
from .events import Event, EventSpeaker, Speaker, Theme
from .outbox import OutboxMessage
from .partners import Partner
from .registrations import CalendarToken, Registration

__all__ = [
    "AuditEntry",
    "CalendarToken",
    "Club",
    "Event",
    "EventSpeaker",
    "OutboxMessage",
    "Partner",
    "Region",
    "Registration",
    "Speaker",
    "Theme",
    "User",
]
