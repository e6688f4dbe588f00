"""SQLAlchemy models, one module per aggregate."""

from .accounts import User
from .audit import AuditEntry
from .clubs import Club, Region
from .events import Event, EventSpeaker, Speaker, Theme
from .outbox import OutboxMessage
from .partners import Partner
from .registrations import CalendarToken, Registration
from .replays import Replay, ReplayCount, ReplayOptOut, ReplayResource
from .search import event_words
from .versions import DataVersion

__all__ = [
    "AuditEntry",
    "CalendarToken",
    "Club",
    "DataVersion",
    "Event",
    "EventSpeaker",
    "OutboxMessage",
    "Partner",
    "Region",
    "Registration",
    "Replay",
    "ReplayCount",
    "ReplayOptOut",
    "ReplayResource",
    "Speaker",
    "Theme",
    "User",
    "event_words",
]
