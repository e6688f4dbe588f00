"""SQLAlchemy models, one module per aggregate."""

from .accounts import User
from .audit import AuditEntry
from .clubs import Club, Region
from .events import Event, EventSpeaker, Speaker, Theme
from .members import MemberDomain, MemberOrganisation
from .outbox import OutboxMessage
from .partners import Partner
from .programmes import Programme, event_programmes
from .proposals import EventProposal
from .questions import Answer, Question
from .reach import ReachedOrganisation
from .registrations import CalendarToken, Registration
from .reminders import OrganiserReminderSent, ReminderSent, ReminderStop
from .replays import Replay, ReplayCount, ReplayOptOut, ReplayResource
from .search import event_words
from .site_pages import SitePage
from .slots import Slot, SlotSpeaker, registration_slots
from .surveys import SurveyAnswer, SurveyInvitation
from .versions import DataVersion

__all__ = [
    "Answer",
    "AuditEntry",
    "CalendarToken",
    "Club",
    "DataVersion",
    "Event",
    "EventProposal",
    "EventSpeaker",
    "MemberDomain",
    "MemberOrganisation",
    "OrganiserReminderSent",
    "OutboxMessage",
    "Partner",
    "Programme",
    "Question",
    "ReachedOrganisation",
    "Region",
    "Registration",
    "ReminderSent",
    "ReminderStop",
    "Replay",
    "ReplayCount",
    "ReplayOptOut",
    "ReplayResource",
    "SitePage",
    "Slot",
    "SlotSpeaker",
    "Speaker",
    "SurveyAnswer",
    "SurveyInvitation",
    "Theme",
    "User",
    "event_programmes",
    "event_words",
    "registration_slots",
]
